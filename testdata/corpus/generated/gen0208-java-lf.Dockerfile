# syntax=docker/dockerfile:1
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
USER app
EXPOSE 8080
CMD ["sh", "-c", "exec java $JAVA_OPTS -jar /app/app.jar"]
