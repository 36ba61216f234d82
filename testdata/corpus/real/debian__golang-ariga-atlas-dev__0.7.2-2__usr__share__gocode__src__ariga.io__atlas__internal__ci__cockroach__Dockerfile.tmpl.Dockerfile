FROM cockroachdb/cockroach:{{ .Version}}

EXPOSE 8080
EXPOSE 26257

ENTRYPOINT ["/cockroach/cockroach", "start-single-node", "--insecure"]