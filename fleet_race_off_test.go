//go:build !race

package libvirt_test

// fleetDefaultN is TestFleetFanOut's connection count.
const fleetDefaultN = 1000
