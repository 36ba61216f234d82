# syntax=docker/dockerfile:1.6

# Maintained by the platform team
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
LABEL maintainer="team-dotnet-app@example.com"
EXPOSE 8080
CMD ["dotnet", "WebApp.dll"]
