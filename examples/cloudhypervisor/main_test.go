package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRunAgainstFake(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out strings.Builder
	sock := filepath.Join(t.TempDir(), "ch.sock")
	if err := run(ctx, []string{"-fake", "-socket", sock, "-cpus", "3", "-memory", "1024", "-disk", "/img/root.raw", "-shutdown"}, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	for _, want := range []string{"fake VMM listening on " + sock, "VMM version 53.0.0 (v53.0)", "VM state Running: 3 vCPUs, 1024 MiB", "VM shut down and deleted"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestRunNeedsSocket(t *testing.T) {
	var out strings.Builder
	if err := run(context.Background(), nil, &out); err == nil {
		t.Fatal("run without -socket or -fake succeeded")
	}
}
