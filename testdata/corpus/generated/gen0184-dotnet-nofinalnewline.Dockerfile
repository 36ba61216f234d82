# syntax = docker/dockerfile:1-labs
FROM mcr.microsoft.com/dotnet/sdk:6.0 AS build
WORKDIR /source
COPY *.csproj .
RUN dotnet restore --use-current-runtime
COPY . .
RUN dotnet publish -c Release -o /app --no-restore

FROM mcr.microsoft.com/dotnet/aspnet:6.0
WORKDIR /app
COPY --from=build /app .
ENV ASPNETCORE_URLS http://+:8080
MAINTAINER Example Maintainer <dotnet-app@example.com>
USER 10001:10001
EXPOSE 8080
CMD ["dotnet", "WebApp.dll"]