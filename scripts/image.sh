#!/usr/bin/env bash
# Builds lifecycled's runtime image with buildah, daemonless and without a
# container registry: the binary is built on this machine by scripts/build.sh,
# laid out by scripts/rootfs.sh, and the Dockerfile's runtime stage is built
# from that tree (--build-arg ROOTFS=prebuilt), so the Go image is never
# pulled. `docker build .` runs the same two scripts in the Go image and gives
# the same runtime stage.
#
#   scripts/image.sh [IMAGE]        default IMAGE: localhost/lifecycled:latest
#   VERSION=1.2.3 scripts/image.sh  default VERSION: git describe, else "dev"
#
# buildah runs as root with the vfs storage driver and chroot isolation, which
# work on a plain VM or inside a container without overlayfs or user
# namespaces. LIFECYCLED_BUILDAH_ROOT=DIR keeps the images in DIR instead of
# /var/lib/containers/storage (scripts/check-image.sh reads the same variable).
set -euo pipefail
cd "$(dirname "$0")/.."

image=${1:-localhost/lifecycled:latest}
export BUILDAH_ISOLATION=chroot
buildah=(buildah --storage-driver vfs)
if [[ -n ${LIFECYCLED_BUILDAH_ROOT:-} ]]; then
  buildah+=(--root "$LIFECYCLED_BUILDAH_ROOT/root" --runroot "$LIFECYCLED_BUILDAH_ROOT/run")
fi
if ! command -v buildah >/dev/null 2>&1; then
  echo "image.sh: buildah is not installed (apt-get install buildah)" >&2
  exit 1
fi

version=${VERSION:-}
if [[ -z $version ]]; then
  version=$(git describe --tags --always --dirty 2>/dev/null || echo dev)
fi
revision=$(git rev-parse HEAD 2>/dev/null || true)

ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
VERSION=$version scripts/build.sh "$ctx/bin/lifecycled"
scripts/rootfs.sh "$ctx/bin/lifecycled" "$ctx"

# buildah 1.28 leaves the prebuilt stage's image and a working container of
# it behind; what the build adds, other than the image, is removed after it.
containers_before=$("${buildah[@]}" containers --all --quiet --notruncate | sort)
dangling_before=$("${buildah[@]}" images --quiet --no-trunc --filter dangling=true | sort)

# --format docker: the OCI image format has no HEALTHCHECK.
"${buildah[@]}" build --format docker --isolation chroot --pull=false \
  --target runtime --build-arg ROOTFS=prebuilt \
  --build-arg VERSION="$version" --build-arg REVISION="$revision" \
  -f Dockerfile -t "$image" "$ctx"

new_containers=$(comm -13 <(echo "$containers_before") <("${buildah[@]}" containers --all --quiet --notruncate | sort))
for c in $new_containers; do "${buildah[@]}" rm "$c" >/dev/null; done
new_dangling=$(comm -13 <(echo "$dangling_before") <("${buildah[@]}" images --quiet --no-trunc --filter dangling=true | sort))
for i in $new_dangling; do "${buildah[@]}" rmi "$i" >/dev/null; done

"${buildah[@]}" images --format '{{.Name}}:{{.Tag}} {{.ID}} {{.Size}}' "$image"
