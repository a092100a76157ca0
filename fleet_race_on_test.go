//go:build race

package libvirt_test

// fleetDefaultN is TestFleetFanOut's connection count under the race
// detector (see fleet_scale_test.go).
const fleetDefaultN = 200
