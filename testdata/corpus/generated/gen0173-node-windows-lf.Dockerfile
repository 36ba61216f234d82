# escape=`
# syntax=docker/dockerfile:1.6
FROM mcr.microsoft.com/powershell:lts-nanoserver-1809
SHELL ["powershell", "-Command", "$ErrorActionPreference = 'Stop'; $ProgressPreference = 'SilentlyContinue';"]
ENV APP_HOME C:\app
RUN $url = 'https://example.com/node/setup.zip'; `
    Write-Host ('Downloading {0} ...' -f $url); `
    Invoke-WebRequest -Uri $url -OutFile setup.zip; `
    Expand-Archive setup.zip -DestinationPath C:\tools; `
    Remove-Item setup.zip -Force
WORKDIR C:\app
COPY . C:\app\
RUN setx /M PATH $($Env:PATH + ';C:\tools\bin')
LABEL description "node-app service image"
EXPOSE 8080
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["C:\\tools\\bin\\app.exe"]
