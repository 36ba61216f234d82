
# Multi-stage build: compile, then copy the result
FROM gradle:8-jdk21 AS build
WORKDIR /home/gradle/project
COPY --chown=gradle:gradle . .
RUN gradle bootJar --no-daemon \
  && cp build/libs/*.jar /home/gradle/app.jar

FROM eclipse-temurin:21-jre-jammy
WORKDIR /app
ENV JAVA_OPTS="-XX:MaxRAMPercentage=75 -XX:+UseG1GC" TZ=UTC
COPY --from=build /home/gradle/app.jar /app/app.jar
LABEL maintainer="team-java-app@example.com"
USER 10001
EXPOSE 8080
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["sh", "-c", "exec java $JAVA_OPTS -jar /app/app.jar"]
