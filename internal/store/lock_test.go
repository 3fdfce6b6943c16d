package store_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lifecycled/lifecycled/internal/store"
)

// helperEnv names the state file a helper process opens.
const helperEnv = "LIFECYCLED_STORE_HELPER_DB"

// TestHelperProcess is not a test: run as a child by TestLockReleasedOnKill,
// it opens the state file, says "locked" and waits until its stdin closes or
// it is killed.
func TestHelperProcess(t *testing.T) {
	path := os.Getenv(helperEnv)
	if path == "" {
		return
	}
	db := store.New(path)
	if err := db.Open(); err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println("locked")
	_, _ = io.Copy(io.Discard, os.Stdin)
	_ = db.Close()
	os.Exit(0)
}

func TestLockReleasedOnKill(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), helperEnv+"="+path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "locked" {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("helper: %q, %v", line, err)
	}

	db := store.New(path)
	err = db.Open()
	if !errors.Is(err, store.ErrLocked) {
		t.Fatalf("open while the helper holds the file: err = %v, want ErrLocked", err)
	}
	if want := fmt.Sprintf("(pid %d)", cmd.Process.Pid); !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %q, want it to name the holder %s", err, want)
	}

	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no Close, no cleanup
		t.Fatal(err)
	}
	_ = cmd.Wait()

	if err := db.Open(); err != nil {
		t.Fatalf("open after the holder was killed: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}
