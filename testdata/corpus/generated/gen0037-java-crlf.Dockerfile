FROM gradle:8-jdk21 AS build
WORKDIR /home/gradle/project
COPY --chown=gradle:gradle . .
RUN gradle bootJar --no-daemon \
  && cp build/libs/*.jar /home/gradle/app.jar

FROM eclipse-temurin:21-jre-jammy
WORKDIR /app
ENV JAVA_OPTS "-XX:MaxRAMPercentage=75 -XX:+UseG1GC"
ENV TZ UTC
COPY --from=build /home/gradle/app.jar /app/app.jar
MAINTAINER Example Maintainer <java-app@example.com>
RUN <<EOF
set -eux
echo 'preparing java'
mkdir -p /app/data
chmod 0755 /app/data
EOF
USER nonroot:nonroot
EXPOSE 8080
HEALTHCHECK CMD ["wget", "-qO-", "http://127.0.0.1:8080/healthz"]
CMD ["sh", "-c", "exec java $JAVA_OPTS -jar /app/app.jar"]
