//go:build integration

package libvirttest_test

import (
	"context"
	"encoding/binary"
	"encoding/xml"
	"os"
	"path/filepath"

	"github.com/virtwire/libvirt"
)

const difftSaveXML = `<domain type='test'>
  <name>difftsave</name>
  <uuid>8e9f0a1b-2c3d-4e5f-9a0b-1c2d3e4f5a6b</uuid>
  <memory unit='KiB'>131072</memory>
  <vcpu placement='static'>1</vcpu>
  <os>
    <type arch='i686'>hvm</type>
  </os>
</domain>`

const difftSave2XML = `<domain type='test'>
  <name>difftsave2</name>
  <uuid>9f0a1b2c-3d4e-4f5a-8b1c-2d3e4f5a6b7c</uuid>
  <memory unit='KiB'>65536</memory>
  <vcpu placement='static'>1</vcpu>
  <os>
    <type arch='i686'>hvm</type>
  </os>
</domain>`

// xmlSummary is what the save steps compare of a domain XML: its name,
// UUID and memory. libvirtd returns its canonical form, the fake the
// document as defined (see the package doc), so the text is not
// compared.
func xmlSummary(doc string) []string {
	var v struct {
		Name   string `xml:"name"`
		UUID   string `xml:"uuid"`
		Memory string `xml:"memory"`
	}
	if err := xml.Unmarshal([]byte(doc), &v); err != nil {
		return []string{"unparsable: " + err.Error()}
	}
	return []string{v.Name, v.UUID, v.Memory}
}

// saveSteps save domains to files and restore them, read and replace an
// image's XML, feed the daemon broken images, and dump cores. Each side
// writes into its own directory (side.dir), shown as <dir>.
func saveSteps() []step {
	var steps []step
	add := func(name string, proc libvirt.Procedure, call func(ctx context.Context, s *side) ([]any, error)) {
		steps = append(steps, step{name, proc, call})
	}
	path := func(s *side, name string) string { return filepath.Join(s.dir, name) }
	str := func(v string) *string { return &v }
	state := func(name string) {
		add("save state "+name, libvirt.ProcDomainGetState, func(ctx context.Context, s *side) ([]any, error) {
			a, b, err := s.c.DomainGetState(ctx, s.dom3, 0)
			return r(a, b), err
		})
	}
	// writeFile puts a file in the side's directory, as a user would
	// hand the daemon a file of their own.
	writeFile := func(s *side, name string, b []byte) error { return os.WriteFile(path(s, name), b, 0o600) }
	header := func(n uint32) []byte {
		b := append([]byte("TestGuestMagic\x00"), 0, 0, 0, 0)
		binary.LittleEndian.PutUint32(b[15:], n)
		return b
	}

	add("save define difftsave", libvirt.ProcDomainDefineXML, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainDefineXML(ctx, difftSaveXML)
		s.dom3 = v
		return r(v), err
	})
	add("save shut off", libvirt.ProcDomainSave, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainSave(ctx, s.dom3, path(s, "a.img"))
	})
	add("save start difftsave", libvirt.ProcDomainCreate, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainCreate(ctx, s.dom3)
		return r(v), err
	})
	add("save with xml", libvirt.ProcDomainSaveFlags, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainSaveFlags(ctx, s.dom3, path(s, "a.img"), str(difftSaveXML), 0)
	})
	add("save bogus flags", libvirt.ProcDomainSaveFlags, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainSaveFlags(ctx, s.dom3, path(s, "a.img"), nil, bogus)
	})
	add("save to missing directory", libvirt.ProcDomainSave, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainSave(ctx, s.dom3, path(s, "nodir/a.img"))
	})
	add("save to a directory", libvirt.ProcDomainSaveFlags, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainSaveFlags(ctx, s.dom3, s.dir, nil, 0)
	})
	add("save", libvirt.ProcDomainSave, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainSave(ctx, s.dom3, path(s, "a.img"))
	})
	state("after save")
	add("save image xml", libvirt.ProcDomainSaveImageGetXMLDesc, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainSaveImageGetXMLDesc(ctx, path(s, "a.img"), libvirt.DomainSaveImageXMLSecure)
		return r(xmlSummary(v)), err
	})
	add("save image xml bogus flags", libvirt.ProcDomainSaveImageGetXMLDesc, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainSaveImageGetXMLDesc(ctx, path(s, "a.img"), bogus)
		return r(v), err
	})
	add("save image xml missing file", libvirt.ProcDomainSaveImageGetXMLDesc, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainSaveImageGetXMLDesc(ctx, path(s, "missing.img"), 0)
		return r(v), err
	})
	// Broken images.
	broken := func(name string, b []byte) {
		add("restore "+name, libvirt.ProcDomainRestore, func(ctx context.Context, s *side) ([]any, error) {
			if err := writeFile(s, "broken.img", b); err != nil {
				return nil, err
			}
			return nil, s.c.DomainRestore(ctx, path(s, "broken.img"))
		})
	}
	broken("short header", []byte("Test"))
	broken("wrong magic", []byte("NotAGuestMagic\x00\x10\x00\x00\x00"))
	broken("no length", []byte("TestGuestMagic\x00\x01"))
	broken("zero length", header(0))
	broken("huge length", header(100000))
	broken("short metadata", append(header(100), "<domain"...))
	broken("not xml", append(header(9), "<domain<>"...))
	add("restore missing file", libvirt.ProcDomainRestore, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainRestore(ctx, path(s, "missing.img"))
	})
	add("restore with xml", libvirt.ProcDomainRestoreFlags, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainRestoreFlags(ctx, path(s, "a.img"), str(difftSaveXML), 0)
	})
	add("restore bogus flags", libvirt.ProcDomainRestoreFlags, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainRestoreFlags(ctx, path(s, "a.img"), nil, bogus)
	})
	add("save image define", libvirt.ProcDomainSaveImageDefineXML, func(ctx context.Context, s *side) ([]any, error) {
		doc := `<domain type='test'><name>difftsave</name><uuid>8e9f0a1b-2c3d-4e5f-9a0b-1c2d3e4f5a6b</uuid>` +
			`<memory unit='KiB'>98304</memory><vcpu>1</vcpu><os><type arch='i686'>hvm</type></os></domain>`
		return nil, s.c.DomainSaveImageDefineXML(ctx, path(s, "a.img"), doc, libvirt.DomainSaveRunning)
	})
	add("save image xml after define", libvirt.ProcDomainSaveImageGetXMLDesc, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainSaveImageGetXMLDesc(ctx, path(s, "a.img"), 0)
		return r(xmlSummary(v)), err
	})
	add("save image define bogus flags", libvirt.ProcDomainSaveImageDefineXML, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainSaveImageDefineXML(ctx, path(s, "a.img"), difftSaveXML, bogus)
	})
	add("save image define missing file", libvirt.ProcDomainSaveImageDefineXML, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainSaveImageDefineXML(ctx, path(s, "missing.img"), difftSaveXML, 0)
	})
	add("save image define no name", libvirt.ProcDomainSaveImageDefineXML, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainSaveImageDefineXML(ctx, path(s, "a.img"), "<domain type='test'><memory>1024</memory><os><type>hvm</type></os></domain>", 0)
	})
	add("restore", libvirt.ProcDomainRestore, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainRestore(ctx, path(s, "a.img"))
	})
	state("after restore")
	add("save info after restore", libvirt.ProcDomainGetMaxMemory, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainGetMaxMemory(ctx, s.dom3)
		return r(v), err
	})
	add("restore while running", libvirt.ProcDomainRestoreFlags, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainRestoreFlags(ctx, path(s, "a.img"), nil, 0)
	})

	// Core dumps: the test driver writes its magic.
	dump := func(name, file string, format libvirt.DomainCoreDumpFormat, flags libvirt.DomainCoreDumpFlags) {
		add("core dump "+name, libvirt.ProcDomainCoreDumpWithFormat, func(ctx context.Context, s *side) ([]any, error) {
			os.Remove(path(s, file))
			err := s.c.DomainCoreDumpWithFormat(ctx, s.dom3, path(s, file), format, flags)
			b, rerr := os.ReadFile(path(s, file))
			if rerr != nil {
				return r("no file"), err
			}
			return r(b), err
		})
	}
	dump("raw", "core", libvirt.DomainCoreDumpFormatRaw, 0)
	dump("kdump", "core-kdump", libvirt.DomainCoreDumpFormatKdumpZlib, 0)
	dump("missing directory", "nodir/core", libvirt.DomainCoreDumpFormatRaw, 0)
	dump("bogus flags", "core-bogus", libvirt.DomainCoreDumpFormatRaw, bogus)
	add("core dump crash", libvirt.ProcDomainCoreDump, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainCoreDump(ctx, s.dom3, path(s, "core-crash"), libvirt.DumpCrash)
	})
	state("after crash dump")
	dump("shut off", "core-off", libvirt.DomainCoreDumpFormatRaw, 0)

	// A transient domain disappears on save and comes back on restore.
	add("save create transient", libvirt.ProcDomainCreateXMLWithFiles, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainCreateXMLWithFiles(ctx, difftSave2XML, 0)
		return r(v), err
	})
	add("save transient", libvirt.ProcDomainSaveFlags, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainLookupByName(ctx, "difftsave2")
		if err != nil {
			return nil, err
		}
		return nil, s.c.DomainSaveFlags(ctx, v, path(s, "t.img"), nil, 0)
	})
	add("save transient gone", libvirt.ProcDomainLookupByName, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainLookupByName(ctx, "difftsave2")
		return r(v), err
	})
	add("restore transient", libvirt.ProcDomainRestoreFlags, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainRestoreFlags(ctx, path(s, "t.img"), nil, 0)
	})
	add("restored transient", libvirt.ProcDomainIsPersistent, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainLookupByName(ctx, "difftsave2")
		if err != nil {
			return nil, err
		}
		p, err := s.c.DomainIsPersistent(ctx, v)
		return r(v, p), err
	})
	add("save create xml with files bogus flags", libvirt.ProcDomainCreateXMLWithFiles, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainCreateXMLWithFiles(ctx, difftSave2XML, bogus)
		return r(v), err
	})
	add("save create xml with files running", libvirt.ProcDomainCreateXMLWithFiles, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainCreateXMLWithFiles(ctx, difftSave2XML, 0)
		return r(v), err
	})
	add("save destroy transient", libvirt.ProcDomainDestroy, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainLookupByName(ctx, "difftsave2")
		if err != nil {
			return nil, err
		}
		return nil, s.c.DomainDestroy(ctx, v)
	})
	add("save create with files", libvirt.ProcDomainCreateWithFiles, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainCreateWithFiles(ctx, s.dom3, 0)
		return r(v), err
	})
	add("save create with files running", libvirt.ProcDomainCreateWithFiles, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainCreateWithFiles(ctx, s.dom3, 0)
		return r(v), err
	})
	add("save create with files bogus flags", libvirt.ProcDomainCreateWithFiles, func(ctx context.Context, s *side) ([]any, error) {
		v, err := s.c.DomainCreateWithFiles(ctx, s.dom3, bogus)
		return r(v), err
	})
	add("save destroy difftsave", libvirt.ProcDomainDestroy, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainDestroy(ctx, s.dom3)
	})
	add("save undefine difftsave", libvirt.ProcDomainUndefine, func(ctx context.Context, s *side) ([]any, error) {
		return nil, s.c.DomainUndefine(ctx, s.dom3)
	})
	return steps
}
