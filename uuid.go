package libvirt

import (
	"encoding/hex"
	"fmt"
	"strings"
)

// String formats the UUID in the canonical 8-4-4-4-12 form libvirt uses.
func (u UUID) String() string {
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:16])
	return string(b[:])
}

// ParseUUID parses a UUID in the canonical form, or as 32 hex digits
// without dashes (libvirt accepts both).
func ParseUUID(s string) (UUID, error) {
	var u UUID
	h := strings.ReplaceAll(s, "-", "")
	if len(h) != 32 {
		return u, fmt.Errorf("libvirt: invalid UUID %q", s)
	}
	if _, err := hex.Decode(u[:], []byte(h)); err != nil {
		return u, fmt.Errorf("libvirt: invalid UUID %q: %w", s, err)
	}
	return u, nil
}
