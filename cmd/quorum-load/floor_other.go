//go:build !linux

package main

import (
	"errors"
	"fmt"
	"runtime"
	"time"
)

// kernelMessageCost is measured with Linux's socket calls (floor_linux.go);
// elsewhere the floor has its fan-out rounds only.
func kernelMessageCost(int, []byte, time.Duration) (float64, error) {
	return 0, fmt.Errorf("the kernel's share of a message on %s: %w", runtime.GOOS, errors.ErrUnsupported)
}
