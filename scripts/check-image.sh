#!/usr/bin/env bash
# Checks lifecycled's runtime image against what docs/operations.md promises,
# with buildah (as root; vfs storage, chroot isolation), no daemon and no
# registry:
#   - its config: a numeric non-root USER, VOLUME /data, the HEALTHCHECK,
#     STOPSIGNAL SIGTERM, ENTRYPOINT and CMD, the config path;
#   - its files: a static binary, /data owned by USER, the CA bundle, /tmp;
#   - the binary in it, run by `buildah run` as the image's user:
#     `version` prints the image's version label, a file outside /data cannot
#     be created (the process is not root), `validate` loads a config with a
#     time zone (the image has no zone files), `demo` syncs against the
#     built-in emulator into /data/lifecycled.db while the HEALTHCHECK command
#     reports ready, and `status` reopens that state file.
#
#   scripts/check-image.sh [IMAGE]   default IMAGE: localhost/lifecycled:latest
#
# LIFECYCLED_BUILDAH_ROOT as for scripts/image.sh. LIFECYCLED_CHECK_PORT
# (default: a random port from 20000) is where the demo serves /readyz on
# 127.0.0.1 (chroot isolation shares the machine's network).
set -euo pipefail

image=${1:-localhost/lifecycled:latest}
export BUILDAH_ISOLATION=chroot
buildah=(buildah --storage-driver vfs)
if [[ -n ${LIFECYCLED_BUILDAH_ROOT:-} ]]; then
  buildah+=(--root "$LIFECYCLED_BUILDAH_ROOT/root" --runroot "$LIFECYCLED_BUILDAH_ROOT/run")
fi
port=${LIFECYCLED_CHECK_PORT:-$((20000 + RANDOM % 20000))}

failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}
pass() { echo "ok: $*"; }

inspect() { "${buildah[@]}" inspect --type image --format "$1" "$image"; }

# --- The image's config ---------------------------------------------------
if ! inspect '{{.FromImageID}}' >/dev/null; then
  echo "check-image.sh: no image $image (build it with scripts/image.sh)" >&2
  exit 1
fi
user=$(inspect '{{.OCIv1.Config.User}}')
if [[ $user =~ ^([1-9][0-9]*)(:([0-9]+))?$ ]]; then
  uid=${BASH_REMATCH[1]} gid=${BASH_REMATCH[3]:-${BASH_REMATCH[1]}}
  pass "USER $user (numeric, not root)"
else
  fail "USER is '$user', want a numeric non-root uid[:gid]"
  uid=65532 gid=65532
fi
volumes=$(inspect '{{range $k, $v := .OCIv1.Config.Volumes}}{{$k}} {{end}}')
[[ " $volumes" == *" /data "* ]] && pass "VOLUME /data" || fail "volumes are '$volumes', want /data"
healthcheck=$(inspect '{{if .Docker.Config.Healthcheck}}{{range .Docker.Config.Healthcheck.Test}}{{.}} {{end}}{{end}}')
[[ $healthcheck == 'CMD /usr/local/bin/lifecycled healthcheck ' ]] &&
  pass "HEALTHCHECK $healthcheck" || fail "HEALTHCHECK is '$healthcheck', want CMD /usr/local/bin/lifecycled healthcheck (built without --format docker?)"
stop=$(inspect '{{.OCIv1.Config.StopSignal}}')
[[ $stop == SIGTERM ]] && pass "STOPSIGNAL SIGTERM" || fail "STOPSIGNAL is '$stop', want SIGTERM"
entry=$(inspect '{{range .OCIv1.Config.Entrypoint}}{{.}} {{end}}{{range .OCIv1.Config.Cmd}}{{.}} {{end}}')
[[ $entry == '/usr/local/bin/lifecycled run --config /etc/lifecycled/config.yaml ' ]] &&
  pass "ENTRYPOINT+CMD $entry" || fail "ENTRYPOINT+CMD is '$entry', want /usr/local/bin/lifecycled run --config /etc/lifecycled/config.yaml"
workdir=$(inspect '{{.OCIv1.Config.WorkingDir}}')
[[ $workdir == /data ]] && pass "WORKDIR /data" || fail "WORKDIR is '$workdir', want /data"
env=$(inspect '{{range .OCIv1.Config.Env}}{{.}} {{end}}')
[[ " $env" == *" LIFECYCLED_CONFIG=/etc/lifecycled/config.yaml "* ]] &&
  pass "ENV LIFECYCLED_CONFIG" || fail "env is '$env', want LIFECYCLED_CONFIG=/etc/lifecycled/config.yaml"
label_version=$(inspect '{{index .OCIv1.Config.Labels "org.opencontainers.image.version"}}')

# --- A working container: its files, then the binary in it ---------------
ctr=$("${buildah[@]}" from --pull=false --quiet "$image")
demo_pid=
cleanup() {
  if [[ -n $demo_pid ]] && kill -0 "$demo_pid" 2>/dev/null; then
    kill "$demo_pid" 2>/dev/null || true
    wait "$demo_pid" 2>/dev/null || true
  fi
  "${buildah[@]}" umount "$ctr" >/dev/null 2>&1 || true
  "${buildah[@]}" rm "$ctr" >/dev/null 2>&1 || true
  rm -rf "${tmp:-}"
}
trap cleanup EXIT
tmp=$(mktemp -d)
root=$("${buildah[@]}" mount "$ctr")

bin=$root/usr/local/bin/lifecycled
linked=$(LC_ALL=C ldd "$bin" 2>&1 || true) # exits 1 for a static binary
if [[ ! -x $bin ]]; then
  fail "no executable /usr/local/bin/lifecycled"
elif [[ $linked == *"not a dynamic executable"* || $linked == *"statically linked"* ]]; then
  pass "/usr/local/bin/lifecycled is static ($(du -h "$bin" | cut -f1))"
else
  fail "/usr/local/bin/lifecycled is dynamically linked: $(echo $linked)"
fi
owner=$(stat -c %u:%g "$root/data")
[[ $owner == "$uid:$gid" ]] && pass "/data owned by $owner" || fail "/data is owned by $owner, want $uid:$gid"
certs=$(grep -c 'BEGIN CERTIFICATE' "$root/etc/ssl/certs/ca-certificates.crt" 2>/dev/null || true)
((${certs:-0} >= 100)) && pass "CA bundle: $certs certificates" || fail "/etc/ssl/certs/ca-certificates.crt holds ${certs:-no} certificates"
mode=$(stat -c %a "$root/tmp" 2>/dev/null || echo none)
[[ $mode == 1777 ]] && pass "/tmp mode 1777" || fail "/tmp mode is $mode, want 1777"
[[ ! -e $root/bin/sh ]] && pass "no shell" || fail "/bin/sh exists: the image is not scratch-based"
echo "files:"
(cd "$root" && find . -mindepth 1 \( -type f -o -type l \) -printf '  %m %U:%G %10s /%P\n' | sort -k4)
"${buildah[@]}" umount "$ctr" >/dev/null

run() { "${buildah[@]}" run "$ctr" -- "$@"; }

got=$(run lifecycled version 2>&1) || true
[[ $got == "lifecycled $label_version" ]] &&
  pass "lifecycled version: $got" || fail "lifecycled version printed '$got', want 'lifecycled $label_version'"

if out=$(run lifecycled demo --accounts 1 --cycles 1 --state /lifecycled-check/lifecycled.db --listen 127.0.0.1:0 2>&1); then
  fail "the image's user created /lifecycled-check: it runs as root"
elif [[ $out == *"permission denied"* ]]; then
  pass "the process cannot write outside /data (not root)"
else
  fail "state outside /data failed for another reason than permissions: $out"
fi

cat >"$tmp/config.yaml" <<EOF
salesforce:
  login_url: https://example.my.salesforce.com
  auth:
    flow: client_credentials
    client_id: check-image
    client_secret: check-image
sync:
  timezone: America/Sao_Paulo
state:
  path: /data/lifecycled.db
server:
  listen: 127.0.0.1:$port
EOF
"${buildah[@]}" copy --quiet --chown "$uid:$gid" "$ctr" "$tmp/config.yaml" /etc/lifecycled/config.yaml >/dev/null
out=$(run lifecycled validate 2>&1) &&
  pass "validate (LIFECYCLED_CONFIG, sync.timezone America/Sao_Paulo): $out" || fail "validate: $out"

run lifecycled demo --accounts 300 --cycles 3 --interval 3s --days-per-cycle 0 \
  --state /data/lifecycled.db --listen "127.0.0.1:$port" >"$tmp/demo.log" 2>&1 &
demo_pid=$!
hc_cmd=${healthcheck#CMD }
[[ $healthcheck == "CMD "* ]] || hc_cmd='/usr/local/bin/lifecycled healthcheck'
healthy=
for _ in $(seq 1 20); do
  sleep 0.5
  if out=$(run $hc_cmd 2>&1); then # word splitting wanted
    healthy=$out
    break
  fi
done
[[ -n $healthy ]] && pass "HEALTHCHECK command while the demo runs: $healthy" || fail "HEALTHCHECK never passed: $out"
if wait "$demo_pid"; then
  pass "demo: 3 cycles against the emulator, state in /data/lifecycled.db"
else
  fail "demo failed: $(tail -5 "$tmp/demo.log")"
fi
demo_pid=
out=$(run lifecycled status 2>&1) && [[ $out == *full*ok* ]] &&
  pass "status reopens /data/lifecycled.db" || fail "status: $out"

if ((failures)); then
  echo "check-image.sh: $image: $failures checks failed" >&2
  exit 1
fi
echo "check-image.sh: $image: all checks passed"
