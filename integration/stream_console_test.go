//go:build integration

package integration_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/virtwire/libvirt"
)

// echoBootSector is a 512-byte x86 boot sector that echoes every byte
// received on COM1 (I/O port 0x3f8) back to it:
//
//	      mov  dx, 0x3fd   ; line status register
//	poll: in   al, dx
//	      test al, 1       ; data ready?
//	      jz   poll
//	      mov  dl, 0xf8    ; data register 0x3f8
//	      in   al, dx
//	      out  dx, al
//	      mov  dl, 0xfd
//	      jmp  poll
func echoBootSector() []byte {
	code := []byte{
		0xba, 0xfd, 0x03, // mov dx, 0x3fd
		0xec,       // poll: in al, dx
		0xa8, 0x01, // test al, 1
		0x74, 0xfb, // jz poll
		0xb2, 0xf8, // mov dl, 0xf8
		0xec,       // in al, dx
		0xee,       // out dx, al
		0xb2, 0xfd, // mov dl, 0xfd
		0xeb, 0xf3, // jmp poll
	}
	sector := make([]byte, 512)
	copy(sector, code)
	sector[510], sector[511] = 0x55, 0xaa
	return sector
}

// echoGuestXML is the tiny TCG guest booting the echo sector from disk
// image img, with its serial port as the console.
func echoGuestXML(name, img string) string {
	return fmt.Sprintf(`<domain type='qemu'>
  <name>%s</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <boot dev='hd'/>
  </os>
  <on_poweroff>destroy</on_poweroff>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw'/>
      <source file='%s'/>
      <target dev='hda' bus='ide'/>
    </disk>
    <serial type='pty'><target port='0'/></serial>
    <console type='pty'><target type='serial' port='0'/></console>
    <video><model type='cirrus'/></video>
    <memballoon model='none'/>
  </devices>
</domain>`, name, img)
}

// startGuest defines and starts a guest from xml, destroyed and undefined
// with the test.
func startGuest(t *testing.T, c *libvirt.Client, name, xml string) libvirt.Domain {
	t.Helper()
	ctx := ctxFor(t, qemuTimeout)
	dom, err := c.DomainDefineXML(ctx, xml)
	require.NoError(t, err)
	t.Cleanup(func() { removeDomain(t, c, name) })
	if _, err := c.DomainCreate(ctx, dom); err != nil {
		t.Fatalf("DomainCreate: %v", err)
	}
	return dom
}

// consoleReader reads a stream in the background, so that a test can
// wait for some output with a deadline.
type consoleReader struct {
	data chan []byte
	done chan error
	seen bytes.Buffer
}

func newConsoleReader(r io.Reader) *consoleReader {
	cr := &consoleReader{data: make(chan []byte, 64), done: make(chan error, 1)}
	go func() {
		for {
			buf := make([]byte, 256)
			n, err := r.Read(buf)
			if n > 0 {
				cr.data <- buf[:n]
			}
			if err != nil {
				cr.done <- err
				return
			}
		}
	}()
	return cr
}

// expect waits until the output read so far contains want.
func (cr *consoleReader) expect(want string, within time.Duration) error {
	deadline := time.After(within)
	for !strings.Contains(cr.seen.String(), want) {
		select {
		case b := <-cr.data:
			cr.seen.Write(b)
		case err := <-cr.done:
			cr.done <- err
			return fmt.Errorf("stream ended before %q: %w (read %q)", want, err, cr.seen.String())
		case <-deadline:
			return fmt.Errorf("%q not seen within %v (read %q)", want, within, cr.seen.String())
		}
	}
	return nil
}

// end waits for the reader to stop and returns its error.
func (cr *consoleReader) end(within time.Duration) error {
	for {
		select {
		case <-cr.data:
		case err := <-cr.done:
			return err
		case <-time.After(within):
			return fmt.Errorf("stream still open after %v", within)
		}
	}
}

// TestStreamConsoleEcho writes a line to the echo guest's serial console
// and reads it back through DomainOpenConsole; a second session is
// refused without the force flag and takes over with it.
func TestStreamConsoleEcho(t *testing.T) {
	c := dial(t, qemuURI(t))
	img := filepath.Join(t.TempDir(), "echo.img")
	require.NoError(t, os.WriteFile(img, echoBootSector(), 0o644))
	name := uniqueName("echo")
	dom := startGuest(t, c, name, echoGuestXML(name, img))
	ctx := ctxFor(t, qemuTimeout)

	con, err := c.DomainOpenConsole(ctx, dom, nil, libvirt.DomainConsoleSafe)
	require.NoError(t, err)
	var rwc io.ReadWriteCloser = con
	out := newConsoleReader(rwc)
	// The guest may still be in the BIOS: repeat the line until it echoes.
	line := fmt.Sprintf("ping-from-virtwire-%d", time.Now().UnixNano())
	for attempt := 0; ; attempt++ {
		_, err = rwc.Write([]byte(line + "\r"))
		require.NoError(t, err)
		if err = out.expect(line, time.Second); err == nil || attempt == 30 {
			break
		}
	}
	require.NoError(t, err, "no echo from the guest")

	// Another session without force is refused while this one is open.
	_, err = c.DomainOpenConsole(ctx, dom, nil, libvirt.DomainConsoleSafe)
	var lerr *libvirt.Error
	require.True(t, errors.As(err, &lerr), "second console without force: %v", err)
	t.Logf("second session refused: %v", err)

	// With force it takes over: the first session ends.
	con2, err := c.DomainOpenConsole(ctx, dom, nil, libvirt.DomainConsoleForce|libvirt.DomainConsoleSafe)
	require.NoError(t, err)
	t.Logf("first session after the takeover: read ended with %v", out.end(10*time.Second))
	require.NoError(t, con.Close())

	out2 := newConsoleReader(con2)
	line2 := "second-session"
	_, err = con2.Write([]byte(line2 + "\r"))
	require.NoError(t, err)
	require.NoError(t, out2.expect(line2, 10*time.Second))
	require.NoError(t, con2.Close())
	assert.Error(t, out2.end(5*time.Second), "read after Close")

	// The connection is still good for calls.
	_, err = c.DomainGetInfo(ctx, dom)
	require.NoError(t, err)
}
