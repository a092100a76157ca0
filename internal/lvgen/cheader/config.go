package cheader

import (
	"fmt"
	"runtime"
	"sync"

	"modernc.org/cc/v4"
)

// hostConfig asks the host C compiler for its predefined macros and search
// paths once per process; every Load works on a copy.
var hostConfig = sync.OnceValues(func() (*cc.Config, error) {
	return cc.NewConfig(runtime.GOOS, runtime.GOARCH)
})

// newConfig returns a cc/v4 configuration that searches includeDirs first,
// and serves a generated libvirt-common.h where a directory only has the
// .in template.
func newConfig(includeDirs []string) (*cc.Config, error) {
	host, err := hostConfig()
	if err != nil {
		return nil, fmt.Errorf("cheader: configuring the C front end from the host compiler: %w", err)
	}

	cfg := *host
	// cc/v4 uses "" in IncludePaths for the directory of the including file;
	// keep it first for #include "..." lookups.
	var quoted []string
	for _, p := range host.IncludePaths {
		if p != "" && p != "@" {
			quoted = append(quoted, p)
		}
	}
	cfg.IncludePaths = append([]string{""}, searchPaths(includeDirs, quoted)...)
	cfg.SysIncludePaths = searchPaths(includeDirs, host.SysIncludePaths)
	cfg.Header = true

	overlay, err := commonHeaderOverlay(includeDirs)
	if err != nil {
		return nil, err
	}
	if len(overlay) != 0 {
		cfg.FS = overlay
	}
	return &cfg, nil
}
