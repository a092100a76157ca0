package lvgen

// enumWords are the words libvirt's own tools print for some enums (virsh
// list, domstate, pool-list, vcpuinfo, event), keyed by C enum and C
// member name. Enums listed here get a String method printing these words,
// the way users read them, and a GoString method printing the Go constant
// name (what %#v shows). Values without a word print the Go name.
var enumWords = map[string]map[string]string{
	"virDomainState": {
		"VIR_DOMAIN_NOSTATE":     "no state",
		"VIR_DOMAIN_RUNNING":     "running",
		"VIR_DOMAIN_BLOCKED":     "idle",
		"VIR_DOMAIN_PAUSED":      "paused",
		"VIR_DOMAIN_SHUTDOWN":    "in shutdown",
		"VIR_DOMAIN_SHUTOFF":     "shut off",
		"VIR_DOMAIN_CRASHED":     "crashed",
		"VIR_DOMAIN_PMSUSPENDED": "pmsuspended",
	},
	"virDomainEventType": {
		"VIR_DOMAIN_EVENT_DEFINED":     "Defined",
		"VIR_DOMAIN_EVENT_UNDEFINED":   "Undefined",
		"VIR_DOMAIN_EVENT_STARTED":     "Started",
		"VIR_DOMAIN_EVENT_SUSPENDED":   "Suspended",
		"VIR_DOMAIN_EVENT_RESUMED":     "Resumed",
		"VIR_DOMAIN_EVENT_STOPPED":     "Stopped",
		"VIR_DOMAIN_EVENT_SHUTDOWN":    "Shutdown",
		"VIR_DOMAIN_EVENT_PMSUSPENDED": "PMSuspended",
		"VIR_DOMAIN_EVENT_CRASHED":     "Crashed",
	},
	"virStoragePoolState": {
		"VIR_STORAGE_POOL_INACTIVE":     "inactive",
		"VIR_STORAGE_POOL_BUILDING":     "building",
		"VIR_STORAGE_POOL_RUNNING":      "running",
		"VIR_STORAGE_POOL_DEGRADED":     "degraded",
		"VIR_STORAGE_POOL_INACCESSIBLE": "inaccessible",
	},
	"virVcpuState": {
		"VIR_VCPU_OFFLINE": "offline",
		"VIR_VCPU_RUNNING": "running",
		"VIR_VCPU_BLOCKED": "blocked",
	},
}
