package lvgen

import "github.com/virtwire/libvirt/internal/lvgen/rpcl"

// apiFieldEnums types the arguments and results that libvirt's API
// documents as values of a header enum, where the protocol file declares a
// plain integer. It is a reviewed table: the headers cannot tell which
// integer takes which enum. Each entry is checked against the protocol
// (render fails on an entry that matches no integer field), and the
// generator's report counts them with the event fields as "typed enums".
//
// Fields whose enum depends on another field stay integers, with a helper
// that types them: the state reason of DomainGetState and of the
// "state.reason" statistic (DomainStateReason), and the error details of
// DomainGetControlInfo (meaningful only in DomainControlError).
var apiFieldEnums = map[string]string{
	"remote_domain_get_info_ret.state":                    "virDomainState",
	"remote_domain_memory_stat.tag":                       "virDomainMemoryStatTags",
	"remote_domain_get_control_info_ret.state":            "virDomainControlState",
	"remote_domain_get_job_info_ret.type":                 "virDomainJobType",
	"remote_domain_get_job_stats_ret.type":                "virDomainJobType",
	"remote_connect_get_all_domain_stats_args.stats":      "virDomainStatsTypes",
	"remote_vcpu_info.state":                              "virVcpuState",
	"remote_domain_get_block_job_info_ret.type":           "virDomainBlockJobType",
	"remote_domain_ip_addr.type":                          "virIPAddrType",
	"remote_network_dhcp_lease.type":                      "virIPAddrType",
	"remote_storage_pool_get_info_ret.state":              "virStoragePoolState",
	"remote_storage_vol_get_info_ret.type":                "virStorageVolType",
	"remote_storage_vol_get_info_flags_ret.type":          "virStorageVolType",
	"remote_domain_disk_error.error":                      "virDomainDiskErrorCode",
	"remote_domain_send_key_args.codeset":                 "virKeycodeSet",
	"remote_secret_lookup_by_usage_args.usageType":        "virSecretUsageType",
	"remote_nonnull_secret.usageType":                     "virSecretUsageType",
	"remote_domain_set_lifecycle_action_args.type":        "virDomainLifecycle",
	"remote_domain_set_lifecycle_action_args.action":      "virDomainLifecycleAction",
	"remote_domain_graphics_reload_args.type":             "virDomainGraphicsReloadType",
	"remote_domain_set_metadata_args.type":                "virDomainMetadataType",
	"remote_domain_get_metadata_args.type":                "virDomainMetadataType",
	"remote_network_set_metadata_args.type":               "virNetworkMetadataType",
	"remote_network_get_metadata_args.type":               "virNetworkMetadataType",
	"remote_domain_pm_suspend_for_duration_args.target":   "virNodeSuspendTarget",
	"remote_node_suspend_for_duration_args.target":        "virNodeSuspendTarget",
	"remote_domain_core_dump_with_format_args.dumpformat": "virDomainCoreDumpFormat",
	"remote_network_update_args.command":                  "virNetworkUpdateCommand",
	"remote_network_update_args.section":                  "virNetworkUpdateSection",
	"remote_domain_send_process_signal_args.signum":       "virDomainProcessSignal",
	"remote_connect_compare_cpu_ret.result":               "virCPUCompareResult",
	"remote_connect_compare_hypervisor_cpu_ret.result":    "virCPUCompareResult",
	"remote_domain_get_guest_info_args.types":             "virDomainGuestInfoTypes",
	"admin_nonnull_client.transport":                      "virClientTransport",
}

// fieldNamedScalars gives integer fields a hand-written Go type of the
// package (with methods) instead of a header enum: libvirt's version
// numbers are major*1,000,000 + minor*1,000 + micro, which Version splits.
var fieldNamedScalars = map[string]string{
	"remote_connect_get_lib_version_ret.lib_ver": "Version",
	"remote_connect_get_version_ret.hv_ver":      "Version",
}

func init() {
	for k, v := range apiFieldEnums {
		fieldEnums[k] = v
	}
}

// enumWire maps the wire type of an enum-typed field to how it is encoded:
// unsigned and signed chars travel as 4-byte words like the ints (XDR has
// no narrower type). An enum value is kept whole rather than truncated to
// the char's range, since libvirt only sends values of the enum there.
func enumWire(k rpcl.TypeKind) (rpcl.TypeKind, bool) {
	switch k {
	case rpcl.Int, rpcl.Char, rpcl.Short:
		return rpcl.Int, true
	case rpcl.UInt, rpcl.UChar, rpcl.UShort:
		return rpcl.UInt, true
	case rpcl.Hyper, rpcl.UHyper:
		return k, true
	}
	return 0, false
}
