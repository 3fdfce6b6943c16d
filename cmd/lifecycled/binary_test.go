package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
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

// process is the real binary running in the background. Its output goes to
// out, which the failure messages show (in full, or as where it is).
type process struct {
	cmd  *exec.Cmd
	out  fmt.Stringer
	done chan struct{} // closed when the process has exited
	err  error         // its exit status, once done is closed
}

// startBinary starts the binary with args and extra environment, its
// stdout and stderr going to w (described by out in failure messages). It is
// killed at the end of the test if still running.
func startBinary(t *testing.T, env []string, w io.Writer, out fmt.Stringer, args ...string) *process {
	t.Helper()
	p := &process{cmd: exec.Command(mustBinary(t), args...), out: out, done: make(chan struct{})}
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = w, w
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start lifecycled %v: %v", args, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
	})
	return p
}

// wait waits for the process to exit and returns its exit status.
func (p *process) wait() error {
	<-p.done
	return p.err
}

// await polls cond every 20ms until it holds, failing the test when the
// process exits first or after limit (a deadline against hangs, not a timing
// assertion).
func (p *process) await(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		select {
		case <-p.done:
			t.Fatalf("lifecycled exited while waiting for %s: %v\n%s", what, p.err, p.out)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s within %v\n%s", what, limit, p.out)
		}
	}
}

// stop sends sig and fails the test unless the process exits 0 within a
// minute.
func (p *process) stop(t *testing.T, sig os.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
		if p.err != nil {
			t.Fatalf("lifecycled after %v: %v\n%s", sig, p.err, p.out)
		}
	case <-time.After(time.Minute):
		t.Fatalf("lifecycled still running a minute after %v\n%s", sig, p.out)
	}
}

// logBuffer collects a process's output; safe to read while it writes.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// freeAddr returns a loopback address with a port nobody listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
