package socket

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// extStopGrace is how long Close waits for the command to exit after
// SIGTERM before killing it.
const extStopGrace = time.Second

// DialExt runs the ext transport's command= program locally and returns
// a connection over its standard input and output, as libvirt's ext
// transport does. The program is run directly (no shell, no arguments)
// and its standard error is kept for error messages. Close ends the
// program: its stdin is closed, then it gets SIGTERM and, if still alive a
// second later, SIGKILL. ctx only bounds starting the program.
func DialExt(ctx context.Context, u *URI) (net.Conn, error) {
	command, ok := u.Param("command")
	if !ok || command == "" {
		return nil, fmt.Errorf("libvirt: URI %s: the ext transport needs a command= parameter", u)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return startCommand(exec.Command(command), "ext:"+command)
}

// startCommand starts cmd with its stdio as a connection.
func startCommand(cmd *exec.Cmd, name string) (net.Conn, error) {
	// Our own pipes rather than cmd's: Wait closes those it made, which
	// would lose output not yet read when the command exits.
	childIn, stdin, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	stdout, childOut, err := os.Pipe()
	if err != nil {
		childIn.Close()
		stdin.Close()
		return nil, err
	}
	tail := &tailBuffer{max: 2048}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = childIn, childOut, tail
	err = cmd.Start()
	childIn.Close()
	childOut.Close()
	if err != nil {
		stdin.Close()
		stdout.Close()
		return nil, fmt.Errorf("libvirt: starting %s: %w", name, err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() {
		waitErr = cmd.Wait()
		close(exited)
	}()
	c := &pipeConn{r: stdout, w: stdin, local: "local", remote: pipeAddr(name), stderr: tail}
	c.exitInfo = func() string {
		select {
		case <-exited:
		case <-time.After(200 * time.Millisecond):
			return ""
		}
		var ee *exec.ExitError
		if errors.As(waitErr, &ee) {
			return "command " + ee.ProcessState.String()
		}
		if waitErr == nil {
			return "command exited with status 0"
		}
		return waitErr.Error()
	}
	c.closeFunc = func() error {
		stdin.Close()
		defer stdout.Close()
		select {
		case <-exited:
			return nil
		default:
		}
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(extStopGrace):
			_ = cmd.Process.Kill()
			<-exited
		}
		return nil
	}
	return c, nil
}
