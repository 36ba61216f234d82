FROM busybox:1.31.0-uclibc
RUN touch /blah
