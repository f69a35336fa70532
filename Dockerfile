# syntax=docker/dockerfile:1
# The KeptnTask admission webhook. Build from the repository root:
#   docker build -t keptn-task-webhook:dev .
# Runs as UID 64198 (no shell, no package manager in the runtime image); HTTPS admission on 8443, health/metrics on 8080.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# Restore first with only the project and MSBuild files, so the package layer is reused until they change.
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/AdmissionWebhook/AdmissionWebhook.csproj src/AdmissionWebhook/
RUN dotnet restore src/AdmissionWebhook/AdmissionWebhook.csproj
# Then the sources, and the same publish command CI runs (build/publish.sh).
COPY build/ build/
COPY examples/cluster/ examples/cluster/
COPY src/AdmissionWebhook/ src/AdmissionWebhook/
RUN build/publish.sh /app

# Ubuntu chiseled ASP.NET Core runtime: no shell, no package manager.
FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled AS runtime
WORKDIR /app
COPY --from=build --chown=0:0 /app ./
# DOTNET_* as build/runtime.env lists them (why each is set is said there; .ci/smoke-publish.sh checks they match).
ENV ASPNETCORE_HTTP_PORTS= \
    DOTNET_gcServer=0 \
    DOTNET_GCgen0size=0x400000 \
    Webhook__HttpsPort=8443 \
    Webhook__HealthPort=8080
USER 64198:64198
EXPOSE 8443 8080
ENTRYPOINT ["dotnet", "/app/AdmissionWebhook.dll", "serve"]
