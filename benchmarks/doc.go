// Package benchmarks holds virtwire's benchmarks against a real libvirtd;
// they are in _test files with the integration build tag. See
// libvirtd_bench_test.go for how to run them.
package benchmarks
