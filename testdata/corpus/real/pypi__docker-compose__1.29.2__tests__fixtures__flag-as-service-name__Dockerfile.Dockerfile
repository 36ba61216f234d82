FROM busybox:1.27.2
LABEL com.docker.compose.test_image=true
CMD echo "success"
