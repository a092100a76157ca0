package libvirttest

import (
	"fmt"

	"github.com/virtwire/libvirt"
)

// unsupported is the error libvirt's daemon gives for a procedure its
// driver does not implement.
func unsupported(proc string) error {
	return &libvirt.Error{
		Code:    libvirt.ErrNoSupport,
		Domain:  libvirt.FromRPC,
		Level:   libvirt.ErrError,
		Message: fmt.Sprintf("this function is not supported by the connection driver: %s", proc),
	}
}

// argsError is the error for a call whose arguments do not decode.
func argsError(err error) error {
	return &libvirt.Error{
		Code:    libvirt.ErrRPC,
		Domain:  libvirt.FromRPC,
		Level:   libvirt.ErrError,
		Message: fmt.Sprintf("Unable to decode message payload: %v", err),
	}
}
