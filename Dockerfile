# syntax=docker/dockerfile:1
# One image recipe for the three services; pick one with --build-arg SERVICE=...
#   docker build --build-arg SERVICE=intake-service -t upbeat/intake-service .
# (docker-compose.yml builds all three.) The build context is the repository root, since a
# service is built with the shared modules it depends on.

ARG SERVICE=api-service

FROM eclipse-temurin:21-jdk AS build
ARG SERVICE
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.m2 \
    ./mvnw -B -q package -DskipTests -Dspotless.check.skip=true -pl "${SERVICE}" -am \
 && java -Djarmode=tools -jar "${SERVICE}/target/${SERVICE}.jar" \
      extract --layers --launcher --destination /layers

FROM eclipse-temurin:21-jre
ARG SERVICE
# curl serves the health checks of docker-compose.yml and orchestrators.
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system upbeat \
 && useradd --system --gid upbeat --home-dir /app --shell /usr/sbin/nologin upbeat
WORKDIR /app
# Layers from least to most often changed, so a code change rebuilds only the last one.
COPY --from=build /layers/dependencies/ ./
COPY --from=build /layers/spring-boot-loader/ ./
COPY --from=build /layers/snapshot-dependencies/ ./
COPY --from=build /layers/application/ ./
USER upbeat
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError" \
    LOGGING_STRUCTURED_FORMAT_CONSOLE=ecs
ENTRYPOINT ["java", "org.springframework.boot.loader.launch.JarLauncher"]
