FROM rust:latest

ENV SRC_DIR /src
RUN mkdir $SRC_DIR
WORKDIR $SRC_DIR
VOLUME $SRC_DIR

CMD ["/bin/bash"]

