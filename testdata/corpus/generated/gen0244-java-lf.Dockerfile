# syntax = docker/dockerfile:1-labs
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /workspace
COPY pom.xml .
RUN --mount=type=cache,target=/root/.m2 mvn -B -q dependency:go-offline
COPY src ./src
RUN mvn -B -DskipTests package && \
    cp target/*.jar /workspace/app.jar

FROM eclipse-temurin:17-jre-jammy
WORKDIR /app
ENV JAVA_OPTS="-XX:MaxRAMPercentage=75 -XX:+UseG1GC" \
    TZ=UTC
COPY --from=build /workspace/app.jar /app/app.jar
MAINTAINER Example Maintainer <java-app@example.com>
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid app app
USER 10001:10001
EXPOSE 8080
CMD ["sh", "-c", "exec java $JAVA_OPTS -jar /app/app.jar"]
