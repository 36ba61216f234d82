FROM crux/python:onbuild

EXPOSE 9000

ENTRYPOINT ["./wiki.py"]
CMD []
