# lifecycled as a container: one static binary on an empty base (scratch),
# run as a non-root user with its state on the /data volume.
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
#
# Two ways to the same runtime stage (ARG ROOTFS names the stage it copies
# its files from):
#   build     (default) compile in the Go image: `docker build .`
#   prebuilt  take rootfs/ and data/ from the build context, laid out on the
#             host by scripts/build.sh and scripts/rootfs.sh. CI does this
#             (scripts/image.sh) because it reaches no container registry;
#             the build stage is then skipped, and scratch needs no pull.
# Both run scripts/build.sh and scripts/rootfs.sh, so the trees are the same.
# BuildKit or buildah is needed (unused stages are skipped; RUN --mount).
# buildah and podman: pass --build-arg ROOTFS=build (buildah 1.28 ignores ARG
# defaults when it picks stages to skip) and --format docker (the OCI format
# has no HEALTHCHECK).

ARG GO_IMAGE=docker.io/library/golang:1.26-bookworm
ARG ROOTFS=build

FROM ${GO_IMAGE} AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG VERSION=dev
# The Go image has gcc, libc6-dev (libc.a for the static link) and
# ca-certificates.
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    VERSION="${VERSION}" scripts/build.sh /out/lifecycled \
 && scripts/rootfs.sh /out/lifecycled /out

FROM scratch AS prebuilt
COPY rootfs/ /out/rootfs/
COPY data/ /out/data/

FROM ${ROOTFS} AS rootfs

# scratch: the binary is static (glibc, SQLite linked in), time zones are
# embedded in it, and the CA bundle is copied: no shell, no package manager,
# nothing to patch but lifecycled itself.
FROM scratch AS runtime
ARG VERSION=dev
ARG REVISION=""
LABEL org.opencontainers.image.title="lifecycled" \
      org.opencontainers.image.description="Keeps customer-lifecycle tags and the Account Lifecycle Status true in Salesforce" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
COPY --from=rootfs /out/rootfs/ /
COPY --from=rootfs --chown=65532:65532 /out/data/ /data/
ENV PATH=/usr/local/bin \
    LIFECYCLED_CONFIG=/etc/lifecycled/config.yaml \
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
CMD ["run", "--config", "/etc/lifecycled/config.yaml"]
