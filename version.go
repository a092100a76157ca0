package libvirt

import "fmt"

// Version is a libvirt or hypervisor version number as libvirt encodes it:
// major*1,000,000 + minor*1,000 + micro (11.3.0 is 11003000). It is what
// ConnectGetLibVersion and ConnectGetVersion return.
type Version uint64

// Major returns the major version (11 for 11.3.0).
func (v Version) Major() uint64 { return uint64(v) / 1000000 }

// Minor returns the minor version (3 for 11.3.0).
func (v Version) Minor() uint64 { return uint64(v) / 1000 % 1000 }

// Micro returns the micro (release) version (0 for 11.3.0).
func (v Version) Micro() uint64 { return uint64(v) % 1000 }

// String formats v as major.minor.micro.
func (v Version) String() string {
	return fmt.Sprintf("%d.%d.%d", v.Major(), v.Minor(), v.Micro())
}

// NewVersion returns the Version of major.minor.micro; minor and micro
// must be below 1000.
func NewVersion(major, minor, micro uint64) Version {
	return Version(major*1000000 + minor*1000 + micro)
}

// AtLeast reports whether v is major.minor.micro or newer, for feature
// checks: v.AtLeast(9, 0, 0).
func (v Version) AtLeast(major, minor, micro uint64) bool {
	return v >= NewVersion(major, minor, micro)
}
