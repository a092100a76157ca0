//go:build integration && race

package integration_test

// raceDetector reports whether the tests run under the race detector,
// which slows Go code (not virsh) several times over, so speed
// comparisons with virsh are only asserted without it.
const raceDetector = true
