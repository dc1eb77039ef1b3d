# Kindred: multi-stage build. The runtime image runs as a non-root user, keeps its data in /data and is
# configured entirely by environment variables (Kindred__PublicUrl, Kindred__Database__..., see README).
FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:10.0 AS build
# linux-x64 or linux-arm64, from the platform being built for (docker buildx build --platform linux/arm64 ...).
ARG TARGETARCH
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props Federation.sln ./
COPY src/Kindred.ActivityPub/Kindred.ActivityPub.csproj src/Kindred.ActivityPub/packages.lock.json src/Kindred.ActivityPub/
COPY src/Kindred.Server/Kindred.Server.csproj src/Kindred.Server/packages.lock.json src/Kindred.Server/
# The project lists linux-x64 and linux-arm64 as its runtime identifiers, so this locked restore covers both.
RUN dotnet restore src/Kindred.Server/Kindred.Server.csproj --locked-mode
COPY src/ src/
COPY themes/ themes/
# Framework-dependent, for one platform: only its native libraries (SQLite, libsodium), not thirty platforms' worth.
RUN RID=linux-$([ "$TARGETARCH" = "arm64" ] && echo arm64 || echo x64) \
 && dotnet publish src/Kindred.Server/Kindred.Server.csproj -c Release --no-restore -r $RID --self-contained false -p:UseAppHost=false -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
# curl only for the HEALTHCHECK.
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 kindred && useradd --system --uid 10001 --gid kindred --home /data kindred \
 && mkdir -p /data && chown kindred:kindred /data && chmod 700 /data
WORKDIR /data
COPY --from=build /app /app
# Kindred honours ASPNETCORE_URLS (appsettings.json sets no Urls), so this listens on every interface of the container.
ENV ASPNETCORE_URLS=http://+:8080 \
    Kindred__DataDirectory=/data \
    DOTNET_CLI_TELEMETRY_OPTOUT=1
VOLUME ["/data"]
EXPOSE 8080
USER kindred
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD curl -fsS http://127.0.0.1:8080/readyz || exit 1
ENTRYPOINT ["dotnet", "/app/Kindred.Server.dll"]
