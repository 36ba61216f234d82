# syntax=docker/dockerfile:1.4
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
LABEL description "java-app service image"
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid app app
USER 10001:10001
EXPOSE 8080
HEALTHCHECK NONE
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["sh", "-c", "exec java $JAVA_OPTS -jar /app/app.jar"]
