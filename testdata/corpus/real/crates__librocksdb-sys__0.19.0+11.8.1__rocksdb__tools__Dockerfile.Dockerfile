FROM buildpack-deps:wheezy

ADD ./ldb /rocksdb/tools/ldb

CMD /rocksdb/tools/ldb
