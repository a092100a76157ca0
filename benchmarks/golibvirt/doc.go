// Package golibvirt compares virtwire (github.com/virtwire/libvirt) with
// go-libvirt (github.com/digitalocean/go-libvirt) and with a raw-socket
// floor in one `go test -bench` run: against the same private libvirtd
// and its test:///default driver, and against an in-process stand-in that
// takes the daemon's cost out.
//
// It is a separate module so that the library's own go.mod never depends
// on go-libvirt. The daemon benchmarks are in _test files behind the
// integration build tag and skip unless VIRTWIRE_TEST_SOCKET names the
// daemon's unix socket (scripts/libvirtd.sh writes it to DIR/env):
//
//	bash scripts/libvirtd.sh start /tmp/vwd-gl
//	set -a; . /tmp/vwd-gl/env; set +a
//	cd benchmarks/golibvirt
//	go test -tags integration -run '^$' -bench . -benchtime 300x -count 1
//	bash ../../scripts/libvirtd.sh stop /tmp/vwd-gl
//
// Each benchmark has sub-benchmarks raw, virtwire and golibvirt (raw only
// where a floor needs no RPC engine), so one run compares them with
// identical daemon state. Besides ns/op and allocs/op every benchmark
// reports cpu-ns/op, the process's user+system CPU per operation, which on
// a small machine shared with libvirtd is what bounds throughput.
//
// The Canned benchmarks (BenchmarkCannedAllDomainStats, 100 records of 20
// typed parameters, and BenchmarkCannedGetLibVersion) need no daemon and
// no build tag: they run against an in-process server that answers every
// call from a pre-encoded reply, so that what differs between the clients
// is their own cost and not libvirtd's:
//
//	cd benchmarks/golibvirt
//	go test -run '^$' -bench Canned -benchmem -count 10
//
// Because that server shares the process, its CPU is in cpu-ns/op; the
// client sub-benchmarks also report client-cpu-ns/op, an estimate that
// subtracts the raw floor's cpu-ns/op from the same run. See README.md for
// details.
//
// The module also uses go-libvirt as a third real client of libvirttest,
// the in-process fake daemon: TestGoLibvirtAgainstFake runs a sequence of
// go-libvirt calls against the fake (no build tag), and, with the
// integration tag and VIRTWIRE_TEST_SOCKET set,
// TestGoLibvirtFakeMatchesLibvirtd runs the same sequence against
// libvirtd's test:///default too and requires identical results.
package golibvirt
