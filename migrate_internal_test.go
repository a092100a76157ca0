package libvirt

import (
	"errors"
	"testing"
)

// Which Finish error replaces a failed Perform's, as libvirt's client
// decides: only QEMU's generic "operation failed" from Perform, and only
// by a QEMU error from Finish other than "migration successfully aborted".
func TestFinishErrorExplains(t *testing.T) {
	qemuFailed := &Error{Code: ErrOperationFailed, Domain: FromQEMU, Message: "migration job: unexpectedly failed"}
	qemuWhy := &Error{Code: ErrInternalError, Domain: FromQEMU, Message: "guest crashed on the destination"}
	for _, c := range []struct {
		name            string
		perform, finish error
		want            bool
	}{
		{"QEMU's generic failure, QEMU's reason", qemuFailed, qemuWhy, true},
		{"wrapped errors", &MigrationError{Phase: MigrationPhasePerform, Err: qemuFailed}, qemuWhy, true},
		{"Perform from another driver", &Error{Code: ErrOperationFailed, Domain: FromRPC}, qemuWhy, false},
		{"Perform with another code", &Error{Code: ErrInternalError, Domain: FromQEMU}, qemuWhy, false},
		{"Finish from another driver", qemuFailed, &Error{Code: ErrInternalError, Domain: FromRPC}, false},
		{"Finish only confirms the abort", qemuFailed, &Error{Code: ErrMigrateFinishOK, Domain: FromQEMU}, false},
		{"not libvirt errors", errors.New("x"), qemuWhy, false},
		{"Finish not a libvirt error", qemuFailed, errors.New("x"), false},
	} {
		if got := finishErrorExplains(c.perform, c.finish); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
