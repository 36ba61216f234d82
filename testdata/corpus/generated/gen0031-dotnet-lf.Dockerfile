# syntax=docker/dockerfile:1.6

# Maintained by the platform team
FROM mcr.microsoft.com/dotnet/sdk:6.0 AS build
WORKDIR /source
COPY *.csproj .
RUN dotnet restore --use-current-runtime
COPY . .
RUN dotnet publish -c Release -o /app --no-restore

FROM mcr.microsoft.com/dotnet/aspnet:6.0
WORKDIR /app
COPY --from=build /app .
ENV ASPNETCORE_URLS=http://+:8080
LABEL org.opencontainers.image.title="dotnet-app" \
      org.opencontainers.image.source="https://example.com/dotnet-app" \
      org.opencontainers.image.licenses="MIT"
EXPOSE 8080
HEALTHCHECK CMD ["wget", "-qO-", "http://127.0.0.1:8080/healthz"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["dotnet", "WebApp.dll"]
