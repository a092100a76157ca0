package main

import (
	"bytes"
	"errors"
	"fmt"
	"go/format"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oapi-codegen/oapi-codegen/v2/pkg/codegen"
	"gopkg.in/yaml.v3"
)

// fileConfig is one config/*.yaml file: an oapi-codegen configuration
// plus the output path relative to the cloudhypervisor package.
type fileConfig struct {
	codegen.Configuration `yaml:",inline"`
	Output                string `yaml:"output"`
}

func loadConfig(path string) (fileConfig, error) {
	var cfg fileConfig
	data, err := os.ReadFile(path)
	if err != nil {
		return cfg, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil {
		return cfg, fmt.Errorf("parsing %s: %w", path, err)
	}
	if cfg.Output == "" || filepath.IsAbs(cfg.Output) || strings.Contains(cfg.Output, "..") {
		return cfg, fmt.Errorf("%s: output must be a relative path inside the package, got %q", path, cfg.Output)
	}
	cfg.Configuration = cfg.Configuration.UpdateDefaults()
	if err := cfg.Configuration.Validate(); err != nil {
		return cfg, fmt.Errorf("%s: %w", path, err)
	}
	// Name the generator version in the header, independent of how this
	// program was built.
	version := "(oapi-codegen " + oapiCodegenVersion() + ")"
	cfg.NoVCSVersionOverride = &version
	return cfg, nil
}

// checkSpec asserts the properties the hand-written layer relies on.
func checkSpec(spec *openapi3.T, wantVersion string) error {
	if spec.Info == nil {
		return errors.New("no info section")
	}
	if spec.Info.Version != wantVersion {
		return fmt.Errorf("info.version is %q, want %q (review the API changes, then pass -want-version)", spec.Info.Version, wantVersion)
	}
	if !strings.HasPrefix(spec.OpenAPI, "3.0.") {
		return fmt.Errorf("openapi %q is not 3.0.x", spec.OpenAPI)
	}
	if n := countOperations(spec); n == 0 {
		return errors.New("no operations")
	}
	return nil
}

func countOperations(spec *openapi3.T) int {
	n := 0
	if spec.Paths == nil {
		return 0
	}
	for _, item := range spec.Paths.Map() {
		n += len(item.Operations())
	}
	return n
}

func generate(spec *openapi3.T, cfg fileConfig, dst string) error {
	code, err := codegen.Generate(spec, cfg.Configuration)
	if err != nil {
		return fmt.Errorf("generating: %w", err)
	}
	// The operation names depend on the normalisation Generate configured,
	// so they are listed after it ran.
	ops, err := operationsOf(spec)
	if err != nil {
		return err
	}
	documented, err := addDocComments([]byte(code), ops)
	if err != nil {
		return fmt.Errorf("adding doc comments: %w", err)
	}
	src, err := format.Source(detachPackageDoc(documented, cfg.PackageName))
	if err != nil {
		return fmt.Errorf("gofmt: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return os.WriteFile(dst, src, 0o644)
}

// oapiCodegenVersion reports the oapi-codegen module version linked into
// this program, as pinned by go.mod.
func oapiCodegenVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range bi.Deps {
			if dep.Path == "github.com/oapi-codegen/oapi-codegen/v2" {
				return dep.Version
			}
		}
	}
	return "unknown"
}

// detachPackageDoc drops the generic package comment oapi-codegen puts
// above the package clause, so the hand-written doc.go is the package
// documentation, and separates the "Code generated" line from the clause.
func detachPackageDoc(code []byte, pkg string) []byte {
	generic := "// Package " + pkg + " provides primitives to interact with the openapi HTTP API.\n//\n"
	code = bytes.Replace(code, []byte(generic), nil, 1)
	return bytes.Replace(code, []byte("DO NOT EDIT.\npackage "), []byte("DO NOT EDIT.\n\npackage "), 1)
}
