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
#
# The CA bundle is the Mozilla set of Debian's ca-certificates package
# (/usr/share/ca-certificates/mozilla), concatenated as update-ca-certificates
# does on a clean system. Not the machine's /etc/ssl/certs/ca-certificates.crt:
# that one also holds local CAs (/usr/local/share/ca-certificates), such as a
# build network's TLS-intercepting proxy, which the image must not trust.
# CA_BUNDLE=FILE puts FILE in instead.
set -euo pipefail

if (($# != 2)); then
  echo "usage: scripts/rootfs.sh BINARY DIR" >&2
  exit 2
fi
bin=$1 dir=$2
mozilla=/usr/share/ca-certificates/mozilla

if [[ ! -x $bin ]]; then
  echo "rootfs.sh: $bin: not an executable (build it with scripts/build.sh)" >&2
  exit 1
fi
if [[ -n ${CA_BUNDLE:-} ]]; then
  if [[ ! -s $CA_BUNDLE ]]; then
    echo "rootfs.sh: CA_BUNDLE=$CA_BUNDLE: no such file, or empty" >&2
    exit 1
  fi
  certs=("$CA_BUNDLE")
else
  shopt -s nullglob
  certs=("$mozilla"/*.crt)
  shopt -u nullglob
  if ((${#certs[@]} == 0)); then
    echo "rootfs.sh: no certificates in $mozilla (apt-get install ca-certificates)" >&2
    exit 1
  fi
fi

root=$dir/rootfs
rm -rf "$root" "$dir/data"
install -d -m 0755 "$root/usr/local/bin" "$root/etc/ssl/certs"
install -d -m 0755 "$dir/data"
install -d -m 1777 "$root/tmp"
install -m 0755 "$bin" "$root/usr/local/bin/lifecycled"
cat "${certs[@]}" >"$root/etc/ssl/certs/ca-certificates.crt"
printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' \
  'nonroot:x:65532:65532:nonroot:/data:/sbin/nologin' >"$root/etc/passwd"
printf '%s\n' 'root:x:0:' 'nonroot:x:65532:' >"$root/etc/group"
echo 'hosts: files dns' >"$root/etc/nsswitch.conf"
chmod 0644 "$root/etc/ssl/certs/ca-certificates.crt" "$root/etc/passwd" "$root/etc/group" "$root/etc/nsswitch.conf"
