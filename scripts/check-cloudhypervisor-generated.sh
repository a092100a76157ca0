#!/bin/sh
# Regenerates the oapi-codegen output of ./cloudhypervisor into a
# temporary directory and fails if it differs from the committed files.
# The spec is $CLOUD_HYPERVISOR_SPEC, else ../shared/cloud-hypervisor/
# cloud-hypervisor.yaml next to the repository; when neither exists the
# check is skipped (exit 0), since the spec is an input, not repo content.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
spec=${CLOUD_HYPERVISOR_SPEC:-$root/../shared/cloud-hypervisor/cloud-hypervisor.yaml}
case $spec in /*) ;; *) spec=$root/$spec ;; esac
if [ ! -d "$(dirname "$spec")" ] || [ ! -f "$spec" ]; then
	echo "check-cloudhypervisor-generated: skipped (no spec at $spec)"
	exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

go run -C "$root/cloudhypervisor/internal/gen" . -out "$tmp" "$spec"

status=0
for f in client.gen.go internal/chapi/server.gen.go; do
	if ! diff -u "$root/cloudhypervisor/$f" "$tmp/$f" >"$tmp/diff.txt"; then
		echo "check-cloudhypervisor-generated: cloudhypervisor/$f is stale; run: go generate ./cloudhypervisor" >&2
		head -n 40 "$tmp/diff.txt" >&2
		status=1
	fi
done
if [ "$status" -eq 0 ]; then
	echo "check-cloudhypervisor-generated: ok (generated code matches $spec)"
fi
exit "$status"
