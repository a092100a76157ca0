package cheader

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"time"
)

const (
	commonHeader       = "libvirt-common.h"
	commonTemplate     = "libvirt-common.h.in"
	versionPlaceholder = "@LIBVIRT_VERSION_NUMBER@"
)

// commonHeaderOverlay generates libvirt/libvirt-common.h in memory for each
// include directory that only has the libvirt-common.h.in template. The
// result maps absolute paths to file contents; it is empty when no
// directory needs it.
func commonHeaderOverlay(includeDirs []string) (overlayFS, error) {
	out := overlayFS{}
	for _, d := range includeDirs {
		dir := filepath.Join(d, "libvirt")
		hdr := filepath.Join(dir, commonHeader)
		if _, err := os.Stat(hdr); err == nil {
			continue
		}
		tmpl, err := os.ReadFile(filepath.Join(dir, commonTemplate))
		if err != nil {
			continue
		}

		meson := filepath.Join(filepath.Dir(filepath.Clean(d)), "meson.build")
		num, err := mesonVersionNumber(meson)
		if err != nil {
			return nil, fmt.Errorf("cheader: %s is missing and %s cannot be instantiated: %w",
				hdr, filepath.Join(dir, commonTemplate), err)
		}
		if !bytes.Contains(tmpl, []byte(versionPlaceholder)) {
			return nil, fmt.Errorf("cheader: %s does not contain %s", filepath.Join(dir, commonTemplate), versionPlaceholder)
		}
		abs, err := filepath.Abs(hdr)
		if err != nil {
			return nil, fmt.Errorf("cheader: %s: %w", hdr, err)
		}
		out[abs] = bytes.ReplaceAll(tmpl, []byte(versionPlaceholder), []byte(strconv.FormatInt(num, 10)))
	}
	return out, nil
}

var mesonVersionRE = regexp.MustCompile(`(?s)project\s*\(\s*'libvirt'.*?version\s*:\s*'(\d+)\.(\d+)\.(\d+)'`)

// mesonVersionNumber reads the version from the project() call in a libvirt
// meson.build and encodes it as major*1000000 + minor*1000 + micro.
func mesonVersionNumber(path string) (int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("no libvirt version available: %w", err)
	}
	m := mesonVersionRE.FindSubmatch(b)
	if m == nil {
		return 0, fmt.Errorf("no version in the project() call of %s", path)
	}
	var parts [3]int64
	for i := range parts {
		v, err := strconv.ParseInt(string(m[i+1]), 10, 64)
		if err != nil || v > 999 && i > 0 {
			return 0, fmt.Errorf("bad version %s.%s.%s in %s", m[1], m[2], m[3], path)
		}
		parts[i] = v
	}
	return parts[0]*1000000 + parts[1]*1000 + parts[2], nil
}

// overlayFS serves generated files by absolute path. Any other name reports
// fs.ErrNotExist, on which cc/v4 falls back to the real file system.
type overlayFS map[string][]byte

// Open implements fs.FS.
func (o overlayFS) Open(name string) (fs.File, error) {
	b, ok := o[filepath.Clean(filepath.FromSlash(name))]
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return &memFile{name: filepath.Base(name), r: bytes.NewReader(b), size: int64(len(b))}, nil
}

// memFile is a read-only in-memory fs.File.
type memFile struct {
	name string
	r    *bytes.Reader
	size int64
}

func (f *memFile) Read(p []byte) (int, error) { return f.r.Read(p) }
func (f *memFile) Close() error               { return nil }
func (f *memFile) Stat() (fs.FileInfo, error) { return memInfo{f.name, f.size}, nil }

// memInfo describes a memFile.
type memInfo struct {
	name string
	size int64
}

func (i memInfo) Name() string       { return i.name }
func (i memInfo) Size() int64        { return i.size }
func (i memInfo) Mode() fs.FileMode  { return 0o444 }
func (i memInfo) ModTime() time.Time { return time.Time{} }
func (i memInfo) IsDir() bool        { return false }
func (i memInfo) Sys() any           { return nil }
