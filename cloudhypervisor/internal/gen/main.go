// Command gen regenerates the oapi-codegen output of the cloudhypervisor
// package from the cloud-hypervisor OpenAPI spec.
//
// It lives in its own Go module so that the library's go.mod never
// depends on oapi-codegen; the generator version is pinned here.
//
// Usage (normally through `go generate ./cloudhypervisor` at the repo root):
//
//	go run -C cloudhypervisor/internal/gen . [-out DIR] [-want-version V] [SPEC]
//
// The spec path is the positional argument, else $CLOUD_HYPERVISOR_SPEC,
// else ../shared/cloud-hypervisor/cloud-hypervisor.yaml relative to the
// repository root. Each config/*.yaml file describes one output file,
// written relative to -out (default: the cloudhypervisor package directory)
// and formatted with gofmt.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/oapi-codegen/oapi-codegen/v2/pkg/util"
)

// wantInfoVersion is the info.version the generated code was reviewed
// against. cloud-hypervisor has never bumped it, so a change means the
// API contract was reworked and the hand-written layer must be checked.
const wantInfoVersion = "0.3.0"

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	out := fs.String("out", "", "cloudhypervisor package directory to write into (default: found from the repository root)")
	configDir := fs.String("config", "", "directory holding the oapi-codegen config files (default: ./config next to this program)")
	wantVersion := fs.String("want-version", wantInfoVersion, "required info.version of the spec")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return fmt.Errorf("expected at most one spec path, got %d arguments", fs.NArg())
	}

	root, err := repoRoot()
	if err != nil {
		return err
	}
	specPath, err := resolveSpec(fs.Arg(0), os.Getenv("CLOUD_HYPERVISOR_SPEC"), root)
	if err != nil {
		return err
	}
	if *out == "" {
		*out = filepath.Join(root, "cloudhypervisor")
	}
	if *configDir == "" {
		*configDir = filepath.Join(root, "cloudhypervisor", "internal", "gen", "config")
	}

	spec, err := util.LoadSwagger(specPath)
	if err != nil {
		return fmt.Errorf("loading spec %s: %w", specPath, err)
	}
	if err := checkSpec(spec, *wantVersion); err != nil {
		return fmt.Errorf("spec %s: %w", specPath, err)
	}

	configs, err := filepath.Glob(filepath.Join(*configDir, "*.yaml"))
	if err != nil {
		return err
	}
	if len(configs) == 0 {
		return fmt.Errorf("no config files in %s", *configDir)
	}
	sort.Strings(configs)
	for _, cfgPath := range configs {
		cfg, err := loadConfig(cfgPath)
		if err != nil {
			return err
		}
		// Each Generate call mutates global generator state and the spec
		// (pruning), so load a fresh copy per output.
		spec, err := util.LoadSwagger(specPath)
		if err != nil {
			return fmt.Errorf("loading spec %s: %w", specPath, err)
		}
		if err := addRealServerFields(spec); err != nil {
			return fmt.Errorf("spec %s: %w", specPath, err)
		}
		dst := filepath.Join(*out, filepath.FromSlash(cfg.Output))
		if err := generate(spec, cfg, dst); err != nil {
			return fmt.Errorf("%s: %w", filepath.Base(cfgPath), err)
		}
		fmt.Fprintf(os.Stderr, "gen: wrote %s\n", dst)
	}
	fmt.Fprintf(os.Stderr, "gen: spec %s (info.version %s, %d operations)\n", specPath, spec.Info.Version, countOperations(spec))
	return nil
}
