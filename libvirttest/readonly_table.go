package libvirttest

import (
	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/protocol"
)

// The procedures libvirt's public API refuses on a read-only connection
// (VIR_CONNECT_RO), with the API function libvirtd calls for each and the
// error domain of that function's source file (src/libvirt-domain.c is
// VIR_FROM_DOMAIN, libvirt-domain-snapshot.c VIR_FROM_DOMAIN_SNAPSHOT,
// libvirt-qemu.c VIR_FROM_NONE, ...). Facts from libvirt 11.3.0: every
// public function whose body has the read-only check, mapped to its
// procedure. libvirt 9.0 differs in one entry, virNodeDeviceGetAutostart,
// which it also refused; the fake answers as 11.3.
//
// Most are refused whatever their arguments (always). when refuses only
// the calls on the path where the API checks (a guest agent query,
// VIR_DOMAIN_VCPU_GUEST). after first makes the argument checks that
// libvirt (its public API or libvirtd's dispatcher) makes before the
// read-only check, and reports their errors on any connection. secure
// refuses the flags that would reveal secrets, with its own message.
//
// Left out: virDomainOpenGraphics and virDomainFDAssociate take file
// descriptors, which libvirtd requires before it calls the API and this
// server never receives; virConnectDomainQemuMonitorEventDeregister is
// preceded by libvirtd's own look-up of the callback, which a read-only
// connection cannot have registered.
var readOnlyRemote = map[libvirt.Procedure]roRule{
	libvirt.ProcDomainAttachDevice: {"virDomainAttachDevice", libvirt.FromDomain, always[protocol.DomainAttachDeviceArgs]()},
	libvirt.ProcDomainCreate:       {"virDomainCreate", libvirt.FromDomain, always[protocol.DomainCreateArgs]()},
	libvirt.ProcDomainCreateXML:    {"virDomainCreateXML", libvirt.FromDomain, always[protocol.DomainCreateXMLArgs]()},
	libvirt.ProcDomainDefineXML:    {"virDomainDefineXML", libvirt.FromDomain, always[protocol.DomainDefineXMLArgs]()},
	libvirt.ProcDomainDestroy:      {"virDomainDestroy", libvirt.FromDomain, always[protocol.DomainDestroyArgs]()},
	libvirt.ProcDomainDetachDevice: {"virDomainDetachDevice", libvirt.FromDomain, always[protocol.DomainDetachDeviceArgs]()},
	libvirt.ProcDomainGetXMLDesc: {"virDomainGetXMLDesc", libvirt.FromDomain, secure(func(a *protocol.DomainGetXMLDescArgs) bool {
		return a.Flags&(libvirt.DomainXMLSecure|libvirt.DomainXMLMigratable) != 0
	})},
	libvirt.ProcDomainPinVCPU:                 {"virDomainPinVcpu", libvirt.FromDomain, always[protocol.DomainPinVCPUArgs]()},
	libvirt.ProcDomainReboot:                  {"virDomainReboot", libvirt.FromDomain, always[protocol.DomainRebootArgs]()},
	libvirt.ProcDomainResume:                  {"virDomainResume", libvirt.FromDomain, always[protocol.DomainResumeArgs]()},
	libvirt.ProcDomainSetAutostart:            {"virDomainSetAutostart", libvirt.FromDomain, always[protocol.DomainSetAutostartArgs]()},
	libvirt.ProcDomainSetMaxMemory:            {"virDomainSetMaxMemory", libvirt.FromDomain, always[protocol.DomainSetMaxMemoryArgs]()},
	libvirt.ProcDomainSetMemory:               {"virDomainSetMemory", libvirt.FromDomain, always[protocol.DomainSetMemoryArgs]()},
	libvirt.ProcDomainSetVCPUs:                {"virDomainSetVcpus", libvirt.FromDomain, always[protocol.DomainSetVCPUsArgs]()},
	libvirt.ProcDomainShutdown:                {"virDomainShutdown", libvirt.FromDomain, always[protocol.DomainShutdownArgs]()},
	libvirt.ProcDomainSuspend:                 {"virDomainSuspend", libvirt.FromDomain, always[protocol.DomainSuspendArgs]()},
	libvirt.ProcDomainUndefine:                {"virDomainUndefine", libvirt.FromDomain, always[protocol.DomainUndefineArgs]()},
	libvirt.ProcNetworkCreate:                 {"virNetworkCreate", libvirt.FromNetwork, always[protocol.NetworkCreateArgs]()},
	libvirt.ProcNetworkCreateXML:              {"virNetworkCreateXML", libvirt.FromNetwork, always[protocol.NetworkCreateXMLArgs]()},
	libvirt.ProcNetworkDefineXML:              {"virNetworkDefineXML", libvirt.FromNetwork, always[protocol.NetworkDefineXMLArgs]()},
	libvirt.ProcNetworkDestroy:                {"virNetworkDestroy", libvirt.FromNetwork, always[protocol.NetworkDestroyArgs]()},
	libvirt.ProcNetworkSetAutostart:           {"virNetworkSetAutostart", libvirt.FromNetwork, always[protocol.NetworkSetAutostartArgs]()},
	libvirt.ProcNetworkUndefine:               {"virNetworkUndefine", libvirt.FromNetwork, always[protocol.NetworkUndefineArgs]()},
	libvirt.ProcDomainCoreDump:                {"virDomainCoreDump", libvirt.FromDomain, always[protocol.DomainCoreDumpArgs]()},
	libvirt.ProcDomainRestore:                 {"virDomainRestore", libvirt.FromDomain, always[protocol.DomainRestoreArgs]()},
	libvirt.ProcDomainSave:                    {"virDomainSave", libvirt.FromDomain, always[protocol.DomainSaveArgs]()},
	libvirt.ProcDomainSetSchedulerParameters:  {"virDomainSetSchedulerParameters", libvirt.FromDomain, always[protocol.DomainSetSchedulerParametersArgs]()},
	libvirt.ProcDomainMigratePrepare:          {"virDomainMigratePrepare", libvirt.FromDomain, always[protocol.DomainMigratePrepareArgs]()},
	libvirt.ProcDomainMigratePerform:          {"virDomainMigratePerform", libvirt.FromDomain, always[protocol.DomainMigratePerformArgs]()},
	libvirt.ProcDomainMigrateFinish:           {"virDomainMigrateFinish", libvirt.FromDomain, always[protocol.DomainMigrateFinishArgs]()},
	libvirt.ProcConnectFindStoragePoolSources: {"virConnectFindStoragePoolSources", libvirt.FromStorage, always[protocol.ConnectFindStoragePoolSourcesArgs]()},
	libvirt.ProcStoragePoolCreateXML:          {"virStoragePoolCreateXML", libvirt.FromStorage, always[protocol.StoragePoolCreateXMLArgs]()},
	libvirt.ProcStoragePoolDefineXML:          {"virStoragePoolDefineXML", libvirt.FromStorage, always[protocol.StoragePoolDefineXMLArgs]()},
	libvirt.ProcStoragePoolCreate:             {"virStoragePoolCreate", libvirt.FromStorage, always[protocol.StoragePoolCreateArgs]()},
	libvirt.ProcStoragePoolBuild:              {"virStoragePoolBuild", libvirt.FromStorage, always[protocol.StoragePoolBuildArgs]()},
	libvirt.ProcStoragePoolDestroy:            {"virStoragePoolDestroy", libvirt.FromStorage, always[protocol.StoragePoolDestroyArgs]()},
	libvirt.ProcStoragePoolDelete:             {"virStoragePoolDelete", libvirt.FromStorage, always[protocol.StoragePoolDeleteArgs]()},
	libvirt.ProcStoragePoolUndefine:           {"virStoragePoolUndefine", libvirt.FromStorage, always[protocol.StoragePoolUndefineArgs]()},
	libvirt.ProcStoragePoolRefresh:            {"virStoragePoolRefresh", libvirt.FromStorage, always[protocol.StoragePoolRefreshArgs]()},
	libvirt.ProcStoragePoolSetAutostart:       {"virStoragePoolSetAutostart", libvirt.FromStorage, always[protocol.StoragePoolSetAutostartArgs]()},
	libvirt.ProcStorageVolCreateXML:           {"virStorageVolCreateXML", libvirt.FromStorage, always[protocol.StorageVolCreateXMLArgs]()},
	libvirt.ProcStorageVolDelete:              {"virStorageVolDelete", libvirt.FromStorage, always[protocol.StorageVolDeleteArgs]()},
	libvirt.ProcDomainBlockPeek:               {"virDomainBlockPeek", libvirt.FromDomain, after(func(a *protocol.DomainBlockPeekArgs) error { return peekSize(a.Size, libvirt.DomainBlockPeekBufferMax) })},
	libvirt.ProcDomainMemoryPeek: {"virDomainMemoryPeek", libvirt.FromDomain, after(func(a *protocol.DomainMemoryPeekArgs) error {
		return peekSize(a.Size, libvirt.DomainMemoryPeekBufferMax)
	})},
	libvirt.ProcDomainMigratePrepare2:       {"virDomainMigratePrepare2", libvirt.FromDomain, always[protocol.DomainMigratePrepare2Args]()},
	libvirt.ProcDomainMigrateFinish2:        {"virDomainMigrateFinish2", libvirt.FromDomain, always[protocol.DomainMigrateFinish2Args]()},
	libvirt.ProcNodeDeviceDettach:           {"virNodeDeviceDettach", libvirt.FromNodedev, always[protocol.NodeDeviceDettachArgs]()},
	libvirt.ProcNodeDeviceReAttach:          {"virNodeDeviceReAttach", libvirt.FromNodedev, always[protocol.NodeDeviceReAttachArgs]()},
	libvirt.ProcNodeDeviceReset:             {"virNodeDeviceReset", libvirt.FromNodedev, always[protocol.NodeDeviceResetArgs]()},
	libvirt.ProcNodeDeviceCreateXML:         {"virNodeDeviceCreateXML", libvirt.FromNodedev, always[protocol.NodeDeviceCreateXMLArgs]()},
	libvirt.ProcNodeDeviceDestroy:           {"virNodeDeviceDestroy", libvirt.FromNodedev, always[protocol.NodeDeviceDestroyArgs]()},
	libvirt.ProcStorageVolCreateXMLFrom:     {"virStorageVolCreateXMLFrom", libvirt.FromStorage, always[protocol.StorageVolCreateXMLFromArgs]()},
	libvirt.ProcInterfaceDefineXML:          {"virInterfaceDefineXML", libvirt.FromInterface, always[protocol.InterfaceDefineXMLArgs]()},
	libvirt.ProcInterfaceUndefine:           {"virInterfaceUndefine", libvirt.FromInterface, always[protocol.InterfaceUndefineArgs]()},
	libvirt.ProcInterfaceCreate:             {"virInterfaceCreate", libvirt.FromInterface, always[protocol.InterfaceCreateArgs]()},
	libvirt.ProcInterfaceDestroy:            {"virInterfaceDestroy", libvirt.FromInterface, always[protocol.InterfaceDestroyArgs]()},
	libvirt.ProcConnectDomainXMLFromNative:  {"virConnectDomainXMLFromNative", libvirt.FromDomain, always[protocol.ConnectDomainXMLFromNativeArgs]()},
	libvirt.ProcConnectDomainXMLToNative:    {"virConnectDomainXMLToNative", libvirt.FromDomain, always[protocol.ConnectDomainXMLToNativeArgs]()},
	libvirt.ProcSecretDefineXML:             {"virSecretDefineXML", libvirt.FromSecret, always[protocol.SecretDefineXMLArgs]()},
	libvirt.ProcSecretSetValue:              {"virSecretSetValue", libvirt.FromSecret, always[protocol.SecretSetValueArgs]()},
	libvirt.ProcSecretGetValue:              {"virSecretGetValue", libvirt.FromSecret, always[protocol.SecretGetValueArgs]()},
	libvirt.ProcSecretUndefine:              {"virSecretUndefine", libvirt.FromSecret, always[protocol.SecretUndefineArgs]()},
	libvirt.ProcDomainMigratePrepareTunnel:  {"virDomainMigratePrepareTunnel", libvirt.FromDomain, always[protocol.DomainMigratePrepareTunnelArgs]()},
	libvirt.ProcDomainAttachDeviceFlags:     {"virDomainAttachDeviceFlags", libvirt.FromDomain, always[protocol.DomainAttachDeviceFlagsArgs]()},
	libvirt.ProcDomainDetachDeviceFlags:     {"virDomainDetachDeviceFlags", libvirt.FromDomain, always[protocol.DomainDetachDeviceFlagsArgs]()},
	libvirt.ProcDomainAbortJob:              {"virDomainAbortJob", libvirt.FromDomain, always[protocol.DomainAbortJobArgs]()},
	libvirt.ProcStorageVolWipe:              {"virStorageVolWipe", libvirt.FromStorage, always[protocol.StorageVolWipeArgs]()},
	libvirt.ProcDomainMigrateSetMaxDowntime: {"virDomainMigrateSetMaxDowntime", libvirt.FromDomain, always[protocol.DomainMigrateSetMaxDowntimeArgs]()},
	libvirt.ProcDomainUpdateDeviceFlags:     {"virDomainUpdateDeviceFlags", libvirt.FromDomain, always[protocol.DomainUpdateDeviceFlagsArgs]()},
	libvirt.ProcNWFilterDefineXML:           {"virNWFilterDefineXML", libvirt.FromNWFilter, always[protocol.NWFilterDefineXMLArgs]()},
	libvirt.ProcNWFilterUndefine:            {"virNWFilterUndefine", libvirt.FromNWFilter, always[protocol.NWFilterUndefineArgs]()},
	libvirt.ProcDomainManagedSave:           {"virDomainManagedSave", libvirt.FromDomain, always[protocol.DomainManagedSaveArgs]()},
	libvirt.ProcDomainManagedSaveRemove:     {"virDomainManagedSaveRemove", libvirt.FromDomain, always[protocol.DomainManagedSaveRemoveArgs]()},
	libvirt.ProcDomainSnapshotCreateXML:     {"virDomainSnapshotCreateXML", libvirt.FromDomainSnapshot, always[protocol.DomainSnapshotCreateXMLArgs]()},
	libvirt.ProcDomainSnapshotGetXMLDesc: {"virDomainSnapshotGetXMLDesc", libvirt.FromDomainSnapshot, secure(func(a *protocol.DomainSnapshotGetXMLDescArgs) bool {
		return a.Flags&libvirt.DomainSnapshotXMLSecure != 0
	})},
	libvirt.ProcDomainRevertToSnapshot:            {"virDomainRevertToSnapshot", libvirt.FromDomainSnapshot, always[protocol.DomainRevertToSnapshotArgs]()},
	libvirt.ProcDomainSnapshotDelete:              {"virDomainSnapshotDelete", libvirt.FromDomainSnapshot, always[protocol.DomainSnapshotDeleteArgs]()},
	libvirt.ProcDomainCreateWithFlags:             {"virDomainCreateWithFlags", libvirt.FromDomain, always[protocol.DomainCreateWithFlagsArgs]()},
	libvirt.ProcDomainSetMemoryParameters:         {"virDomainSetMemoryParameters", libvirt.FromDomain, always[protocol.DomainSetMemoryParametersArgs]()},
	libvirt.ProcDomainSetVCPUsFlags:               {"virDomainSetVcpusFlags", libvirt.FromDomain, always[protocol.DomainSetVCPUsFlagsArgs]()},
	libvirt.ProcDomainGetVCPUsFlags:               {"virDomainGetVcpusFlags", libvirt.FromDomain, when(func(a *protocol.DomainGetVCPUsFlagsArgs) bool { return a.Flags&libvirt.DomainVCPUGuest != 0 })},
	libvirt.ProcDomainOpenConsole:                 {"virDomainOpenConsole", libvirt.FromDomain, always[protocol.DomainOpenConsoleArgs]()},
	libvirt.ProcDomainSetMemoryFlags:              {"virDomainSetMemoryFlags", libvirt.FromDomain, always[protocol.DomainSetMemoryFlagsArgs]()},
	libvirt.ProcDomainSetBlkioParameters:          {"virDomainSetBlkioParameters", libvirt.FromDomain, always[protocol.DomainSetBlkioParametersArgs]()},
	libvirt.ProcDomainMigrateSetMaxSpeed:          {"virDomainMigrateSetMaxSpeed", libvirt.FromDomain, always[protocol.DomainMigrateSetMaxSpeedArgs]()},
	libvirt.ProcStorageVolUpload:                  {"virStorageVolUpload", libvirt.FromStorage, always[protocol.StorageVolUploadArgs]()},
	libvirt.ProcStorageVolDownload:                {"virStorageVolDownload", libvirt.FromStorage, always[protocol.StorageVolDownloadArgs]()},
	libvirt.ProcDomainInjectNMI:                   {"virDomainInjectNMI", libvirt.FromDomain, always[protocol.DomainInjectNMIArgs]()},
	libvirt.ProcDomainScreenshot:                  {"virDomainScreenshot", libvirt.FromDomain, always[protocol.DomainScreenshotArgs]()},
	libvirt.ProcDomainMigrateBegin3:               {"virDomainMigrateBegin3", libvirt.FromDomain, always[protocol.DomainMigrateBegin3Args]()},
	libvirt.ProcDomainMigratePrepare3:             {"virDomainMigratePrepare3", libvirt.FromDomain, always[protocol.DomainMigratePrepare3Args]()},
	libvirt.ProcDomainMigratePrepareTunnel3:       {"virDomainMigratePrepareTunnel3", libvirt.FromDomain, always[protocol.DomainMigratePrepareTunnel3Args]()},
	libvirt.ProcDomainMigratePerform3:             {"virDomainMigratePerform3", libvirt.FromDomain, always[protocol.DomainMigratePerform3Args]()},
	libvirt.ProcDomainMigrateFinish3:              {"virDomainMigrateFinish3", libvirt.FromDomain, always[protocol.DomainMigrateFinish3Args]()},
	libvirt.ProcDomainMigrateConfirm3:             {"virDomainMigrateConfirm3", libvirt.FromDomain, always[protocol.DomainMigrateConfirm3Args]()},
	libvirt.ProcDomainSetSchedulerParametersFlags: {"virDomainSetSchedulerParametersFlags", libvirt.FromDomain, always[protocol.DomainSetSchedulerParametersFlagsArgs]()},
	libvirt.ProcInterfaceChangeBegin:              {"virInterfaceChangeBegin", libvirt.FromInterface, always[protocol.InterfaceChangeBeginArgs]()},
	libvirt.ProcInterfaceChangeCommit:             {"virInterfaceChangeCommit", libvirt.FromInterface, always[protocol.InterfaceChangeCommitArgs]()},
	libvirt.ProcInterfaceChangeRollback:           {"virInterfaceChangeRollback", libvirt.FromInterface, always[protocol.InterfaceChangeRollbackArgs]()},
	libvirt.ProcDomainPinVCPUFlags:                {"virDomainPinVcpuFlags", libvirt.FromDomain, always[protocol.DomainPinVCPUFlagsArgs]()},
	libvirt.ProcDomainSendKey:                     {"virDomainSendKey", libvirt.FromDomain, always[protocol.DomainSendKeyArgs]()},
	libvirt.ProcDomainUndefineFlags:               {"virDomainUndefineFlags", libvirt.FromDomain, always[protocol.DomainUndefineFlagsArgs]()},
	libvirt.ProcDomainSaveFlags:                   {"virDomainSaveFlags", libvirt.FromDomain, always[protocol.DomainSaveFlagsArgs]()},
	libvirt.ProcDomainRestoreFlags:                {"virDomainRestoreFlags", libvirt.FromDomain, always[protocol.DomainRestoreFlagsArgs]()},
	libvirt.ProcDomainDestroyFlags:                {"virDomainDestroyFlags", libvirt.FromDomain, always[protocol.DomainDestroyFlagsArgs]()},
	libvirt.ProcDomainSaveImageGetXMLDesc:         {"virDomainSaveImageGetXMLDesc", libvirt.FromDomain, always[protocol.DomainSaveImageGetXMLDescArgs]()},
	libvirt.ProcDomainSaveImageDefineXML:          {"virDomainSaveImageDefineXML", libvirt.FromDomain, always[protocol.DomainSaveImageDefineXMLArgs]()},
	libvirt.ProcDomainBlockJobAbort:               {"virDomainBlockJobAbort", libvirt.FromDomain, always[protocol.DomainBlockJobAbortArgs]()},
	libvirt.ProcDomainBlockJobSetSpeed:            {"virDomainBlockJobSetSpeed", libvirt.FromDomain, always[protocol.DomainBlockJobSetSpeedArgs]()},
	libvirt.ProcDomainBlockPull:                   {"virDomainBlockPull", libvirt.FromDomain, always[protocol.DomainBlockPullArgs]()},
	libvirt.ProcDomainMigrateGetMaxSpeed:          {"virDomainMigrateGetMaxSpeed", libvirt.FromDomain, always[protocol.DomainMigrateGetMaxSpeedArgs]()},
	libvirt.ProcDomainReset:                       {"virDomainReset", libvirt.FromDomain, always[protocol.DomainResetArgs]()},
	libvirt.ProcNodeSuspendForDuration:            {"virNodeSuspendForDuration", libvirt.FromDomain, always[protocol.NodeSuspendForDurationArgs]()},
	libvirt.ProcDomainBlockResize:                 {"virDomainBlockResize", libvirt.FromDomain, always[protocol.DomainBlockResizeArgs]()},
	libvirt.ProcDomainSetBlockIOTune:              {"virDomainSetBlockIoTune", libvirt.FromDomain, always[protocol.DomainSetBlockIOTuneArgs]()},
	libvirt.ProcDomainSetNUMAParameters:           {"virDomainSetNumaParameters", libvirt.FromDomain, always[protocol.DomainSetNUMAParametersArgs]()},
	libvirt.ProcDomainSetInterfaceParameters:      {"virDomainSetInterfaceParameters", libvirt.FromDomain, always[protocol.DomainSetInterfaceParametersArgs]()},
	libvirt.ProcDomainShutdownFlags:               {"virDomainShutdownFlags", libvirt.FromDomain, always[protocol.DomainShutdownFlagsArgs]()},
	libvirt.ProcStorageVolWipePattern:             {"virStorageVolWipePattern", libvirt.FromStorage, always[protocol.StorageVolWipePatternArgs]()},
	libvirt.ProcStorageVolResize:                  {"virStorageVolResize", libvirt.FromStorage, always[protocol.StorageVolResizeArgs]()},
	libvirt.ProcDomainPMSuspendForDuration:        {"virDomainPMSuspendForDuration", libvirt.FromDomain, always[protocol.DomainPMSuspendForDurationArgs]()},
	libvirt.ProcDomainSetMetadata:                 {"virDomainSetMetadata", libvirt.FromDomain, always[protocol.DomainSetMetadataArgs]()},
	libvirt.ProcDomainBlockRebase:                 {"virDomainBlockRebase", libvirt.FromDomain, always[protocol.DomainBlockRebaseArgs]()},
	libvirt.ProcDomainPMWakeup:                    {"virDomainPMWakeup", libvirt.FromDomain, always[protocol.DomainPMWakeupArgs]()},
	libvirt.ProcDomainGetHostname:                 {"virDomainGetHostname", libvirt.FromDomain, always[protocol.DomainGetHostnameArgs]()},
	libvirt.ProcDomainPinEmulator:                 {"virDomainPinEmulator", libvirt.FromDomain, always[protocol.DomainPinEmulatorArgs]()},
	libvirt.ProcNodeSetMemoryParameters:           {"virNodeSetMemoryParameters", libvirt.FromDomain, always[protocol.NodeSetMemoryParametersArgs]()},
	libvirt.ProcDomainBlockCommit:                 {"virDomainBlockCommit", libvirt.FromDomain, always[protocol.DomainBlockCommitArgs]()},
	libvirt.ProcNetworkUpdate:                     {"virNetworkUpdate", libvirt.FromNetwork, always[protocol.NetworkUpdateArgs]()},
	libvirt.ProcDomainFSTrim:                      {"virDomainFSTrim", libvirt.FromDomain, always[protocol.DomainFSTrimArgs]()},
	libvirt.ProcDomainSendProcessSignal: {"virDomainSendProcessSignal", libvirt.FromDomain, after(func(a *protocol.DomainSendProcessSignalArgs) error {
		if a.PidValue == 0 {
			return argError(libvirt.FromDomain, "virDomainSendProcessSignal", "pid_value", "pid_value in virDomainSendProcessSignal must not be zero")
		}
		return nil
	})},
	libvirt.ProcDomainOpenChannel:                 {"virDomainOpenChannel", libvirt.FromDomain, always[protocol.DomainOpenChannelArgs]()},
	libvirt.ProcDomainMigrateSetCompressionCache:  {"virDomainMigrateSetCompressionCache", libvirt.FromDomain, always[protocol.DomainMigrateSetCompressionCacheArgs]()},
	libvirt.ProcNodeDeviceDetachFlags:             {"virNodeDeviceDetachFlags", libvirt.FromNodedev, always[protocol.NodeDeviceDetachFlagsArgs]()},
	libvirt.ProcDomainMigrateBegin3Params:         {"virDomainMigrateBegin3Params", libvirt.FromDomain, always[protocol.DomainMigrateBegin3ParamsArgs]()},
	libvirt.ProcDomainMigratePrepare3Params:       {"virDomainMigratePrepare3Params", libvirt.FromDomain, always[protocol.DomainMigratePrepare3ParamsArgs]()},
	libvirt.ProcDomainMigratePrepareTunnel3Params: {"virDomainMigratePrepareTunnel3Params", libvirt.FromDomain, always[protocol.DomainMigratePrepareTunnel3ParamsArgs]()},
	libvirt.ProcDomainMigratePerform3Params:       {"virDomainMigratePerform3Params", libvirt.FromDomain, always[protocol.DomainMigratePerform3ParamsArgs]()},
	libvirt.ProcDomainMigrateFinish3Params:        {"virDomainMigrateFinish3Params", libvirt.FromDomain, always[protocol.DomainMigrateFinish3ParamsArgs]()},
	libvirt.ProcDomainMigrateConfirm3Params:       {"virDomainMigrateConfirm3Params", libvirt.FromDomain, always[protocol.DomainMigrateConfirm3ParamsArgs]()},
	libvirt.ProcDomainSetMemoryStatsPeriod:        {"virDomainSetMemoryStatsPeriod", libvirt.FromDomain, always[protocol.DomainSetMemoryStatsPeriodArgs]()},
	libvirt.ProcDomainCreateXMLWithFiles:          {"virDomainCreateXMLWithFiles", libvirt.FromDomain, always[protocol.DomainCreateXMLWithFilesArgs]()},
	libvirt.ProcDomainCreateWithFiles:             {"virDomainCreateWithFiles", libvirt.FromDomain, always[protocol.DomainCreateWithFilesArgs]()},
	libvirt.ProcDomainCoreDumpWithFormat:          {"virDomainCoreDumpWithFormat", libvirt.FromDomain, always[protocol.DomainCoreDumpWithFormatArgs]()},
	libvirt.ProcDomainFSFreeze:                    {"virDomainFSFreeze", libvirt.FromDomain, always[protocol.DomainFSFreezeArgs]()},
	libvirt.ProcDomainFSThaw:                      {"virDomainFSThaw", libvirt.FromDomain, always[protocol.DomainFSThawArgs]()},
	libvirt.ProcDomainGetTime:                     {"virDomainGetTime", libvirt.FromDomain, always[protocol.DomainGetTimeArgs]()},
	libvirt.ProcDomainSetTime:                     {"virDomainSetTime", libvirt.FromDomain, always[protocol.DomainSetTimeArgs]()},
	libvirt.ProcConnectGetDomainCapabilities:      {"virConnectGetDomainCapabilities", libvirt.FromDomain, always[protocol.ConnectGetDomainCapabilitiesArgs]()},
	libvirt.ProcDomainOpenGraphicsFD:              {"virDomainOpenGraphicsFD", libvirt.FromDomain, always[protocol.DomainOpenGraphicsFDArgs]()},
	libvirt.ProcDomainBlockCopy:                   {"virDomainBlockCopy", libvirt.FromDomain, always[protocol.DomainBlockCopyArgs]()},
	libvirt.ProcNodeAllocPages:                    {"virNodeAllocPages", libvirt.FromDomain, always[protocol.NodeAllocPagesArgs]()},
	libvirt.ProcDomainGetFSInfo:                   {"virDomainGetFSInfo", libvirt.FromDomain, always[protocol.DomainGetFSInfoArgs]()},
	libvirt.ProcDomainDefineXMLFlags:              {"virDomainDefineXMLFlags", libvirt.FromDomain, always[protocol.DomainDefineXMLFlagsArgs]()},
	libvirt.ProcDomainPinIOThread:                 {"virDomainPinIOThread", libvirt.FromDomain, always[protocol.DomainPinIOThreadArgs]()},
	libvirt.ProcDomainInterfaceAddresses: {"virDomainInterfaceAddresses", libvirt.FromDomain, when(func(a *protocol.DomainInterfaceAddressesArgs) bool {
		return a.Source == uint32(libvirt.DomainInterfaceAddressesSrcAgent)
	})},
	libvirt.ProcDomainAddIOThread:     {"virDomainAddIOThread", libvirt.FromDomain, always[protocol.DomainAddIOThreadArgs]()},
	libvirt.ProcDomainDelIOThread:     {"virDomainDelIOThread", libvirt.FromDomain, always[protocol.DomainDelIOThreadArgs]()},
	libvirt.ProcDomainSetUserPassword: {"virDomainSetUserPassword", libvirt.FromDomain, always[protocol.DomainSetUserPasswordArgs]()},
	libvirt.ProcDomainRename: {"virDomainRename", libvirt.FromDomain, after(func(a *protocol.DomainRenameArgs) error {
		switch {
		case a.NewName == nil:
			return argError(libvirt.FromDomain, "virDomainRename", "new_name", "new_name in virDomainRename must not be NULL")
		case *a.NewName == "":
			return argError(libvirt.FromDomain, "virDomainRename", "new_name", "string new_name in virDomainRename must not be empty")
		}
		return nil
	})},
	libvirt.ProcDomainMigrateStartPostCopy: {"virDomainMigrateStartPostCopy", libvirt.FromDomain, always[protocol.DomainMigrateStartPostCopyArgs]()},
	libvirt.ProcDomainSetPerfEvents:        {"virDomainSetPerfEvents", libvirt.FromDomain, always[protocol.DomainSetPerfEventsArgs]()},
	libvirt.ProcDomainGetGuestVCPUs:        {"virDomainGetGuestVcpus", libvirt.FromDomain, always[protocol.DomainGetGuestVCPUsArgs]()},
	libvirt.ProcDomainSetGuestVCPUs:        {"virDomainSetGuestVcpus", libvirt.FromDomain, always[protocol.DomainSetGuestVCPUsArgs]()},
	libvirt.ProcDomainSetVCPU:              {"virDomainSetVcpu", libvirt.FromDomain, always[protocol.DomainSetVCPUArgs]()},
	libvirt.ProcDomainSetBlockThreshold:    {"virDomainSetBlockThreshold", libvirt.FromDomain, always[protocol.DomainSetBlockThresholdArgs]()},
	libvirt.ProcDomainManagedSaveGetXMLDesc: {"virDomainManagedSaveGetXMLDesc", libvirt.FromDomain, secure(func(a *protocol.DomainManagedSaveGetXMLDescArgs) bool {
		return a.Flags&libvirt.DomainSaveImageXMLSecure != 0
	})},
	libvirt.ProcDomainManagedSaveDefineXML: {"virDomainManagedSaveDefineXML", libvirt.FromDomain, after(func(a *protocol.DomainManagedSaveDefineXMLArgs) error {
		return exclusive("virDomainManagedSaveDefineXML", uint32(a.Flags), uint32(libvirt.DomainSaveRunning), uint32(libvirt.DomainSavePaused), "VIR_DOMAIN_SAVE_RUNNING", "VIR_DOMAIN_SAVE_PAUSED")
	})},
	libvirt.ProcDomainSetLifecycleAction:     {"virDomainSetLifecycleAction", libvirt.FromDomain, always[protocol.DomainSetLifecycleActionArgs]()},
	libvirt.ProcDomainDetachDeviceAlias:      {"virDomainDetachDeviceAlias", libvirt.FromDomain, always[protocol.DomainDetachDeviceAliasArgs]()},
	libvirt.ProcConnectCompareHypervisorCPU:  {"virConnectCompareHypervisorCPU", libvirt.FromDomain, always[protocol.ConnectCompareHypervisorCPUArgs]()},
	libvirt.ProcConnectBaselineHypervisorCPU: {"virConnectBaselineHypervisorCPU", libvirt.FromDomain, always[protocol.ConnectBaselineHypervisorCPUArgs]()},
	libvirt.ProcNodeGetSEVInfo:               {"virNodeGetSEVInfo", libvirt.FromDomain, always[protocol.NodeGetSEVInfoArgs]()},
	libvirt.ProcDomainGetLaunchSecurityInfo:  {"virDomainGetLaunchSecurityInfo", libvirt.FromDomain, always[protocol.DomainGetLaunchSecurityInfoArgs]()},
	libvirt.ProcNWFilterBindingCreateXML:     {"virNWFilterBindingCreateXML", libvirt.FromNWFilter, always[protocol.NWFilterBindingCreateXMLArgs]()},
	libvirt.ProcNWFilterBindingDelete:        {"virNWFilterBindingDelete", libvirt.FromNWFilter, always[protocol.NWFilterBindingDeleteArgs]()},
	libvirt.ProcDomainSetIOThreadParams:      {"virDomainSetIOThreadParams", libvirt.FromDomain, always[protocol.DomainSetIOThreadParamsArgs]()},
	libvirt.ProcNetworkPortCreateXML:         {"virNetworkPortCreateXML", libvirt.FromNetwork, always[protocol.NetworkPortCreateXMLArgs]()},
	libvirt.ProcNetworkPortSetParameters:     {"virNetworkPortSetParameters", libvirt.FromNetwork, always[protocol.NetworkPortSetParametersArgs]()},
	libvirt.ProcNetworkPortDelete:            {"virNetworkPortDelete", libvirt.FromNetwork, always[protocol.NetworkPortDeleteArgs]()},
	libvirt.ProcDomainCheckpointCreateXML:    {"virDomainCheckpointCreateXML", libvirt.FromDomainCheckpoint, always[protocol.DomainCheckpointCreateXMLArgs]()},
	libvirt.ProcDomainCheckpointGetXMLDesc: {"virDomainCheckpointGetXMLDesc", libvirt.FromDomainCheckpoint, secure(func(a *protocol.DomainCheckpointGetXMLDescArgs) bool {
		return a.Flags&libvirt.DomainCheckpointXMLSecure != 0
	})},
	libvirt.ProcDomainCheckpointDelete:        {"virDomainCheckpointDelete", libvirt.FromDomainCheckpoint, always[protocol.DomainCheckpointDeleteArgs]()},
	libvirt.ProcDomainGetGuestInfo:            {"virDomainGetGuestInfo", libvirt.FromDomain, always[protocol.DomainGetGuestInfoArgs]()},
	libvirt.ProcDomainAgentSetResponseTimeout: {"virDomainAgentSetResponseTimeout", libvirt.FromDomain, always[protocol.DomainAgentSetResponseTimeoutArgs]()},
	libvirt.ProcDomainBackupBegin:             {"virDomainBackupBegin", libvirt.FromDomain, always[protocol.DomainBackupBeginArgs]()},
	libvirt.ProcDomainAuthorizedSSHKeysGet:    {"virDomainAuthorizedSSHKeysGet", libvirt.FromDomain, always[protocol.DomainAuthorizedSSHKeysGetArgs]()},
	libvirt.ProcDomainAuthorizedSSHKeysSet: {"virDomainAuthorizedSSHKeysSet", libvirt.FromDomain, after(func(a *protocol.DomainAuthorizedSSHKeysSetArgs) error {
		return exclusive("virDomainAuthorizedSSHKeysSet", uint32(a.Flags), uint32(libvirt.DomainAuthorizedSSHKeysSetAppend), uint32(libvirt.DomainAuthorizedSSHKeysSetRemove),
			"VIR_DOMAIN_AUTHORIZED_SSH_KEYS_SET_APPEND", "VIR_DOMAIN_AUTHORIZED_SSH_KEYS_SET_REMOVE")
	})},
	libvirt.ProcDomainStartDirtyRateCalc: {"virDomainStartDirtyRateCalc", libvirt.FromDomain, always[protocol.DomainStartDirtyRateCalcArgs]()},
	libvirt.ProcNodeDeviceDefineXML:      {"virNodeDeviceDefineXML", libvirt.FromNodedev, always[protocol.NodeDeviceDefineXMLArgs]()},
	libvirt.ProcNodeDeviceUndefine:       {"virNodeDeviceUndefine", libvirt.FromNodedev, always[protocol.NodeDeviceUndefineArgs]()},
	libvirt.ProcNodeDeviceCreate:         {"virNodeDeviceCreate", libvirt.FromNodedev, always[protocol.NodeDeviceCreateArgs]()},
	libvirt.ProcNWFilterDefineXMLFlags:   {"virNWFilterDefineXMLFlags", libvirt.FromNWFilter, always[protocol.NWFilterDefineXMLFlagsArgs]()},
	libvirt.ProcNetworkDefineXMLFlags:    {"virNetworkDefineXMLFlags", libvirt.FromNetwork, always[protocol.NetworkDefineXMLFlagsArgs]()},
	libvirt.ProcNodeDeviceSetAutostart:   {"virNodeDeviceSetAutostart", libvirt.FromNodedev, always[protocol.NodeDeviceSetAutostartArgs]()},
	libvirt.ProcNetworkCreateXMLFlags:    {"virNetworkCreateXMLFlags", libvirt.FromNetwork, always[protocol.NetworkCreateXMLFlagsArgs]()},
	libvirt.ProcDomainSetLaunchSecurityState: {"virDomainSetLaunchSecurityState", libvirt.FromDomain, after(func(a *protocol.DomainSetLaunchSecurityStateArgs) error {
		if len(a.Params) == 0 { // no parameters reach the API as a NULL list
			return argError(libvirt.FromDomain, "virDomainSetLaunchSecurityState", "params", "params in virDomainSetLaunchSecurityState must not be NULL")
		}
		return nil
	})},
	libvirt.ProcDomainSaveParams:       {"virDomainSaveParams", libvirt.FromDomain, always[protocol.DomainSaveParamsArgs]()},
	libvirt.ProcDomainRestoreParams:    {"virDomainRestoreParams", libvirt.FromDomain, always[protocol.DomainRestoreParamsArgs]()},
	libvirt.ProcDomainAbortJobFlags:    {"virDomainAbortJobFlags", libvirt.FromDomain, always[protocol.DomainAbortJobFlagsArgs]()},
	libvirt.ProcNetworkSetMetadata:     {"virNetworkSetMetadata", libvirt.FromNetwork, always[protocol.NetworkSetMetadataArgs]()},
	libvirt.ProcNodeDeviceUpdate:       {"virNodeDeviceUpdate", libvirt.FromNodedev, always[protocol.NodeDeviceUpdateArgs]()},
	libvirt.ProcDomainGraphicsReload:   {"virDomainGraphicsReload", libvirt.FromDomain, always[protocol.DomainGraphicsReloadArgs]()},
	libvirt.ProcDomainSetAutostartOnce: {"virDomainSetAutostartOnce", libvirt.FromDomain, always[protocol.DomainSetAutostartOnceArgs]()},
	libvirt.ProcDomainSetThrottleGroup: {"virDomainSetThrottleGroup", libvirt.FromDomain, always[protocol.DomainSetThrottleGroupArgs]()},
}

var readOnlyQEMU = map[libvirt.QEMUProcedure]roRule{
	libvirt.ProcQEMUDomainMonitorCommand: {"virDomainQemuMonitorCommand", libvirt.FromNone, always[protocol.QEMUDomainMonitorCommandArgs]()},
	libvirt.ProcQEMUDomainAttach: {"virDomainQemuAttach", libvirt.FromNone, after(func(a *protocol.QEMUDomainAttachArgs) error {
		if a.PidValue == 0 {
			return argError(libvirt.FromNone, "virDomainQemuAttach", "pid_value", "pid_value in virDomainQemuAttach must not be zero")
		}
		return nil
	})},
	libvirt.ProcQEMUDomainAgentCommand:                {"virDomainQemuAgentCommand", libvirt.FromNone, always[protocol.QEMUDomainAgentCommandArgs]()},
	libvirt.ProcQEMUConnectDomainMonitorEventRegister: {"virConnectDomainQemuMonitorEventRegister", libvirt.FromNone, always[protocol.QEMUConnectDomainMonitorEventRegisterArgs]()},
	libvirt.ProcQEMUDomainMonitorCommandWithFiles:     {"virDomainQemuMonitorCommandWithFiles", libvirt.FromNone, always[protocol.QEMUDomainMonitorCommandWithFilesArgs]()},
}
