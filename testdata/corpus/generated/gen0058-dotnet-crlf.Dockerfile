# syntax=docker/dockerfile:1

#
# Production image
#
FROM mcr.microsoft.com/dotnet/sdk:7.0 AS build
WORKDIR /source
COPY *.csproj .
RUN dotnet restore --use-current-runtime
COPY . .
RUN dotnet publish -c Release -o /app --no-restore

FROM mcr.microsoft.com/dotnet/aspnet:7.0
WORKDIR /app
COPY --from=build /app .
ENV ASPNETCORE_URLS=http://+:8080
LABEL org.opencontainers.image.title="dotnet-app" \
      org.opencontainers.image.source="https://example.com/dotnet-app" \
      org.opencontainers.image.licenses="MIT"
RUN <<EOF
set -eux
echo 'preparing dotnet'
mkdir -p /app/data
chmod 0755 /app/data
EOF
USER 10001:10001
EXPOSE 8080
CMD ["dotnet", "WebApp.dll"]
