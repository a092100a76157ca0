//go:build !race

package libvirt

import "time"

// floodEvents is how many 32 MiB events the flood tests send (see
// race_on_test.go): 512 MiB in all, five times the 100 MiB heap bound the
// tests allow, so keeping them would fail; more only makes the tests slower
// (they run for every mutant of scripts/mutation.sh).
const floodEvents = 16

// floodWithin bounds how long a flood test may take.
const floodWithin = 60 * time.Second
