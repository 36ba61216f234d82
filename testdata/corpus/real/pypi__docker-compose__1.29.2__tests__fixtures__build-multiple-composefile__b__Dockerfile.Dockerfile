
FROM busybox:1.31.0-uclibc
RUN  echo b
CMD  top
