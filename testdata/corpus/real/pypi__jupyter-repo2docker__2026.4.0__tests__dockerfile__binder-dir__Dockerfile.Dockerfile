FROM python:3.5

RUN exit 1
