FROM docker:1.13

RUN apk add --no-cache \
		git \
		openssh-client
