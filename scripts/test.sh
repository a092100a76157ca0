#!/usr/bin/env bash
# virtwire's full test run: formatting, vet, staticcheck, generated-code check,
# unit tests and integration tests against two private libvirtds: the host's
# (libvirt 9.0 on Debian 12) and libvirt 11.3 from a Debian 13 root tree
# (scripts/trixie-root.sh, built once per machine), which also provides
# libvirt 11.3's virsh and python3-libvirt as clients of libvirttest's fake.
#
#   scripts/test.sh
#
# Needs Go on PATH. The integration stages need root plus libvirt-daemon,
# libvirt-clients and qemu-system-x86 (see scripts/libvirtd.sh) and debootstrap
# (scripts/trixie-root.sh); .ci/run installs all of it on a fresh Debian 12.
#
# Environment:
#   LIBVIRT_SOURCE       libvirt source tree used by scripts/check-generated.sh
#                        (default: ../shared/libvirt next to the repository, if present)
#   STATICCHECK_VERSION  honnef.co/go/tools version to install when staticcheck
#                        is missing or different (default below)
#   VIRTWIRE_TRIXIE_ROOT where the libvirt 11.3 tree is kept
#                        (default /var/cache/virtwire/trixie-libvirt)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

: "${STATICCHECK_VERSION:=v0.8.2}"

if [ -z "${LIBVIRT_SOURCE:-}" ] && [ -d "$repo/../shared/libvirt" ]; then
	LIBVIRT_SOURCE=$(cd "$repo/../shared/libvirt" && pwd)
fi
export LIBVIRT_SOURCE=${LIBVIRT_SOURCE:-}

gobin=$(go env GOPATH)/bin
export PATH="$PATH:$gobin"

now_ms() {
	date +%s%3N
}

run_start=$(now_ms)
step_name=""
step_start=$run_start
daemon_dirs=()

secs() {
	local ms=$1
	printf '%d.%01ds' $((ms / 1000)) $((ms % 1000 / 100))
}

# step NAME prints a header and starts timing NAME; the previous step is
# reported as done.
step() {
	step_done
	step_name=$1
	step_start=$(now_ms)
	printf '\n==> %s\n' "$step_name"
}

step_done() {
	if [ -n "$step_name" ]; then
		printf '<== %s: ok (%s)\n' "$step_name" "$(secs $(($(now_ms) - step_start)))"
	fi
	step_name=""
}

# stop_daemon DIR stops the private libvirtd in DIR (showing its log when the
# run failed) and removes DIR; returns 1 if it could not be stopped.
stop_daemon() {
	local dir=$1 failed=$2 ok=0
	printf '\n--- stopping private libvirtd in %s\n' "$dir"
	if [ "$failed" != 0 ] && [ -s "$dir/libvirtd.log" ]; then
		echo "--- last lines of $dir/libvirtd.log:"
		tail -n 20 "$dir/libvirtd.log" || true
	fi
	bash "$repo/scripts/libvirtd.sh" stop "$dir" || ok=1
	rm -rf "$dir"
	return "$ok"
}

on_exit() {
	local rc=$? d
	for d in "${daemon_dirs[@]}"; do
		stop_daemon "$d" "$rc" || rc=1
	done
	if [ "$rc" != 0 ]; then
		printf '\n<== %s: FAILED (%s)\n' "${step_name:-setup}" "$(secs $(($(now_ms) - step_start)))" >&2
		printf 'test.sh: FAILED after %s\n' "$(secs $(($(now_ms) - run_start)))" >&2
	else
		printf '\ntest.sh: all stages passed in %s\n' "$(secs $(($(now_ms) - run_start)))"
	fi
	exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# go_files prints the repository's Go files: tracked ones plus new, not ignored
# ones, or every .go file when this is not a git checkout.
go_files() {
	if command -v git >/dev/null && git -C "$repo" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git -C "$repo" ls-files --cached --others --exclude-standard -- '*.go' |
			while IFS= read -r f; do [ -f "$f" ] && printf '%s\n' "$f"; done
	else
		find . -name '*.go' -not -path './.git/*' -not -path '*/testdata/*'
	fi
}

echo "go: $(go version)"
echo "LIBVIRT_SOURCE=${LIBVIRT_SOURCE:-<unset>}"

step "release files"
# LICENSE must exist and CHANGELOG.md must keep an Unreleased section that
# every change appends to.
[ -s LICENSE ] || { echo "LICENSE is missing" >&2; false; }
grep -q '^## \[Unreleased\]' CHANGELOG.md || { echo "CHANGELOG.md has no '## [Unreleased]' section" >&2; false; }

step "gofmt"
unformatted=$(go_files | xargs -r -d '\n' gofmt -l)
if [ -n "$unformatted" ]; then
	echo "these files need gofmt:" >&2
	echo "$unformatted" >&2
	false
fi

step "go vet"
go vet ./...
go vet -tags integration ./...
# The go-libvirt comparison is a module of its own (so the library's go.mod
# never names go-libvirt); vet it too so that it keeps building.
(cd benchmarks/golibvirt && go vet -tags integration ./...)
# The tracing example is a module of its own too (OpenTelemetry and
# Prometheus stay out of the library's go.mod).
(cd examples/tracing && go vet ./...)

step "staticcheck"
if ! command -v staticcheck >/dev/null || ! staticcheck -version | grep -qF "(${STATICCHECK_VERSION#v})"; then
	echo "installing staticcheck $STATICCHECK_VERSION"
	go install "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION"
fi
staticcheck -version
staticcheck ./...
staticcheck -tags integration ./...
(cd benchmarks/golibvirt && staticcheck -tags integration ./...)

step "generated code is up to date"
# Each script regenerates into a scratch directory and diffs; each skips
# itself when its input (../shared) is not there.
bash scripts/check-generated.sh
bash scripts/check-cloudhypervisor-generated.sh
# The go-libvirt migration table is derived from both libraries' code.
(cd benchmarks/golibvirt && go run ./cmd/migration-table) | diff -u docs/migration-table.md - ||
	{ echo "docs/migration-table.md is stale: cd benchmarks/golibvirt && go run ./cmd/migration-table > ../../docs/migration-table.md" >&2; false; }

step "unit tests"
go test -race -count=1 ./...
# The go-libvirt comparison module's daemon-less test (both clients decode
# the canned reply it benchmarks).
(cd benchmarks/golibvirt && go test -count=1 ./...)

step "mutation testing (internal/xdr, internal/authfile, internal/event)"
# The packages whose mutation run takes about a minute each: every mutant
# must be killed or be a reviewed equivalent (scripts/mutation-equivalents.txt),
# so a change that leaves code untested fails here. The slower packages
# (internal/rpc, internal/sasl, socket, root) are run by hand
# (scripts/mutation.sh) before a change to them lands.
bash scripts/mutation.sh -m 90 internal/xdr internal/authfile internal/event

# start_daemon [ROOT] starts a private libvirtd (the one of the root tree ROOT,
# or the host's) and exports its VIRTWIRE_TEST_* variables.
start_daemon() {
	local dir
	dir=$(mktemp -d /tmp/virtwire-it.XXXXXX)
	daemon_dirs+=("$dir")
	VIRTWIRE_LIBVIRTD_ROOT=${1:-} bash scripts/libvirtd.sh start "$dir"
	unset VIRTWIRE_TEST_ROOT
	set -a
	# shellcheck disable=SC1091
	. "$dir/env"
	set +a
	env | grep '^VIRTWIRE_TEST_' | sort
}

# stop_last_daemon stops the daemon start_daemon started last.
stop_last_daemon() {
	local last=$((${#daemon_dirs[@]} - 1))
	stop_daemon "${daemon_dirs[$last]}" 0
	unset "daemon_dirs[$last]"
	daemon_dirs=("${daemon_dirs[@]}")
	unset VIRTWIRE_TEST_SOCKET VIRTWIRE_TEST_TCP VIRTWIRE_TEST_PIDFILE VIRTWIRE_TEST_STATE VIRTWIRE_TEST_ROOT
}

step "integration tests (libvirt $(libvirtd --version | awk '{print $NF}'), host)"
start_daemon
# Only the packages that have integration tests: the unit tests already ran.
# go list keeps to this module (benchmarks/golibvirt is a module of its own).
mapfile -t itpkgs < <(go list -tags integration -f '{{.ImportPath}} {{.Dir}}' ./... |
	while read -r pkg dir; do
		if grep -qs '^//go:build integration' "$dir"/*_test.go; then echo "$pkg"; fi
	done)
go test -race -count=1 -tags integration -timeout 20m "${itpkgs[@]}"
# go-libvirt against libvirtd's test:///default and against libvirttest's
# fake: the same call sequence must give the same results.
(cd benchmarks/golibvirt && go test -count=1 -tags integration -run 'TestGoLibvirtFakeMatchesLibvirtd' .)

step "stream throughput against virsh (without the race detector)"
# The race detector slows Go code several times over but not virsh, so the
# speed comparison is asserted in a run without it.
go test -count=1 -tags integration -run 'TestStreamUploadDownloadRoundTrip' ./integration/
stop_last_daemon

step "libvirt 11.3 root tree (Debian 13)"
# Built on the first run on a machine (a few minutes), reused afterwards.
trixie_root=$(bash scripts/trixie-root.sh)

step "integration tests (libvirt 11.3, Debian 13 tree)"
# The daemon-facing suite (test driver and QEMU TCG guests) runs again against
# the newer daemon. integration/transports starts its own host daemons and
# the benchmarks measure, so neither is repeated.
start_daemon "$trixie_root"
go test -race -count=1 -tags integration -timeout 20m ./integration/
stop_last_daemon

step "differential test and user programs against libvirt 11.3's test driver"
# libvirttest's differential tester and the user programs (run against 9.0
# with the package's integration tests above) against 11.3's
# test:///default: the test starts its own private daemon, from the tree
# VIRTWIRE_LIBVIRTD_ROOT names.
VIRTWIRE_LIBVIRTD_ROOT=$trixie_root go test -race -count=1 -tags integration \
	-run 'TestDifferentialAgainstLibvirtd$|TestUserProgramsMatchLibvirtd' -v ./libvirttest/ 2>&1 |
	grep -v '^=== RUN'

step "libvirt 11.3 virsh and python3-libvirt against libvirttest"
# The same scripts the host's clients run, with the tree's clients; the
# comparison with libvirtd uses a private host daemon (libvirt 9.0, the
# release the fake models).
VIRTWIRE_CLIENT_ROOT=$trixie_root go test -count=1 -tags integration \
	-run 'Virsh|Python' -v ./libvirttest/ 2>&1 | grep -v '^=== RUN'

step_done
