package cloudhypervisor

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"syscall"
	"time"
)

// File descriptors travel next to the request as SCM_RIGHTS ancillary
// data on the unix socket; they are not part of the spec. The VMM takes
// the descriptors that arrive with the request bytes, so these calls use
// a dedicated connection written with one sendmsg(2).

// AddNet hot-plugs a network device. files (for example tap devices
// opened by the caller) are passed to the VMM, which uses all of them
// for this device; the caller may close its copies afterwards.
func (v *VMM) AddNet(ctx context.Context, cfg NetConfig, files ...*os.File) (*PciDeviceInfo, error) {
	var info PciDeviceInfo
	status, err := v.putWithFiles(ctx, "/vm.add-net", cfg, files, &info)
	if err != nil || status == http.StatusNoContent || info == (PciDeviceInfo{}) {
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
	status, err := v.putWithFiles(ctx, "/vm.add-device", cfg, files, &info)
	if err != nil || status == http.StatusNoContent || info == (PciDeviceInfo{}) {
		return nil, err
	}
	return &info, nil
}

// CreateWithNetFDs is Create with network file descriptors passed along
// with the request. How the VMM assigns them to cfg.Net entries depends
// on its version; with no files it is the same as Create.
func (v *VMM) CreateWithNetFDs(ctx context.Context, cfg VmConfig, files []*os.File) error {
	_, err := v.putWithFiles(ctx, "/vm.create", cfg, files, nil)
	return err
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
	_, err := v.putWithFiles(ctx, "/vm.restore", body, files, nil)
	return err
}

// putWithFiles sends PUT path with a JSON body and the files as
// SCM_RIGHTS, retrying like every other call, and decodes into out.
func (v *VMM) putWithFiles(ctx context.Context, path string, in any, files []*os.File, out any) (int, error) {
	op := "PUT " + path
	body, err := json.Marshal(in)
	if err != nil {
		return 0, fmt.Errorf("cloudhypervisor: %s: encoding body: %w", op, err)
	}
	if len(files) == 0 {
		return v.call(ctx, op, func(ctx context.Context) (*http.Response, error) {
			req, err := http.NewRequestWithContext(ctx, http.MethodPut, BaseURL+path, bytes.NewReader(body))
			if err != nil {
				return nil, err
			}
			req.Header.Set("Content-Type", "application/json")
			return v.gen.Client.Do(req)
		}, out)
	}
	var status int
	var sendErr error
	err = withRawFDs(files, func(fds []int) {
		rights := syscall.UnixRights(fds...)
		status, sendErr = v.retry(ctx, op, func() (int, []byte, error) {
			return v.sendWithRights(ctx, path, body, rights)
		}, out)
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
func (v *VMM) sendWithRights(ctx context.Context, path string, body, rights []byte) (int, []byte, error) {
	conn, err := v.dial(ctx)
	if err != nil {
		return 0, nil, err
	}
	defer conn.Close()
	uc, ok := conn.(*slotConn).Conn.(*net.UnixConn)
	if !ok {
		return 0, nil, errors.New("not a unix socket connection")
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = uc.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = uc.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	var msg bytes.Buffer
	fmt.Fprintf(&msg, "PUT /api/v1%s HTTP/1.1\r\nHost: localhost\r\nAccept: application/json\r\n"+
		"Content-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n", path, len(body))
	msg.Write(body)
	data := msg.Bytes()
	n, _, err := uc.WriteMsgUnix(data, rights, nil)
	if err != nil {
		return 0, nil, err
	}
	if n < len(data) {
		if _, err := uc.Write(data[n:]); err != nil {
			return 0, nil, err
		}
	}
	req, err := http.NewRequest(http.MethodPut, BaseURL+path, nil)
	if err != nil {
		return 0, nil, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(uc), req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(io.LimitReader(resp.Body, maxBodySize))
	return resp.StatusCode, out, err
}
