package cheader

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// systemIncludeDir is where Debian's libvirt-dev installs libvirt/*.h.
const systemIncludeDir = "/usr/include"

// IncludeDirs returns the directories Load should search, in order:
// source/include when source is not empty, then the system include
// directory. Directories that do not exist are left out.
func IncludeDirs(source string) []string {
	var dirs []string
	if source != "" {
		dirs = append(dirs, filepath.Join(source, "include"))
	}
	dirs = append(dirs, systemIncludeDir)

	var out []string
	for _, d := range dirs {
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			out = append(out, d)
		}
	}
	return out
}

// absDirs makes every include directory absolute, so that positions, the
// generated-header overlay and the search paths all use the same names.
func absDirs(dirs []string) ([]string, error) {
	out := make([]string, 0, len(dirs))
	for _, d := range dirs {
		a, err := filepath.Abs(d)
		if err != nil {
			return nil, fmt.Errorf("cheader: include directory %q: %w", d, err)
		}
		out = append(out, a)
	}
	return out, nil
}

// resolveEntries finds every entry header in includeDirs (first match wins)
// and returns the absolute paths, dropping repeated entries.
func resolveEntries(includeDirs, entries []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, e := range entries {
		p, err := resolveEntry(includeDirs, e)
		if err != nil {
			return nil, err
		}
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out, nil
}

func resolveEntry(includeDirs []string, entry string) (string, error) {
	if strings.TrimSpace(entry) == "" {
		return "", fmt.Errorf("cheader: empty entry header name")
	}

	var candidates []string
	if filepath.IsAbs(entry) {
		candidates = []string{entry}
	} else {
		for _, d := range includeDirs {
			candidates = append(candidates, filepath.Join(d, entry))
		}
	}
	for _, c := range candidates {
		if fi, err := os.Stat(c); err == nil && fi.Mode().IsRegular() {
			abs, err := filepath.Abs(c)
			if err != nil {
				return "", fmt.Errorf("cheader: entry header %q: %w", entry, err)
			}
			return abs, nil
		}
	}
	return "", fmt.Errorf("cheader: entry header %q not found in include directories %q", entry, includeDirs)
}

// searchPaths puts dirs in front of the host compiler's search list. A
// directory the host list already has keeps its host position, so the order
// of the compiler's own directories (which #include_next relies on) is not
// disturbed.
func searchPaths(dirs, host []string) []string {
	inHost := map[string]bool{}
	for _, h := range host {
		inHost[filepath.Clean(h)] = true
	}

	var out []string
	seen := map[string]bool{}
	for _, d := range dirs {
		d = filepath.Clean(d)
		if inHost[d] || seen[d] {
			continue
		}
		seen[d] = true
		out = append(out, d)
	}
	return append(out, host...)
}
