# syntax=docker/dockerfile:1.4
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
MAINTAINER Example Maintainer <dotnet-app@example.com>
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid app app
USER nonroot:nonroot
EXPOSE 8080
HEALTHCHECK NONE
CMD ["dotnet", "WebApp.dll"]
