FROM mcr.microsoft.com/dotnet/sdk:7.0 AS build
WORKDIR /source
COPY *.csproj .
RUN dotnet restore --use-current-runtime
COPY . .
RUN dotnet publish -c Release -o /app --no-restore

FROM mcr.microsoft.com/dotnet/aspnet:7.0
WORKDIR /app
COPY --from=build /app .
ENV ASPNETCORE_URLS http://+:8080
LABEL maintainer="team-dotnet-app@example.com"
EXPOSE 8080/tcp
CMD ["dotnet", "WebApp.dll"]
