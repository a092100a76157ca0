package libvirt

// CopyWithin gives the external test package (libvirt_test) the bounded
// stream copy the internal tests use.
var CopyWithin = copyWithin
