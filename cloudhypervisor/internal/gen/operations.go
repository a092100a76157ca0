package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oapi-codegen/oapi-codegen/v2/pkg/codegen"
)

// operation is what the doc comment pass needs to know about one spec
// operation: the Go name oapi-codegen derived for it and how it is called.
type operation struct {
	GoName  string // e.g. PutVmAddDisk
	Method  string // e.g. PUT
	Path    string // e.g. /vm.add-disk
	Summary string // the spec's summary, whitespace collapsed, no final period
}

// ref names the operation the way HTTP APIs are usually written down.
func (op operation) ref() string { return op.Method + " " + op.Path }

// operationsOf lists the operations of spec under the names oapi-codegen
// gives them. It must run after codegen.Generate in the same process,
// because the name normalisation is configured by Generate. The result is
// sorted by Go name.
func operationsOf(spec *openapi3.T) ([]operation, error) {
	defs, err := codegen.OperationDefinitions(spec)
	if err != nil {
		return nil, fmt.Errorf("listing operations: %w", err)
	}
	ops := make([]operation, 0, len(defs))
	seen := make(map[string]bool, len(defs))
	for _, d := range defs {
		if seen[d.OperationId] {
			return nil, fmt.Errorf("two operations share the Go name %s", d.OperationId)
		}
		seen[d.OperationId] = true
		ops = append(ops, operation{
			GoName:  d.OperationId,
			Method:  strings.ToUpper(d.Method),
			Path:    d.Path,
			Summary: cleanSummary(d.Summary),
		})
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].GoName < ops[j].GoName })
	return ops, nil
}

// cleanSummary makes a spec summary fit inside a quoted phrase.
func cleanSummary(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	s = strings.TrimRight(s, ". ")
	return strings.ReplaceAll(s, `"`, `'`)
}
