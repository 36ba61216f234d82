ARG FOO=BAR
FROM scratch
ADD busybox.tar.xz /
CMD ["sh"]
