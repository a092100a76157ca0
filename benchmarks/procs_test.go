//go:build integration

package benchmarks

import "runtime"

func runtimeProcs() int { return runtime.GOMAXPROCS(0) }
