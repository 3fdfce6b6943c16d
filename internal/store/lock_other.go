//go:build !unix

package store

import (
	"errors"
	"os"
)

// tryLock fails: the single-daemon guarantee relies on flock(2).
func tryLock(f *os.File) (bool, error) {
	return false, errors.New("file locking is not supported on this platform")
}
