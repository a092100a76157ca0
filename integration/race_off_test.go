//go:build integration && !race

package integration_test

// raceDetector: see race_on_test.go.
const raceDetector = false
