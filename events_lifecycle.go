package libvirt

import "fmt"

// DetailValue returns the lifecycle event's detail as the typed enum that
// its Event selects (DomainEventStartedDetailType for DomainEventStarted,
// ...), so it prints by name. Its underlying value is Detail.
func (m *DomainEventLifecycleMsg) DetailValue() fmt.Stringer {
	switch m.Event {
	case DomainEventDefined:
		return DomainEventDefinedDetailType(m.Detail)
	case DomainEventUndefined:
		return DomainEventUndefinedDetailType(m.Detail)
	case DomainEventStarted:
		return DomainEventStartedDetailType(m.Detail)
	case DomainEventSuspended:
		return DomainEventSuspendedDetailType(m.Detail)
	case DomainEventResumed:
		return DomainEventResumedDetailType(m.Detail)
	case DomainEventStopped:
		return DomainEventStoppedDetailType(m.Detail)
	case DomainEventShutdown:
		return DomainEventShutdownDetailType(m.Detail)
	case DomainEventPMSuspended:
		return DomainEventPMSuspendedDetailType(m.Detail)
	case DomainEventCrashed:
		return DomainEventCrashedDetailType(m.Detail)
	}
	return unknownDetail(m.Detail)
}

type unknownDetail int32

func (d unknownDetail) String() string { return fmt.Sprintf("detail(%d)", int32(d)) }
