FROM jupyter/base-notebook:b4dd11e16ae4

RUN pip install there
ADD verify verify
