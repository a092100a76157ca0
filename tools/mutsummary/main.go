// Command mutsummary reads the JSON reports gremlins wrote for each package
// (scripts/mutation.sh runs it) and prints one line per package with the
// efficacy and mutator coverage left after subtracting the reviewed list of
// equivalent mutants: mutants that change the code but not its behaviour, so
// no test can kill them.
//
//	mutsummary -equivalents FILE [-v] PKG=REPORT.json ...
//
// Each line of the equivalents file names one mutant and says why it is
// equivalent:
//
//	internal/xdr/decoder.go:42:9 CONDITIONALS_BOUNDARY  n == max is rejected by the next check too
//
// A reason starting with "gap:" marks instead a mutant gremlins never
// runs although the tests execute its code: it mutates a switch case's
// expression, which Go's coverage profile puts in no block, so gremlins
// calls it not covered. Such entries are counted in the "gap" column, not
// as equivalents; the reason names the test that executes the case.
//
// Blank lines and lines starting with # are ignored. An entry that matches no
// live or uncovered mutant of a reported package is printed as stale, so the
// list is revisited when the code moves.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path"
	"sort"
	"strings"
	"time"
)

// report is the part of gremlins' JSON output this command reads.
type report struct {
	Files []struct {
		Name      string `json:"file_name"`
		Mutations []struct {
			Type   string `json:"type"`
			Status string `json:"status"`
			Line   int    `json:"line"`
			Column int    `json:"column"`
		} `json:"mutations"`
	} `json:"files"`
	Elapsed float64 `json:"elapsed_time"`
}

// counts holds one package's mutants by outcome.
type counts struct {
	killed, lived, notCovered, timedOut, notViable int
	runnable                                       int // covered, not run (dry run)
	eqLived, eqNotCovered                          int
	gap                                            int // eqNotCovered entries that are coverage gaps
	elapsed                                        time.Duration
	survivors                                      []string
}

func main() {
	eqFile := flag.String("equivalents", "", "reviewed list of equivalent mutants")
	verbose := flag.Bool("v", false, "list every surviving (lived or not covered) mutant")
	minPct := flag.Float64("min", 0, "exit 1 when a package's efficacy or mutator coverage is below this percentage")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: mutsummary -equivalents FILE [-v] PKG=REPORT.json ...")
		os.Exit(2)
	}
	eq, err := readEquivalents(*eqFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mutsummary:", err)
		os.Exit(1)
	}
	used := map[string]bool{}
	var pkgs, short []string
	fmt.Printf("%-18s %6s %5s %5s %4s %6s %7s %5s %9s %9s %8s\n",
		"package", "killed", "lived", "equiv", "gap", "notcov", "timeout", "nviab", "efficacy", "coverage", "time")
	for _, arg := range flag.Args() {
		pkg, file, ok := strings.Cut(arg, "=")
		if !ok {
			fmt.Fprintf(os.Stderr, "mutsummary: %q is not PKG=REPORT.json\n", arg)
			os.Exit(2)
		}
		pkgs = append(pkgs, pkg)
		c, err := tally(pkg, file, eq, used)
		if err != nil {
			fmt.Fprintln(os.Stderr, "mutsummary:", err)
			os.Exit(1)
		}
		lived := c.lived - c.eqLived
		notCov := c.notCovered - c.eqNotCovered
		// Efficacy and coverage as gremlins defines them (timed-out and
		// non-viable mutants count in neither), minus the equivalents. A
		// dry run has only runnable (covered) and uncovered mutants.
		eff := pct(c.killed, c.killed+lived)
		covered := c.killed + lived + c.runnable
		cov := pct(covered, covered+notCov)
		fmt.Printf("%-18s %6d %5d %5d %4d %6d %7d %5d %9s %9s %8s\n",
			pkg, c.killed, lived, c.eqLived+c.eqNotCovered-c.gap, c.gap, notCov, c.timedOut, c.notViable,
			eff, cov, c.elapsed.Round(time.Second))
		if *minPct > 0 && (ratio(c.killed, c.killed+lived) < *minPct || ratio(covered, covered+notCov) < *minPct) {
			short = append(short, pkg)
		}
		if *verbose {
			for _, s := range c.survivors {
				fmt.Println("    ", s)
			}
		}
	}
	for _, key := range sortedKeys(eq) {
		if used[key] || !inPackages(key, pkgs) {
			continue
		}
		fmt.Printf("stale equivalent (no such live or uncovered mutant): %s\n", key)
	}
	if len(short) > 0 {
		fmt.Printf("below %.0f%% efficacy or coverage: %s\n", *minPct, strings.Join(short, " "))
		os.Exit(1)
	}
}

// ratio is pct as a number; a package with no mutants to count is not
// below any target.
func ratio(num, den int) float64 {
	if den == 0 {
		return 100
	}
	return 100 * float64(num) / float64(den)
}

// tally counts the mutants of one package's report, taking out the ones the
// equivalents list names.
func tally(pkg, file string, eq map[string]string, used map[string]bool) (counts, error) {
	var c counts
	data, err := os.ReadFile(file)
	if err != nil {
		return c, err
	}
	var r report
	if err := json.Unmarshal(data, &r); err != nil {
		return c, fmt.Errorf("%s: %w", file, err)
	}
	c.elapsed = time.Duration(r.Elapsed * float64(time.Second))
	for _, f := range r.Files {
		name := path.Join(pkg, f.Name)
		for _, m := range f.Mutations {
			key := fmt.Sprintf("%s:%d:%d %s", name, m.Line, m.Column, m.Type)
			reason, isEq := eq[key]
			switch m.Status {
			case "KILLED":
				c.killed++
			case "LIVED":
				c.lived++
				if isEq {
					c.eqLived++
					used[key] = true
				} else {
					c.survivors = append(c.survivors, "LIVED       "+key)
				}
			case "NOT COVERED":
				c.notCovered++
				if isEq {
					c.eqNotCovered++
					if strings.HasPrefix(reason, "gap:") {
						c.gap++
					}
					used[key] = true
				} else {
					c.survivors = append(c.survivors, "NOT COVERED "+key)
				}
			case "RUNNABLE":
				c.runnable++
			case "TIMED OUT":
				c.timedOut++
			case "NOT VIABLE":
				c.notViable++
			}
		}
	}
	return c, nil
}

// readEquivalents parses the equivalents file into "file:line:col TYPE" ->
// reason. Every entry must give a reason.
func readEquivalents(name string) (map[string]string, error) {
	eq := map[string]string{}
	if name == "" {
		return eq, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) < 3 {
			return nil, fmt.Errorf("%s:%d: want FILE:LINE:COL MUTATOR REASON", name, n)
		}
		eq[fields[0]+" "+fields[1]] = strings.Join(fields[2:], " ")
	}
	return eq, sc.Err()
}

func pct(num, den int) string {
	if den == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2f%%", 100*float64(num)/float64(den))
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// inPackages reports whether an equivalents key belongs to one of the
// packages in this run (so a partial run does not call the others stale).
func inPackages(key string, pkgs []string) bool {
	file, _, _ := strings.Cut(key, ":")
	dir := path.Dir(file)
	for _, p := range pkgs {
		if path.Clean(p) == dir {
			return true
		}
	}
	return false
}
