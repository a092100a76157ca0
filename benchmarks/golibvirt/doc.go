// Package golibvirt compares virtwire (github.com/virtwire/libvirt) with
// go-libvirt (github.com/digitalocean/go-libvirt) and with a raw-socket
// floor, all against the same private libvirtd and its test:///default
// driver, in one `go test -bench` run.
//
// It is a separate module so that the library's own go.mod never depends
// on go-libvirt. The benchmarks are in _test files behind the integration
// build tag and skip unless VIRTWIRE_TEST_SOCKET names the daemon's unix
// socket (scripts/libvirtd.sh writes it to DIR/env):
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
// a small machine shared with libvirtd is what bounds throughput. See
// README.md for details.
package golibvirt
