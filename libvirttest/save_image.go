package libvirttest

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/protocol"
)

// Save images and core dumps are real files, written where the caller
// says, as libvirt's test driver writes them: the magic
// "TestGuestMagic\0", the length of the domain's XML as a 32-bit integer
// (little-endian, the test driver's byte order on the machines libvirt
// runs on) and the XML. Images the fake writes can thus be restored by
// libvirtd's test driver and the other way round. A core dump is the
// magic alone.

const saveMagic = "TestGuestMagic\x00"

// maxSaveXML is the largest XML the test driver reads back from an image.
const maxSaveXML = 8192

// sysError is libvirt's virReportSystemError: the message, then the C
// library's text for the error number.
func sysError(err error, format string, a ...any) error {
	msg := fmt.Sprintf(format, a...)
	var errno syscall.Errno
	if errors.As(err, &errno) {
		msg += ": " + strerror(errno)
	} else if err != nil {
		msg += ": Success" // a short read: errno stays 0
	}
	return lvError(libvirt.ErrSystemError, libvirt.FromTest, "", msg)
}

// strerror is glibc's text for errno: Go's, which comes from the same
// table, with its first letter capitalised.
func strerror(errno syscall.Errno) string {
	s := errno.Error()
	if s != "" && s[0] >= 'a' && s[0] <= 'z' {
		s = string(s[0]-'a'+'A') + s[1:]
	}
	return s
}

// writeSaveImage writes dom's definition to path; on failure the file
// is removed, as the test driver does.
func writeSaveImage(path, name, doc string) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return sysError(err, "saving domain '%s' to '%s': open failed", name, path)
	}
	buf := make([]byte, 0, len(saveMagic)+4+len(doc))
	buf = append(buf, saveMagic...)
	buf = binary.LittleEndian.AppendUint32(buf, uint32(len(doc)))
	buf = append(buf, doc...)
	_, err = f.Write(buf)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return sysError(err, "saving domain '%s' to '%s': write failed", name, path)
	}
	return nil
}

// readSaveImage reads and parses the definition in an image, failing as
// the test driver does on a missing file, a bad header or bad XML.
func readSaveImage(path string) (*domainDef, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, sysError(err, "cannot read domain image '%s'", path)
	}
	defer f.Close()
	magic := make([]byte, len(saveMagic))
	if _, err := io.ReadFull(f, magic); err != nil {
		return nil, sysError(err, "incomplete save header in '%s'", path)
	}
	if string(magic) != saveMagic {
		return nil, lvError(libvirt.ErrInternalError, libvirt.FromTest, prefixInternal, "mismatched header magic")
	}
	var lb [4]byte
	if _, err := io.ReadFull(f, lb[:]); err != nil {
		return nil, sysError(err, "failed to read metadata length in '%s'", path)
	}
	n := int32(binary.LittleEndian.Uint32(lb[:]))
	if n < 1 || n > maxSaveXML {
		return nil, lvError(libvirt.ErrInternalError, libvirt.FromTest, prefixInternal, "length of metadata out of range")
	}
	doc := make([]byte, n)
	if _, err := io.ReadFull(f, doc); err != nil {
		return nil, sysError(err, "incomplete metadata in '%s'", path)
	}
	return parseDomain(string(doc))
}

// imageXML is the definition a save image holds: the running domain's,
// formatted with its secrets as the test driver writes it.
func imageXML(dom *domain) string {
	return dom.formatXML(libvirt.DomainXMLSecure)
}

// defXML formats a definition read from an image, as an inactive one.
func defXML(def *domainDef) string {
	return formatDomain(def, -1, def.memKiB, def.vcpus, nil, defMeta(def), libvirt.DomainXMLSecure)
}

func noXMLChange() error {
	return lvError(libvirt.ErrArgumentUnsupported, libvirt.FromTest, "argument unsupported: ", "xml modification unsupported")
}

// DomainSave saves a running domain to a file and stops it.
func (d *driver) DomainSave(ctx context.Context, args *protocol.DomainSaveArgs) error {
	return d.DomainSaveFlags(ctx, &protocol.DomainSaveFlagsArgs{Dom: args.Dom, To: args.To})
}

// DomainSaveFlags saves a running domain to a file and stops it (event
// stopped/saved; a transient domain disappears). The test driver takes no
// replacement XML.
func (d *driver) DomainSaveFlags(ctx context.Context, args *protocol.DomainSaveFlagsArgs) error {
	if args.Dxml != nil {
		return noXMLChange()
	}
	return d.activeDomain(args.Dom, func(dom *domain) error {
		if err := writeSaveImage(args.To, dom.name, imageXML(dom)); err != nil {
			return err
		}
		d.stop(ctx, dom, libvirt.DomainShutoffSaved, libvirt.DomainEventStoppedSaved)
		return nil
	})
}

// DomainRestore starts the domain saved in a file.
func (d *driver) DomainRestore(ctx context.Context, args *protocol.DomainRestoreArgs) error {
	return d.DomainRestoreFlags(ctx, &protocol.DomainRestoreFlagsArgs{From: args.From})
}

// DomainRestoreFlags starts the domain saved in a file, as a new
// transient domain or as the defined domain of that name and UUID
// (event started/restored).
func (d *driver) DomainRestoreFlags(ctx context.Context, args *protocol.DomainRestoreFlagsArgs) error {
	if args.Dxml != nil {
		return noXMLChange()
	}
	def, err := readSaveImage(args.From)
	if err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	dom, err := d.liveDomain(def)
	if err != nil {
		return err
	}
	d.start(ctx, dom, libvirt.DomainRunningRestored, true)
	return nil
}

// DomainSaveImageGetXMLDesc returns the definition a save image holds.
func (d *driver) DomainSaveImageGetXMLDesc(ctx context.Context, args *protocol.DomainSaveImageGetXMLDescArgs) (*protocol.DomainSaveImageGetXMLDescRet, error) {
	def, err := readSaveImage(args.File)
	if err != nil {
		return nil, err
	}
	return &protocol.DomainSaveImageGetXMLDescRet{XML: defXML(def)}, nil
}

// DomainSaveImageDefineXML replaces the definition a save image holds.
// Like the test driver it checks that the file is an image and that the
// new XML parses, nothing more.
func (d *driver) DomainSaveImageDefineXML(ctx context.Context, args *protocol.DomainSaveImageDefineXMLArgs) error {
	if _, err := readSaveImage(args.File); err != nil {
		return err
	}
	def, err := parseDomain(args.Dxml)
	if err != nil {
		return err
	}
	return writeSaveImage(args.File, def.name, defXML(def))
}

// DomainCoreDump writes a raw core dump.
func (d *driver) DomainCoreDump(ctx context.Context, args *protocol.DomainCoreDumpArgs) error {
	return d.DomainCoreDumpWithFormat(ctx, &protocol.DomainCoreDumpWithFormatArgs{
		Dom: args.Dom, To: args.To, Dumpformat: libvirt.DomainCoreDumpFormatRaw, Flags: args.Flags})
}

// DomainCoreDumpWithFormat writes the test driver's core dump (its magic
// alone) and, with VIR_DUMP_CRASH, stops the domain as crashed. Like the
// driver it writes the file before refusing a format other than raw.
func (d *driver) DomainCoreDumpWithFormat(ctx context.Context, args *protocol.DomainCoreDumpWithFormatArgs) error {
	return d.activeDomain(args.Dom, func(dom *domain) error {
		f, err := os.OpenFile(args.To, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
		if err != nil {
			return sysError(err, "domain '%s' coredump: failed to open %s", args.Dom.Name, args.To)
		}
		if _, err := f.Write([]byte(saveMagic)); err != nil {
			f.Close()
			return sysError(err, "domain '%s' coredump: failed to write header to %s", args.Dom.Name, args.To)
		}
		if err := f.Close(); err != nil {
			return sysError(err, "domain '%s' coredump: write failed: %s", args.Dom.Name, args.To)
		}
		if args.Dumpformat != libvirt.DomainCoreDumpFormatRaw {
			return lvError(libvirt.ErrOperationUnsupported, libvirt.FromTest, "Operation not supported: ", "kdump-compressed format is not supported here")
		}
		if args.Flags&libvirt.DumpCrash != 0 {
			d.stop(ctx, dom, libvirt.DomainShutoffCrashed, libvirt.DomainEventStoppedCrashed)
		}
		return nil
	})
}

// DomainCreateWithFiles boots a defined domain; the test driver ignores
// the files.
func (d *driver) DomainCreateWithFiles(ctx context.Context, args *protocol.DomainCreateWithFilesArgs) (*protocol.DomainCreateWithFilesRet, error) {
	ret, err := d.DomainCreateWithFlags(ctx, &protocol.DomainCreateWithFlagsArgs{Dom: args.Dom, Flags: args.Flags})
	if err != nil {
		return nil, err
	}
	return &protocol.DomainCreateWithFilesRet{Dom: ret.Dom}, nil
}

// DomainCreateXMLWithFiles starts a transient domain; the test driver
// ignores the files.
func (d *driver) DomainCreateXMLWithFiles(ctx context.Context, args *protocol.DomainCreateXMLWithFilesArgs) (*protocol.DomainCreateXMLWithFilesRet, error) {
	ret, err := d.DomainCreateXML(ctx, &protocol.DomainCreateXMLArgs{XMLDesc: args.XMLDesc, Flags: args.Flags})
	if err != nil {
		return nil, err
	}
	return &protocol.DomainCreateXMLWithFilesRet{Dom: ret.Dom}, nil
}
