# escape=`
FROM mcr.microsoft.com/windows/servercore:ltsc2022
SHELL ["powershell", "-Command", "$ErrorActionPreference = 'Stop'; $ProgressPreference = 'SilentlyContinue';"]
ENV APP_HOME C:\app
RUN $url = 'https://example.com/dotnet/setup.zip'; `
    Write-Host ('Downloading {0} ...' -f $url); `
    Invoke-WebRequest -Uri $url -OutFile setup.zip; `
    Expand-Archive setup.zip -DestinationPath C:\tools; `
    Remove-Item setup.zip -Force
WORKDIR C:\app
COPY . C:\app\
RUN setx /M PATH $($Env:PATH + ';C:\tools\bin')
LABEL org.opencontainers.image.title="dotnet-app" `
      org.opencontainers.image.source="https://example.com/dotnet-app" `
      org.opencontainers.image.licenses="MIT"
EXPOSE 8080
CMD ["C:\\tools\\bin\\app.exe"]
