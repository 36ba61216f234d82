# syntax = docker/dockerfile:1-labs
FROM maven:3.9-eclipse-temurin-21 AS build
WORKDIR /workspace
COPY pom.xml .
RUN mvn -B dependency:resolve
COPY src ./src
RUN mvn -B -DskipTests package && \
    cp target/*.jar /workspace/app.jar

FROM eclipse-temurin:21-jre-jammy
WORKDIR /app
ENV JAVA_OPTS="-XX:MaxRAMPercentage=75 -XX:+UseG1GC" TZ=UTC
COPY --from=build /workspace/app.jar /app/app.jar
LABEL maintainer="team-java-app@example.com"
USER nonroot:nonroot
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD curl -fsS http://localhost:8080/health || exit 1
CMD ["sh", "-c", "exec java $JAVA_OPTS -jar /app/app.jar"]