// Package integration holds virtwire's integration tests. They are built
// only with the build tag "integration" and talk to a real libvirtd, whose
// sockets are named by environment variables (see scripts/libvirtd.sh):
//
//	bash scripts/libvirtd.sh start /tmp/vwit
//	set -a; . /tmp/vwit/env; set +a
//	go test -race -count=1 -tags integration ./integration/
//
// Without those variables every test skips. The package has no code of its
// own; this file only keeps the directory a Go package when the tag is off.
package integration
