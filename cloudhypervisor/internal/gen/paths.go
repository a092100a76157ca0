package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// rootModule is the module path of the repository this generator serves.
const rootModule = "github.com/virtwire/libvirt"

// repoRoot walks up from the working directory to the directory whose
// go.mod declares rootModule.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if modulePath(filepath.Join(dir, "go.mod")) == rootModule {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod for %s above the working directory", rootModule)
		}
		dir = parent
	}
}

func modulePath(gomod string) string {
	f, err := os.Open(gomod)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if rest, ok := strings.CutPrefix(line, "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`)
		}
	}
	return ""
}

// resolveSpec picks the spec path: the argument, else the environment
// variable, else the shared input next to the repository. Relative paths
// are taken relative to the repository root, because `go run -C` changes
// the working directory.
func resolveSpec(arg, env, root string) (string, error) {
	for _, p := range []string{arg, env} {
		if p == "" {
			continue
		}
		if !filepath.IsAbs(p) {
			p = filepath.Join(root, p)
		}
		return filepath.Clean(p), nil
	}
	def := filepath.Join(root, "..", "shared", "cloud-hypervisor", "cloud-hypervisor.yaml")
	if _, err := os.Stat(def); err != nil {
		return "", errors.New("no spec given: pass a path or set CLOUD_HYPERVISOR_SPEC (default " + def + " does not exist)")
	}
	return filepath.Clean(def), nil
}
