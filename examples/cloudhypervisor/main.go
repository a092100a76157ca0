// Command cloudhypervisor boots a VM through a cloud-hypervisor API
// socket using package cloudhypervisor.
//
// Against a real VMM (started with --api-socket path=/tmp/ch.sock):
//
//	go run ./examples/cloudhypervisor -socket /tmp/ch.sock -kernel /path/to/vmlinux -disk /path/to/root.raw
//
// Without cloud-hypervisor, run it against the in-process fake VMM from
// package chtest with one command:
//
//	go run ./examples/cloudhypervisor -fake
//
// It pings the VMM, creates the VM, boots it, waits until it runs and
// prints its state; -shutdown also shuts it down and deletes it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	ch "github.com/virtwire/libvirt/cloudhypervisor"
	"github.com/virtwire/libvirt/cloudhypervisor/chtest"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "cloudhypervisor example:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("cloudhypervisor", flag.ContinueOnError)
	fs.SetOutput(out)
	socket := fs.String("socket", "", "cloud-hypervisor API socket (--api-socket path)")
	fake := fs.Bool("fake", false, "serve an in-process fake VMM (package chtest) on -socket, or on a temporary socket")
	kernel := fs.String("kernel", "/boot/vmlinux", "guest kernel")
	cmdline := fs.String("cmdline", "console=hvc0 root=/dev/vda1 rw", "kernel command line")
	disk := fs.String("disk", "", "root disk image (optional)")
	cpus := fs.Int("cpus", 2, "vCPUs")
	memMiB := fs.Int64("memory", 512, "memory in MiB")
	shutdown := fs.Bool("shutdown", false, "shut the VM down and delete it at the end")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *socket == "" && !*fake {
		return errors.New("give -socket PATH, or -fake to use the in-process fake VMM")
	}
	if *fake {
		srv, err := chtest.Start(chtest.Options{Socket: *socket})
		if err != nil {
			return err
		}
		defer srv.Close()
		*socket = srv.SocketPath()
		fmt.Fprintf(out, "fake VMM listening on %s\n", *socket)
	}

	vmm, err := ch.New(*socket)
	if err != nil {
		return err
	}
	defer vmm.Close()

	ping, err := vmm.Ping(ctx)
	if err != nil {
		return err
	}
	build := ""
	if ping.BuildVersion != nil {
		build = " (" + *ping.BuildVersion + ")"
	}
	fmt.Fprintf(out, "VMM version %s%s\n", ping.Version, build)

	cfg := ch.VmConfig{
		Cpus:    &ch.CpusConfig{BootVcpus: *cpus, MaxVcpus: *cpus},
		Memory:  &ch.MemoryConfig{Size: *memMiB << 20},
		Payload: ch.PayloadConfig{Kernel: kernel, Cmdline: cmdline},
	}
	if *disk != "" {
		cfg.Disks = []ch.DiskConfig{{Path: disk}}
	}
	if err := vmm.Create(ctx, cfg); err != nil {
		return err
	}
	if err := vmm.Boot(ctx); err != nil {
		return err
	}
	info, err := vmm.WaitForState(ctx, ch.VmStateRunning, 100*time.Millisecond)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "VM state %s: %d vCPUs, %d MiB\n", info.State, info.Config.Cpus.BootVcpus, info.Config.Memory.Size>>20)

	if *shutdown {
		if err := vmm.Shutdown(ctx); err != nil {
			return err
		}
		if err := vmm.Delete(ctx); err != nil {
			return err
		}
		fmt.Fprintln(out, "VM shut down and deleted")
	}
	return nil
}
