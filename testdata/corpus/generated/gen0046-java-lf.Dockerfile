FROM gradle:8-jdk17 AS build
WORKDIR /home/gradle/project
COPY --chown=gradle:gradle . .
RUN gradle bootJar --no-daemon \
  && cp build/libs/*.jar /home/gradle/app.jar

FROM eclipse-temurin:17-jre-jammy
WORKDIR /app
ENV JAVA_OPTS="-XX:MaxRAMPercentage=75 -XX:+UseG1GC" TZ=UTC
COPY --from=build /home/gradle/app.jar /app/app.jar
LABEL description "java-app service image"
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid app app
USER 10001
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD curl -fsS http://localhost:8080/health || exit 1
CMD ["sh", "-c", "exec java $JAVA_OPTS -jar /app/app.jar"]
