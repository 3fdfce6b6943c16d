package main

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestBuildScript builds the binary with scripts/build.sh, as the Dockerfile
// and scripts/image.sh do, and runs it.
func TestBuildScript(t *testing.T) {
	cc, err := exec.Command("go", "env", "CC").Output()
	if err != nil {
		t.Fatalf("go env CC: %v", err)
	}
	if _, err := exec.LookPath(strings.TrimSpace(string(cc))); err != nil {
		t.Skipf("no C compiler (%s): the SQLite driver cannot be built", strings.TrimSpace(string(cc)))
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "bin", "lifecycled")
	ctx, cancel := context.WithTimeout(context.Background(), 9*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", filepath.Join(root, "scripts", "build.sh"), out)
	cmd.Env = append(os.Environ(), "VERSION=v9.9.9-buildtest")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("scripts/build.sh: %v\n%s", err, b)
	}
	got, err := exec.Command(out, "version").Output()
	if err != nil {
		t.Fatalf("%s version: %v", out, err)
	}
	if want := "lifecycled v9.9.9-buildtest\n"; string(got) != want {
		t.Errorf("version = %q, want %q", got, want)
	}

	info, err := buildinfo.ReadFile(out)
	if err != nil {
		t.Fatalf("build info of %s: %v", out, err)
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	if got, want := settings["CGO_ENABLED"], "1"; got != want {
		t.Errorf("CGO_ENABLED = %q, want %q (the SQLite driver)", got, want)
	}
	if got, want := settings["-trimpath"], "true"; got != want {
		t.Errorf("-trimpath = %q, want %q", got, want)
	}
	tags := strings.Split(settings["-tags"], ",")
	for _, want := range []string{"netgo", "osusergo", "sqlite_omit_load_extension"} {
		if !slices.Contains(tags, want) {
			t.Errorf("build tags %q lack %s", settings["-tags"], want)
		}
	}

	if runtime.GOOS != "linux" {
		return
	}
	f, err := elf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// -s: no symbol table.
	if f.Section(".symtab") != nil {
		t.Error("the binary has a symbol table: -ldflags -s missing")
	}
	// Static: the image is FROM scratch, which has no dynamic loader and no
	// shared library.
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the binary asks for a dynamic loader (PT_INTERP): not linked statically")
		}
	}
	if libs, err := f.ImportedLibraries(); err != nil || len(libs) > 0 {
		t.Errorf("the binary imports shared libraries %v (%v): not linked statically", libs, err)
	}
}

// TestRootfsScript lays out the runtime image's files with scripts/rootfs.sh
// and checks the tree the Dockerfile's runtime stage copies.
func TestRootfsScript(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "lifecycled-bin")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	bundle := filepath.Join(dir, "bundle.crt")
	const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
	if err := os.WriteFile(bundle, []byte(pem), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	// A file left by an earlier run must not survive into the image.
	if err := os.MkdirAll(filepath.Join(out, "rootfs", "stale"), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", "../../scripts/rootfs.sh", bin, out)
	cmd.Env = append(os.Environ(), "CA_BUNDLE="+bundle)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("scripts/rootfs.sh: %v\n%s", err, b)
	}
	for _, c := range []struct {
		path string
		mode os.FileMode
	}{
		{"rootfs/usr/local/bin/lifecycled", 0o755},
		{"rootfs/etc/ssl/certs/ca-certificates.crt", 0o644},
		{"rootfs/etc/passwd", 0o644},
		{"rootfs/etc/group", 0o644},
		{"rootfs/etc/nsswitch.conf", 0o644},
		{"rootfs/tmp", os.ModeDir | os.ModeSticky | 0o777},
		{"data", os.ModeDir | 0o755},
	} {
		fi, err := os.Stat(filepath.Join(out, c.path))
		if err != nil {
			t.Errorf("%s: %v", c.path, err)
			continue
		}
		if got := fi.Mode() & (os.ModeType | os.ModeSticky | os.ModePerm); got != c.mode {
			t.Errorf("%s mode = %v, want %v", c.path, got, c.mode)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "rootfs", "stale")); err == nil {
		t.Error("rootfs/stale survived: the tree is not laid out afresh")
	}
	certs, err := os.ReadFile(filepath.Join(out, "rootfs/etc/ssl/certs/ca-certificates.crt"))
	if err != nil || string(certs) != pem {
		t.Errorf("CA bundle = %q (%v), want CA_BUNDLE's contents", certs, err)
	}
	passwd, err := os.ReadFile(filepath.Join(out, "rootfs/etc/passwd"))
	if err != nil || !strings.Contains(string(passwd), "nonroot:x:65532:65532:") {
		t.Errorf("passwd = %q (%v), want the nonroot user 65532 the Dockerfile runs as", passwd, err)
	}

	// A CA_BUNDLE that is not there: an error naming it.
	cmd = exec.Command("bash", "../../scripts/rootfs.sh", bin, out)
	cmd.Env = append(os.Environ(), "CA_BUNDLE="+filepath.Join(dir, "missing.crt"))
	if b, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(b), "missing.crt") {
		t.Errorf("rootfs.sh with a missing CA_BUNDLE: err %v, output %q; want a failure naming the file", err, b)
	}
}

// TestRootfsScriptCABundle checks the default CA bundle: Debian's Mozilla
// set, without the machine's local CAs (a build network's proxy CA must not
// be trusted by the image).
func TestRootfsScriptCABundle(t *testing.T) {
	mozilla, _ := filepath.Glob("/usr/share/ca-certificates/mozilla/*.crt")
	if len(mozilla) == 0 {
		t.Skip("no /usr/share/ca-certificates/mozilla (Debian's ca-certificates package)")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "lifecycled-bin")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", "../../scripts/rootfs.sh", bin, dir)
	cmd.Env = append(os.Environ(), "CA_BUNDLE=")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("scripts/rootfs.sh: %v\n%s", err, b)
	}
	bundle, err := os.ReadFile(filepath.Join(dir, "rootfs/etc/ssl/certs/ca-certificates.crt"))
	if err != nil {
		t.Fatal(err)
	}
	var want []byte
	for _, f := range mozilla {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, b...)
	}
	if !bytes.Equal(bundle, want) {
		t.Errorf("bundle: %d bytes, %d certificates; want the %d Mozilla certificates (%d bytes)",
			len(bundle), bytes.Count(bundle, []byte("BEGIN CERTIFICATE")), len(mozilla), len(want))
	}
	local, _ := filepath.Glob("/usr/local/share/ca-certificates/*.crt")
	for _, f := range local {
		b, err := os.ReadFile(f)
		if err == nil && len(bytes.TrimSpace(b)) > 0 && bytes.Contains(bundle, bytes.TrimSpace(b)) {
			t.Errorf("the image's bundle holds the machine's local CA %s", f)
		}
	}
}

// TestDockerfile checks that the image is built by the same scripts and has
// what the operations guide promises. scripts/check-image.sh checks a built
// image; no image builder runs here.
func TestDockerfile(t *testing.T) {
	b, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	df := string(b)
	for _, want := range []string{
		"ARG GO_IMAGE=docker.io/library/golang:1.26-bookworm",
		"FROM ${GO_IMAGE} AS build",
		"scripts/build.sh /out/lifecycled",
		"scripts/rootfs.sh /out/lifecycled /out",
		"FROM scratch AS prebuilt",
		"FROM ${ROOTFS} AS rootfs",
		"FROM scratch AS runtime",
		"COPY --from=rootfs /out/rootfs/ /",
		"COPY --from=rootfs --chown=65532:65532 /out/data/ /data/",
		"LIFECYCLED_CONFIG=/etc/lifecycled/config.yaml",
		`VOLUME ["/data"]`,
		"EXPOSE 9090",
		"USER 65532:65532",
		"STOPSIGNAL SIGTERM",
		`CMD ["/usr/local/bin/lifecycled", "healthcheck"]`,
		`ENTRYPOINT ["/usr/local/bin/lifecycled"]`,
		`CMD ["run", "--config", "/etc/lifecycled/config.yaml"]`,
		"org.opencontainers.image.version",
	} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	// Every base is fully qualified (no registry is implied), scratch, a
	// stage or an ARG; the runtime stage, the last, is scratch.
	from := regexp.MustCompile(`(?m)^FROM\s+(\S+)`)
	var bases []string
	for _, m := range from.FindAllStringSubmatch(df, -1) {
		bases = append(bases, m[1])
	}
	for _, base := range bases {
		switch {
		case base == "scratch", strings.HasPrefix(base, "${"), base == "build", base == "prebuilt":
		case strings.Count(strings.SplitN(base, ":", 2)[0], "/") >= 2 && strings.Contains(strings.SplitN(base, "/", 2)[0], "."):
		default:
			t.Errorf("FROM %s: not a fully qualified image name (registry/namespace/name)", base)
		}
	}
	if len(bases) == 0 || bases[len(bases)-1] != "scratch" {
		t.Errorf("the last stage is FROM %v, want scratch", bases)
	}
	arg := regexp.MustCompile(`(?m)^ARG GO_IMAGE=(\S+)$`).FindStringSubmatch(df)
	if arg == nil || !strings.HasPrefix(arg[1], "docker.io/library/golang:") {
		t.Errorf("GO_IMAGE default = %v, want docker.io/library/golang:...", arg)
	}

	ignore, err := os.ReadFile("../../.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"*.db", "lifecycled.yaml", ".git"} {
		if !strings.Contains(string(ignore), want) {
			t.Errorf(".dockerignore lacks %q", want)
		}
	}
}

// TestImageScripts checks that the image scripts CI runs parse.
func TestImageScripts(t *testing.T) {
	for _, s := range []string{"scripts/build.sh", "scripts/rootfs.sh", "scripts/image.sh", "scripts/check-image.sh", ".ci/run"} {
		if b, err := exec.Command("bash", "-n", filepath.Join("../..", s)).CombinedOutput(); err != nil {
			t.Errorf("bash -n %s: %v\n%s", s, err, b)
		}
	}
}
