FROM docker.io/library/ubuntu:focal
RUN touch /testfile
