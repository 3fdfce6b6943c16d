#!/usr/bin/env bash
# Lays out the files of lifecycled's runtime image (FROM scratch) around a
# binary built by scripts/build.sh. The Dockerfile's build stage runs it, and
# so does scripts/image.sh on the host, so both build paths give the image
# the same tree:
#
#   DIR/rootfs/usr/local/bin/lifecycled          the static binary (0755)
#   DIR/rootfs/etc/ssl/certs/ca-certificates.crt CA bundle for HTTPS to Salesforce
#   DIR/rootfs/etc/passwd, group                 root and nonroot (65532), for tools that name users
#   DIR/rootfs/etc/nsswitch.conf                 hosts: files dns (Go's resolver reads it)
#   DIR/rootfs/tmp                               1777, for SQLite's temporary files
#   DIR/data                                     empty; the Dockerfile copies it to /data owned by 65532
#
#   scripts/rootfs.sh BINARY DIR
# The CA bundle is the machine's (Debian's ca-certificates package);
# CA_BUNDLE=FILE picks another.
set -euo pipefail

if (($# != 2)); then
  echo "usage: scripts/rootfs.sh BINARY DIR" >&2
  exit 2
fi
bin=$1 dir=$2
bundle=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}

if [[ ! -x $bin ]]; then
  echo "rootfs.sh: $bin: not an executable (build it with scripts/build.sh)" >&2
  exit 1
fi
if [[ ! -s $bundle ]]; then
  echo "rootfs.sh: no CA bundle at $bundle (apt-get install ca-certificates)" >&2
  exit 1
fi

root=$dir/rootfs
rm -rf "$root" "$dir/data"
install -d -m 0755 "$root/usr/local/bin" "$root/etc/ssl/certs"
install -d -m 0755 "$dir/data"
install -d -m 1777 "$root/tmp"
install -m 0755 "$bin" "$root/usr/local/bin/lifecycled"
install -m 0644 "$bundle" "$root/etc/ssl/certs/ca-certificates.crt"
printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' \
  'nonroot:x:65532:65532:nonroot:/data:/sbin/nologin' >"$root/etc/passwd"
printf '%s\n' 'root:x:0:' 'nonroot:x:65532:' >"$root/etc/group"
echo 'hosts: files dns' >"$root/etc/nsswitch.conf"
chmod 0644 "$root/etc/passwd" "$root/etc/group" "$root/etc/nsswitch.conf"
