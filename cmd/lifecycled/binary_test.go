package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// The CLI tests run the real binary, built once per test process.
var binary struct {
	once sync.Once
	dir  string
	path string
	err  error
	out  []byte
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binary.dir != "" {
		os.RemoveAll(binary.dir)
	}
	os.Exit(code)
}

// mustBinary returns the path of a freshly built lifecycled binary.
func mustBinary(tb testing.TB) string {
	tb.Helper()
	binary.once.Do(func() {
		binary.dir, binary.err = os.MkdirTemp("", "lifecycled-bin-")
		if binary.err != nil {
			return
		}
		binary.path = filepath.Join(binary.dir, "lifecycled")
		cmd := exec.Command("go", "build", "-o", binary.path, ".")
		binary.out, binary.err = cmd.CombinedOutput()
	})
	if binary.err != nil {
		tb.Fatalf("build lifecycled: %v\n%s", binary.err, binary.out)
	}
	return binary.path
}

// result is what a finished run of the binary left behind.
type result struct {
	stdout, stderr string
	code           int
}

// runBinary runs the binary to completion with args, extra environment and
// stdin, and returns its output and exit code. It fails the test only when
// the binary could not be started or did not finish within the deadline.
func runBinary(tb testing.TB, env []string, stdin []byte, args ...string) result {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, mustBinary(tb), args...)
	cmd.Env = append(os.Environ(), env...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			tb.Fatalf("run lifecycled %v: %v", args, err)
		}
		code = ee.ExitCode()
	}
	return result{stdout: out.String(), stderr: errb.String(), code: code}
}
