FROM alpine
RUN apk add -U jq
ENTRYPOINT ["jq"]
