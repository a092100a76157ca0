// Command lvgen regenerates virtwire's protocol code from a libvirt source
// tree. It is run by "go generate ./..." from the module root:
//
//	LIBVIRT_SOURCE=/path/to/libvirt go generate ./...
//
// or directly, e.g. to write into a scratch directory for comparison:
//
//	go run ./internal/lvgen/cmd/lvgen -source ../shared/libvirt -out /tmp/gen
package main

import (
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/virtwire/libvirt/internal/lvgen"
)

func main() {
	source := flag.String("source", os.Getenv("LIBVIRT_SOURCE"), "libvirt source tree (default $LIBVIRT_SOURCE)")
	out := flag.String("out", ".", "module root to write the generated files into")
	verbose := flag.Bool("v", false, "list events, streams and untyped flag parameters")
	flag.Parse()
	if *source == "" {
		fmt.Fprintln(os.Stderr, "lvgen: no libvirt source tree: set LIBVIRT_SOURCE or pass -source")
		os.Exit(2)
	}
	r, err := lvgen.Generate(lvgen.Config{Source: *source, Out: *out})
	if err != nil {
		fmt.Fprintln(os.Stderr, "lvgen:", err)
		os.Exit(1)
	}
	printReport(r, *verbose)
}

func printReport(r *lvgen.Report, verbose bool) {
	progs := make([]string, 0, len(r.Procedures))
	for p := range r.Procedures {
		progs = append(progs, p)
	}
	sort.Strings(progs)
	for _, p := range progs {
		fmt.Printf("procedures: %-32s %4d (events %d, streams %d)\n", p, r.Procedures[p], len(r.Events[p]), len(r.Streams[p]))
		if verbose {
			fmt.Printf("  events:  %s\n  streams: %s\n", strings.Join(r.Events[p], " "), strings.Join(r.Streams[p], " "))
		}
	}
	fmt.Printf("types: %d structs and unions, %d header enums\n", r.Types, r.Enums)
	pct := 0.0
	if r.FlagParams > 0 {
		pct = 100 * float64(r.TypedFlags) / float64(r.FlagParams)
	}
	fmt.Printf("typed flags: %d of %d (%.1f%%)\n", r.TypedFlags, r.FlagParams, pct)
	if verbose {
		fmt.Printf("  untyped: %s\n", strings.Join(r.UntypedFlag, " "))
	}
	fmt.Printf("typed enums: %d fields\n", r.TypedEnums)
	fmt.Printf("files: %s\n", strings.Join(r.Files, " "))
}
