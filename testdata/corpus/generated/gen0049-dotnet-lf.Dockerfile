FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build
WORKDIR /source
COPY *.csproj .
RUN dotnet restore --use-current-runtime
COPY . .
RUN dotnet publish -c Release -o /app --no-restore

FROM mcr.microsoft.com/dotnet/aspnet:8.0
WORKDIR /app
COPY --from=build /app .
ENV ASPNETCORE_URLS=http://+:8080
LABEL org.opencontainers.image.title="dotnet-app" \
      org.opencontainers.image.source="https://example.com/dotnet-app" \
      org.opencontainers.image.licenses="MIT"
USER 10001
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD curl -fsS http://localhost:8080/health || exit 1
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["dotnet", "WebApp.dll"]
