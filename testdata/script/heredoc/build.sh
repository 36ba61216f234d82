#!/bin/bash
BASE=alpine:3.19
cat <<EOF > Dockerfile.generated
FROM $BASE
COPY app /app
EOF
docker build -t gen -f Dockerfile.generated .
docker build -t inline - <<'END'
FROM $BASE
END
cat <<-EOF | docker build -t piped -
	FROM scratch
	ADD app /
	EOF
tr a-z A-Z <<< "$BASE"
