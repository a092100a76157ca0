package cloudhypervisor

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"time"
)

// File descriptors travel next to the request as SCM_RIGHTS ancillary
// data on the unix socket; they are not part of the spec. The VMM takes
// the descriptors that arrive with the request bytes, so these calls use
// a dedicated connection written with one sendmsg(2).
//
// Which operations use passed descriptors (vmm/src/api/http/
// http_endpoint.rs, v35 to v53.0 and main ae44c297): vm.add-net (all of
// them, for the new device), vm.add-device (at most one, a VFIO cdev),
// vm.restore (net_fds entries; on main also vfio_fds and an iommufd).
// vm.create ignores descriptors in every version checked, which is why
// CreateWithNets creates first and then adds each device with vm.add-net.

// AddNet hot-plugs a network device. files (for example tap devices
// opened by the caller) are passed to the VMM, which uses all of them
// for this device; the caller may close its copies afterwards.
func (v *VMM) AddNet(ctx context.Context, cfg NetConfig, files ...*os.File) (*PciDeviceInfo, error) {
	var info PciDeviceInfo
	status, err := v.putWithFiles(ctx, "/vm.add-net", cfg, files, deviceAnswer(&info))
	if err != nil || status != http.StatusOK {
		return nil, err
	}
	return &info, nil
}

// AddDevice hot-plugs a VFIO device given either by cfg.Path or by an
// already opened VFIO cdev file passed in fd (pass nil to use the path).
func (v *VMM) AddDevice(ctx context.Context, cfg DeviceConfig, fd *os.File) (*PciDeviceInfo, error) {
	var files []*os.File
	if fd != nil {
		files = []*os.File{fd}
	}
	var info PciDeviceInfo
	status, err := v.putWithFiles(ctx, "/vm.add-device", cfg, files, deviceAnswer(&info))
	if err != nil || status != http.StatusOK {
		return nil, err
	}
	return &info, nil
}

// NetWithFiles is a network device backed by descriptors the caller
// opened, for example the queues of a tap device.
type NetWithFiles struct {
	// Config describes the device; set Config.Id to know it later.
	Config NetConfig
	// Files are passed to the VMM with vm.add-net; the VMM uses all of
	// them for this device. The caller may close its copies afterwards.
	Files []*os.File
}

// CreateWithNets creates the VM from cfg and then adds each of nets with
// vm.add-net, passing its files; the VM is not booted. This is what works
// with the real server: it ignores descriptors sent with vm.create (v35
// to v53.0 and main), and takes those sent with vm.add-net, which for a
// created VM become part of its configuration and are used at boot.
//
// If an add-net fails, CreateWithNets deletes the VM it created (it was
// never booted) and returns the add-net error, joined with the delete's
// error if that failed too.
func (v *VMM) CreateWithNets(ctx context.Context, cfg VmConfig, nets ...NetWithFiles) error {
	if err := v.Create(ctx, cfg); err != nil {
		return err
	}
	for i, n := range nets {
		if _, err := v.AddNet(ctx, n.Config, n.Files...); err != nil {
			err = fmt.Errorf("cloudhypervisor: creating the VM: net %d: %w", i, err)
			if derr := v.Delete(ctx); derr != nil {
				return errors.Join(err, fmt.Errorf("cloudhypervisor: deleting the half-created VM: %w", derr))
			}
			return err
		}
	}
	return nil
}

// RestoredNet names a network device of a snapshot and the files that
// replace its descriptors on restore.
type RestoredNet struct {
	// ID is the device id recorded in the snapshot.
	ID string
	// Files are passed to the VMM in order; len(Files) is sent as num_fds.
	Files []*os.File
}

// restoredNetWire is the net_fds entry of RestoreConfig the VMM accepts
// (it is missing from the spec).
type restoredNetWire struct {
	ID     string `json:"id"`
	NumFDs int    `json:"num_fds"`
}

// restoreWire is RestoreConfig plus net_fds.
type restoreWire struct {
	RestoreConfig
	NetFDs []restoredNetWire `json:"net_fds,omitempty"`
}

// Restore restores a VM from the snapshot at cfg.SourceUrl. nets give
// new descriptors for network devices that were backed by passed fds.
func (v *VMM) Restore(ctx context.Context, cfg RestoreConfig, nets ...RestoredNet) error {
	body := restoreWire{RestoreConfig: cfg}
	var files []*os.File
	for _, n := range nets {
		if n.ID == "" {
			return errors.New("cloudhypervisor: PUT /vm.restore: restored net without id")
		}
		body.NetFDs = append(body.NetFDs, restoredNetWire{ID: n.ID, NumFDs: len(n.Files)})
		files = append(files, n.Files...)
	}
	_, err := v.putWithFiles(ctx, "/vm.restore", body, files, answer{})
	return err
}

// putWithFiles sends PUT path with a JSON body and the files as
// SCM_RIGHTS, retrying like every other call, and decodes into out.
func (v *VMM) putWithFiles(ctx context.Context, path string, in any, files []*os.File, ans answer) (int, error) {
	op := "PUT " + path
	body, err := json.Marshal(in)
	if err != nil {
		return 0, fmt.Errorf("cloudhypervisor: %s: encoding body: %w", op, err)
	}
	if len(files) == 0 {
		return v.call(ctx, op, func(ctx context.Context) (*http.Response, error) {
			req, err := http.NewRequestWithContext(ctx, http.MethodPut, BaseURL+strings.TrimPrefix(path, "/"), bytes.NewReader(body))
			if err != nil {
				return nil, err
			}
			req.Header.Set("Content-Type", "application/json")
			return v.gen.Client.Do(req)
		}, ans)
	}
	var status int
	var sendErr error
	err = withRawFDs(files, func(fds []int) {
		rights := syscall.UnixRights(fds...)
		status, sendErr = v.retry(ctx, op, func() attempt {
			return v.sendWithRights(ctx, path, body, rights)
		}, ans)
	})
	if err != nil {
		return 0, fmt.Errorf("cloudhypervisor: %s: %w", op, err)
	}
	return status, sendErr
}

// withRawFDs calls fn with the descriptors of files, keeping each file
// referenced (and open) until fn returns, without changing its mode.
func withRawFDs(files []*os.File, fn func([]int)) error {
	fds := make([]int, 0, len(files))
	var step func(i int) error
	step = func(i int) error {
		if i == len(files) {
			fn(fds)
			return nil
		}
		if files[i] == nil {
			return fmt.Errorf("file %d is nil", i)
		}
		rc, err := files[i].SyscallConn()
		if err != nil {
			return fmt.Errorf("file %s: %w", files[i].Name(), err)
		}
		var inner error
		if err := rc.Control(func(fd uintptr) {
			fds = append(fds, int(fd))
			inner = step(i + 1)
		}); err != nil {
			return fmt.Errorf("file %s: %w", files[i].Name(), err)
		}
		return inner
	}
	return step(0)
}

// sendWithRights writes one request on a fresh connection in a single
// sendmsg carrying rights, then reads the answer.
func (v *VMM) sendWithRights(ctx context.Context, path string, body, rights []byte) attempt {
	conn, err := v.dial(ctx)
	if err != nil {
		return attempt{err: err}
	}
	defer conn.Close()
	sc := conn.(*slotConn)
	uc, ok := sc.Conn.(*net.UnixConn)
	if !ok {
		return attempt{err: errors.New("not a unix socket connection")}
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = sc.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = uc.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	var msg bytes.Buffer
	fmt.Fprintf(&msg, "PUT %s%s HTTP/1.1\r\nHost: localhost\r\nAccept: application/json\r\n"+
		"Content-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n", apiPath, path, len(body))
	msg.Write(body)
	data := msg.Bytes()
	werr := sc.writeMsg(uc, data, rights)

	// Read the answer even after a failed write: the server may have
	// refused the connection (and closed it) before the request went out.
	resp, rerr := http.ReadResponse(bufio.NewReader(sc), nil)
	if rerr != nil {
		if werr != nil {
			return attempt{err: werr}
		}
		return attempt{err: rerr}
	}
	defer resp.Body.Close()
	a := v.readAnswer(resp)
	a.refused = sc.refusedBeforeRead()
	if werr != nil && !a.refused {
		return attempt{err: werr}
	}
	return a
}

// writeMsg writes data with the rights on the first sendmsg, counting
// the bytes written like Write does.
func (c *slotConn) writeMsg(uc *net.UnixConn, data, rights []byte) error {
	c.writing.Add(1)
	n, _, err := uc.WriteMsgUnix(data, rights, nil)
	c.noteWrite(n, err)
	if err != nil {
		return err
	}
	if n < len(data) {
		c.writing.Add(1)
		m, err := uc.Write(data[n:])
		c.noteWrite(m, err)
		return err
	}
	return nil
}
