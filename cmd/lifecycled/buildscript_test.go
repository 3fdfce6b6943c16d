package main

import (
	"bytes"
	"context"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestBuildScript builds the binary with scripts/build.sh, as the Dockerfile
// does, and runs it.
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

	bin, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	// -trimpath: no path of this checkout is compiled in.
	if bytes.Contains(bin, []byte(root+"/")) {
		t.Errorf("the binary holds the build directory %s: -trimpath missing", root)
	}
	if runtime.GOOS == "linux" {
		f, err := elf.Open(out)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		// -s: no symbol table.
		if f.Section(".symtab") != nil {
			t.Error("the binary has a symbol table: -ldflags -s missing")
		}
		// CGO: the SQLite driver links the C library dynamically.
		libs, err := f.ImportedLibraries()
		if err != nil || len(libs) == 0 {
			t.Errorf("the binary imports no shared library (%v): built without CGO?", err)
		}
	}
}

// TestDockerfile checks that the image is built by the same script and has
// what the operations guide promises; no Docker engine runs here.
func TestDockerfile(t *testing.T) {
	b, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	df := string(b)
	for _, want := range []string{
		"FROM golang:${GO_VERSION}-bookworm AS build",
		"scripts/build.sh /out/lifecycled",
		"FROM gcr.io/distroless/base-debian12:nonroot",
		"COPY --from=build /out/lifecycled /usr/local/bin/lifecycled",
		"LIFECYCLED_CONFIG=/etc/lifecycled/config.yaml",
		`VOLUME ["/data"]`,
		"EXPOSE 9090",
		"USER 65532:65532",
		"STOPSIGNAL SIGTERM",
		`CMD ["/usr/local/bin/lifecycled", "healthcheck"]`,
		"org.opencontainers.image.version",
	} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
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
