//go:build !windows

package service

import (
	"context"
	"errors"
	"os"
	"syscall"
	"testing"
)

func TestFromATerminalSIGTERMCancelsTheAgent(t *testing.T) {
	err := runInteractive(func(ctx context.Context) error {
		if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
			return err
		}
		<-ctx.Done()
		return ctx.Err()
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("run: %v, want the context cancelled by SIGTERM", err)
	}
}
