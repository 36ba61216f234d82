FROM docker:1.11

RUN apk add --no-cache \
		bash

CMD ["bash"]
