//go:build race

package rpc

import "time"

// floodEvents is how many 32 MiB events the flood tests send: the race
// detector makes moving and decoding them some ten times slower, so its
// run sends fewer and waits longer (the bounds checked are the same).
const floodEvents = 4

// floodWithin bounds how long a flood test may take.
const floodWithin = 120 * time.Second
