package lvgen

import (
	"fmt"
	"strings"

	"github.com/virtwire/libvirt/internal/lvgen/rpcl"
)

// fieldEnums types int fields of protocol structs with the header enum
// that defines their values, so events and replies carry typed values with
// String methods (a lifecycle event's Event is a DomainEventType, not an
// int32). Every entry must match a field; render checks that.
var fieldEnums = map[string]string{
	"remote_domain_event_lifecycle_msg.event":                        "virDomainEventType",
	"remote_network_event_lifecycle_msg.event":                       "virNetworkEventLifecycleType",
	"remote_storage_pool_event_lifecycle_msg.event":                  "virStoragePoolEventLifecycleType",
	"remote_node_device_event_lifecycle_msg.event":                   "virNodeDeviceEventLifecycleType",
	"remote_secret_event_lifecycle_msg.event":                        "virSecretEventLifecycleType",
	"remote_domain_event_watchdog_msg.action":                        "virDomainEventWatchdogAction",
	"remote_domain_event_io_error_msg.action":                        "virDomainEventIOErrorAction",
	"remote_domain_event_io_error_reason_msg.action":                 "virDomainEventIOErrorAction",
	"remote_domain_event_graphics_msg.phase":                         "virDomainEventGraphicsPhase",
	"remote_domain_event_block_job_msg.type":                         "virDomainBlockJobType",
	"remote_domain_event_block_job_msg.status":                       "virConnectDomainEventBlockJobStatus",
	"remote_domain_event_block_job_2_msg.type":                       "virDomainBlockJobType",
	"remote_domain_event_block_job_2_msg.status":                     "virConnectDomainEventBlockJobStatus",
	"remote_domain_event_disk_change_msg.reason":                     "virConnectDomainEventDiskChangeReason",
	"remote_domain_event_tray_change_msg.reason":                     "virDomainEventTrayChangeReason",
	"remote_domain_event_callback_agent_lifecycle_msg.state":         "virConnectDomainEventAgentLifecycleState",
	"remote_domain_event_callback_agent_lifecycle_msg.reason":        "virConnectDomainEventAgentLifecycleReason",
	"remote_connect_event_connection_closed_msg.reason":              "virConnectCloseReason",
	"remote_domain_event_callback_metadata_change_msg.type":          "virDomainMetadataType",
	"remote_network_event_callback_metadata_change_msg.type":         "virNetworkMetadataType",
	"remote_domain_event_memory_failure_msg.recipient":               "virDomainMemoryFailureRecipientType",
	"remote_domain_event_memory_failure_msg.action":                  "virDomainMemoryFailureActionType",
	"remote_domain_get_state_ret.state":                              "virDomainState",
	"remote_connect_domain_event_callback_register_any_args.eventID": "virDomainEventID",
	"remote_connect_network_event_register_any_args.eventID":         "virNetworkEventID",
	"remote_connect_storage_pool_event_register_any_args.eventID":    "virStoragePoolEventID",
	"remote_connect_node_device_event_register_any_args.eventID":     "virNodeDeviceEventID",
	"remote_connect_secret_event_register_any_args.eventID":          "virSecretEventID",
}

// eventFamilies maps the name prefix of event procedures to the family
// (which registration procedure and callback-ID space they belong to) and
// to the prefix of their event ID constants in the headers.
var eventFamilies = []struct {
	procPrefix, family, idPrefix string
}{
	{"DOMAIN_EVENT_", "familyDomain", "VIR_DOMAIN_EVENT_ID_"},
	{"NETWORK_EVENT_", "familyNetwork", "VIR_NETWORK_EVENT_ID_"},
	{"STORAGE_POOL_EVENT_", "familyStoragePool", "VIR_STORAGE_POOL_EVENT_ID_"},
	{"NODE_DEVICE_EVENT_", "familyNodeDevice", "VIR_NODE_DEVICE_EVENT_ID_"},
	{"SECRET_EVENT_", "familySecret", "VIR_SECRET_EVENT_ID_"},
	{"CONNECT_EVENT_CONNECTION_CLOSED", "familyConnectionClosed", ""},
	{"DOMAIN_MONITOR_EVENT", "familyQEMUMonitor", ""},
}

// renderEvents writes events.gen.go: the Event marker method of every event
// message type and eventTable, which the client's event router uses to
// decode each message and find its subscription.
func (g *generator) renderEvents() error {
	var w codeWriter
	var table codeWriter
	for _, u := range g.units {
		if u.pkg != "libvirt" {
			continue
		}
		procs, err := g.procs(u)
		if err != nil {
			return err
		}
		for _, p := range procs {
			if !p.event() {
				continue
			}
			if err := g.emitEventEntry(&w, &table, u, p); err != nil {
				return err
			}
		}
	}
	w.line("// eventTable describes every event message of the remote and QEMU")
	w.line("// programs: its family, its event ID (-1 where the family has none)")
	w.line("// and how to decode it, returning the callback ID (-1 for messages")
	w.line("// that carry none).")
	w.line("var eventTable = map[eventKey]eventInfo{")
	w.b.WriteString(table.b.String())
	w.line("}")
	return g.put(".", "events.gen.go", "libvirt", g.fileHeader("protocol files"), &w,
		[]string{"github.com/virtwire/libvirt/internal/xdr"})
}

func (g *generator) emitEventEntry(w, table *codeWriter, u *unit, p *proc) error {
	typ := g.defs[p.msg.Name].goName
	family, idPrefix := "", ""
	for _, f := range eventFamilies {
		if strings.HasPrefix(p.base, f.procPrefix) {
			family, idPrefix = f.family, f.idPrefix
			break
		}
	}
	if family == "" {
		return fmt.Errorf("%s: event procedure of no known family", p.member.Name)
	}
	id := "-1"
	if idPrefix != "" {
		for _, pre := range []string{"DOMAIN_EVENT_", "NETWORK_EVENT_", "STORAGE_POOL_EVENT_", "NODE_DEVICE_EVENT_", "SECRET_EVENT_"} {
			if strings.HasPrefix(p.base, pre) {
				name := idPrefix + strings.TrimPrefix(strings.TrimPrefix(p.base, pre), "CALLBACK_")
				c, ok := g.consts[name]
				if !ok {
					return fmt.Errorf("%s: no event ID constant %s in the headers", p.member.Name, name)
				}
				id = fmt.Sprintf("int32(%s)", c.goName)
				break
			}
		}
	}
	cb := "-1"
	for _, f := range p.msg.Fields {
		if f.Name == "callbackID" && f.Kind == rpcl.Scalar && f.Type.Kind == rpcl.Int {
			cb = "m.CallbackID"
		}
	}
	w.line("func (*%s) isEvent() {}", typ)
	w.line("")
	table.line("{%s, int32(Proc%s)}: {%s, %s, func(d *xdr.Decoder) (Event, int32) {", g.consts[u.programC].goName, p.goName, family, id)
	table.line("m := new(%s)", typ)
	table.line("m.DecodeXDR(d)")
	table.line("return m, %s", cb)
	table.line("}},")
	return nil
}
