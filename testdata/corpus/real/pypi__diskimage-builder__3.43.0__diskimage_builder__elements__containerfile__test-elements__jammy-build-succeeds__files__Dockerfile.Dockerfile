FROM quay.io/opendevmirror/ubuntu:22.04
RUN touch /testfile
