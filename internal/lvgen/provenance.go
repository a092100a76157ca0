package lvgen

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/virtwire/libvirt/internal/lvgen/cheader"
)

// provenance records where the inputs came from, for generated headers.
type provenance struct {
	source  string
	commits map[string]string // path below the tree -> libvirt commit
	version string            // from LIBVIR_VERSION_NUMBER
}

// readProvenance collects the libvirt version from the headers and, when
// the tree carries a PROVENANCE.md table (| path | repository | commit |),
// the commit of each input file.
func readProvenance(source string, h *cheader.Headers) provenance {
	p := provenance{source: source, commits: map[string]string{}}
	for _, m := range h.Macros {
		if m.Name == "LIBVIR_VERSION_NUMBER" && !m.IsString {
			p.version = fmt.Sprintf("%d.%d.%d", m.Int/1000000, m.Int/1000%1000, m.Int%1000)
		}
	}
	f, err := os.Open(filepath.Join(source, "PROVENANCE.md"))
	if err != nil {
		return p
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "|")
		if len(cols) < 5 {
			continue
		}
		path, commit := strings.TrimSpace(cols[1]), strings.TrimSpace(cols[3])
		if len(commit) == 40 && strings.Trim(commit, "0123456789abcdef") == "" {
			p.commits[path] = commit
		}
	}
	return p
}

// describe names the input's commit (when known) and content hash.
func (p provenance) describe(input string) string {
	var parts []string
	if c, ok := p.commits[input]; ok {
		parts = append(parts, "libvirt commit "+c)
	}
	if !strings.Contains(input, "*") {
		if b, err := os.ReadFile(filepath.Join(p.source, input)); err == nil {
			sum := sha256.Sum256(b)
			parts = append(parts, "sha256 "+hex.EncodeToString(sum[:]))
		}
	}
	if p.version != "" {
		parts = append(parts, "headers of libvirt "+p.version)
	}
	if len(parts) == 0 {
		return "unknown"
	}
	return input + ": " + strings.Join(parts, ", ")
}
