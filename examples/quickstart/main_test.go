package main

import (
	"context"
	"io"
	"os"
	"strings"
	"testing"
	"time"
)

// TestQuickstartOnEmbeddedFake runs the README's first command as a fresh
// machine would: no URI, so against the embedded fake daemon.
func TestQuickstartOnEmbeddedFake(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout := os.Stdout
	os.Stdout = w
	c, closeAll, err := connect(ctx, "")
	if err == nil {
		err = run(ctx, c, guestXML)
		closeAll()
	}
	os.Stdout = stdout
	w.Close()
	out, _ := io.ReadAll(r)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{
		"connected to the embedded fake daemon",
		"libvirt 11.3.0 on ",
		"defined quickstart (",
		"  test                 running\n",
		"  quickstart           running\n",
		"  quickstart: Defined DomainEventDefinedAdded\n",
		"  quickstart: Started DomainEventStartedBooted\n",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
