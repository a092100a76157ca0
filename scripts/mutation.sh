#!/usr/bin/env bash
# Mutation testing of virtwire's hand-written core with gremlins
# (github.com/go-gremlins/gremlins, pinned in tools/go.mod). For each package
# it changes the code one operator at a time, runs that package's tests, and
# counts the mutants the tests kill; then prints per package the efficacy
# (killed / (killed + lived)) and mutator coverage ((killed + lived) / all)
# after subtracting the reviewed equivalent mutants listed in
# scripts/mutation-equivalents.txt.
#
#   scripts/mutation.sh [-w WORKERS] [-c COEFF] [-o DIR] [-e REGEXP] [-n] [-v] [PACKAGE ...]
#
#   PACKAGE  directories relative to the repository, default: the whole core
#            (internal/xdr internal/rpc internal/event internal/authfile
#            internal/sasl socket .); "." is the root package's hand-written
#            files (no subdirectory, no *.gen.go).
#   -w N     gremlins workers (default 1: the packages run one after another
#            and one mutant at a time, for small shared machines)
#   -c N     timeout coefficient: a mutant's test run may take N times the
#            unmutated run before it counts as timed out (default 10; raise it
#            on a loaded machine, where slow runs are otherwise miscounted)
#   -o DIR   keep gremlins' JSON reports and logs in DIR (default: a temp dir)
#   -e RE    also leave out files whose path (relative to the package)
#            matches RE; repeatable. For a quick run on the files a change
#            touched, e.g. -e '^(dial|stream.*)\.go$' .
#   -n       dry run: only measure which mutants the tests cover (mutator
#            coverage), without running them; one test run per package
#   -m PCT   fail (exit 1) when a package's efficacy or mutator coverage,
#            after the equivalents, is below PCT (CI uses this)
#   -v       list every lived or uncovered mutant that is not a known
#            equivalent
#
# Run it before resolving an issue that touches these packages and put its
# table in the note. Without -m the exit status is 0 whether or not the
# targets are met: the numbers are for review, not a gate.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
workers=1
coeff=10
outdir=""
verbose=()
minpct=()
extra=()
dry=()
while getopts "w:c:o:e:m:nvh" opt; do
	case $opt in
	w) workers=$OPTARG ;;
	c) coeff=$OPTARG ;;
	o) outdir=$OPTARG ;;
	e) extra+=(-E "$OPTARG") ;;
	n) dry=(--dry-run) ;;
	v) verbose=(-v) ;;
	m) minpct=(-min "$OPTARG") ;;
	*)
		sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
		exit 2
		;;
	esac
done
shift $((OPTIND - 1))
pkgs=("$@")
if [ ${#pkgs[@]} -eq 0 ]; then
	pkgs=(internal/xdr internal/rpc internal/event internal/authfile internal/sasl socket .)
fi

if [ -z "$outdir" ]; then
	outdir=$(mktemp -d)
	trap 'rm -rf "$outdir"' EXIT
fi
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)

# Build the pinned tools once; the tools module keeps them out of the
# library's go.mod.
go build -C "$repo/tools" -o "$outdir/gremlins" github.com/go-gremlins/gremlins/cmd/gremlins
go build -C "$repo/tools" -o "$outdir/mutsummary" ./mutsummary

cd "$repo"
# Time the unmutated tests for real (not a cached result): gremlins derives
# each mutant's timeout from that run.
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-count=1"
reports=()
for pkg in "${pkgs[@]}"; do
	pkg=${pkg#./}
	pkg=${pkg%/}
	[ -n "$pkg" ] || pkg=.
	if [ ! -d "$pkg" ]; then
		echo "mutation: no such package directory: $pkg" >&2
		exit 2
	fi
	# Generated code is checked by scripts/check-generated.sh and the codec
	# tests, not here. For the root package, gremlins would also descend
	# into every subdirectory: keep only the files directly in it.
	exclude=(-E '\.gen\.go$' -E '_test\.go$' "${extra[@]}")
	if [ "$pkg" = . ]; then
		exclude+=(-E '/')
	fi
	name=${pkg//\//_}
	[ "$pkg" = . ] && name=root
	echo "mutation: $pkg ..." >&2
	start=$(date +%s)
	if ! "$outdir/gremlins" unleash "${dry[@]}" --workers "$workers" --timeout-coefficient "$coeff" \
		"${exclude[@]}" -o "$outdir/$name.json" "./$pkg" >"$outdir/$name.log" 2>&1; then
		echo "mutation: gremlins failed on $pkg; its log:" >&2
		tail -20 "$outdir/$name.log" >&2
		exit 1
	fi
	echo "mutation: $pkg done in $(($(date +%s) - start))s" >&2
	if [ ! -s "$outdir/$name.json" ]; then
		# gremlins writes no report when a package has no mutable code.
		echo '{"files":[],"elapsed_time":0}' >"$outdir/$name.json"
	fi
	reports+=("$pkg=$outdir/$name.json")
done

"$outdir/mutsummary" -equivalents "$repo/scripts/mutation-equivalents.txt" "${verbose[@]}" "${minpct[@]}" "${reports[@]}"
