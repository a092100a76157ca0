//go:build !race

package rpc

import "time"

// floodEvents is how many 32 MiB events the flood tests send (see
// race_on_test.go).
const floodEvents = 100

// floodWithin bounds how long a flood test may take.
const floodWithin = 60 * time.Second
