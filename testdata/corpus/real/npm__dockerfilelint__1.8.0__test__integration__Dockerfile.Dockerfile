FROM ubuntu

RUN apt-get update
RUN apt-get install python-pip

EXPOSE 8080:8080
