FROM gcr.io/oss-fuzz-base/base-builder-rust:v1
COPY . $SRC/rust-asn1
WORKDIR rust-asn1
COPY .clusterfuzzlite/build.sh $SRC/
