package libvirt

// DomainStateReason returns reason typed by the state it belongs to, as
// libvirt pairs them for virDomainGetState and the "state.reason" statistic:
// DomainRunningReason for DomainRunning, DomainPausedReason for
// DomainPaused, and so on. A state libvirt defines no reasons for returns
// reason as an int32.
func DomainStateReason(state DomainState, reason int32) any {
	switch state {
	case DomainNostate:
		return DomainNostateReason(reason)
	case DomainRunning:
		return DomainRunningReason(reason)
	case DomainBlocked:
		return DomainBlockedReason(reason)
	case DomainPaused:
		return DomainPausedReason(reason)
	case DomainShutdown:
		return DomainShutdownReason(reason)
	case DomainShutoff:
		return DomainShutoffReason(reason)
	case DomainCrashed:
		return DomainCrashedReason(reason)
	case DomainPMSuspended:
		return DomainPMSuspendedReason(reason)
	}
	return reason
}
