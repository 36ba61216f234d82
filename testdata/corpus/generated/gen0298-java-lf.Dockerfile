# syntax=docker/dockerfile:1.6
FROM gradle:8-jdk17 AS build
WORKDIR /home/gradle/project
COPY --chown=gradle:gradle . .
RUN gradle bootJar --no-daemon \
  && cp build/libs/*.jar /home/gradle/app.jar

FROM eclipse-temurin:17-jre-jammy
WORKDIR /app
ENV JAVA_OPTS "-XX:MaxRAMPercentage=75 -XX:+UseG1GC"
ENV TZ UTC
COPY --from=build /home/gradle/app.jar /app/app.jar
LABEL org.opencontainers.image.title="java-app" \
      org.opencontainers.image.source="https://example.com/java-app" \
      org.opencontainers.image.licenses="MIT"
EXPOSE 8080/tcp
CMD ["sh", "-c", "exec java $JAVA_OPTS -jar /app/app.jar"]
