# syntax=docker/dockerfile:1
#
# lifecycled as a container: built with CGO (the SQLite driver) on the
# official Go image by scripts/build.sh, the same script CI runs, and run as
# a non-root user on a minimal glibc image.
#
#   docker build --build-arg VERSION=$(git describe --tags --always) \
#     --build-arg REVISION=$(git rev-parse HEAD) -t lifecycled .
#   docker run -d --name lifecycled -p 9090:9090 \
#     -v lifecycled-data:/data \
#     -v $PWD/config.yaml:/etc/lifecycled/config.yaml:ro \
#     -e SF_CLIENT_ID -e SF_CLIENT_SECRET lifecycled
#
# The config must set `server.listen: 0.0.0.0:9090` (the default, 127.0.0.1,
# is unreachable from outside the container) and keep state under /data
# (`state.path: /data/lifecycled.db`; a relative path lands there too, as
# /data is the working directory). docs/operations.md has the details.

ARG GO_VERSION=1.26

FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG VERSION=dev
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    VERSION="${VERSION}" scripts/build.sh /out/lifecycled \
 && mkdir -p /out/data

# distroless/base: glibc (the SQLite driver is linked against it), CA
# certificates and tzdata (sync.timezone), no shell, user nonroot (65532).
FROM gcr.io/distroless/base-debian12:nonroot
ARG VERSION=dev
ARG REVISION=""
LABEL org.opencontainers.image.title="lifecycled" \
      org.opencontainers.image.description="Keeps customer-lifecycle tags and the Account Lifecycle Status true in Salesforce" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
COPY --from=build /out/lifecycled /usr/local/bin/lifecycled
COPY --from=build --chown=65532:65532 /out/data /data
ENV LIFECYCLED_CONFIG=/etc/lifecycled/config.yaml \
    LIFECYCLED_LOG_FORMAT=json
WORKDIR /data
VOLUME ["/data"]
EXPOSE 9090
USER 65532:65532
STOPSIGNAL SIGTERM
# Ready = the state file answers and a sync cycle succeeded within 3
# intervals. The first full sync of a large org can take minutes: hence
# the start period.
HEALTHCHECK --interval=30s --timeout=5s --start-period=5m --retries=3 \
  CMD ["/usr/local/bin/lifecycled", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/lifecycled"]
CMD ["run"]
