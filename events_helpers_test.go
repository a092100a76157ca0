package libvirt

import "github.com/virtwire/libvirt/internal/event"

func newTestQueue() *event.Queue[Event] { return event.NewQueue[Event](8, 0) }
