package libvirttest

import "github.com/virtwire/libvirt"

// flagRule is what one test-driver entry point accepts: the flags it
// lets through and the C function named in its "unsupported flags" error.
type flagRule struct {
	mask uint32
	fn   string
}

// driverFlags are the flags each procedure's entry point in libvirt's
// test driver (src/test/test_driver.c) accepts; any other bit is refused
// with VIR_ERR_INVALID_ARG before anything else is checked, as the
// driver does. Comments name the accepted flags ("0" means none).
var driverFlags = map[libvirt.Procedure]flagRule{
	libvirt.ProcConnectBaselineCPU:                {0x1, "testConnectBaselineCPU"},                // VIR_CONNECT_BASELINE_CPU_EXPAND_FEATURES
	libvirt.ProcConnectFindStoragePoolSources:     {0x0, "testConnectFindStoragePoolSources"},     // 0
	libvirt.ProcConnectGetAllDomainStats:          {0xe000ffff, "testConnectGetAllDomainStats"},   // VIR_CONNECT_LIST_DOMAINS_FILTERS_ACTIVE | VIR_CONNECT_LIST_DOMAINS_FILTERS_PERSISTENT | VIR_CONNECT_LIST_DOMAINS_FILTERS_STATE | VIR_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT | VIR_CONNECT_GET_ALL_DOMAINS_STATS_BACKING | VIR_CONNECT_GET_ALL_DOMAINS_STATS_ENFORCE_STATS
	libvirt.ProcConnectGetCPUModelNames:           {0x0, "testConnectGetCPUModelNames"},           // 0
	libvirt.ProcConnectGetDomainCapabilities:      {0x0, "testConnectGetDomainCapabilities"},      // 0
	libvirt.ProcConnectGetSysinfo:                 {0x0, "testConnectGetSysinfo"},                 // 0
	libvirt.ProcConnectListAllDomains:             {0xffff, "testConnectListAllDomains"},          // VIR_CONNECT_LIST_DOMAINS_FILTERS_ALL
	libvirt.ProcConnectListAllInterfaces:          {0x3, "testConnectListAllInterfaces"},          // VIR_CONNECT_LIST_INTERFACES_FILTERS_ACTIVE
	libvirt.ProcConnectListAllNetworks:            {0x3f, "testConnectListAllNetworks"},           // VIR_CONNECT_LIST_NETWORKS_FILTERS_ALL
	libvirt.ProcConnectListAllNodeDevices:         {0xf0ffffff, "testConnectListAllNodeDevices"},  // VIR_CONNECT_LIST_NODE_DEVICES_FILTERS_ALL
	libvirt.ProcConnectListAllStoragePools:        {0xfffff, "testConnectListAllStoragePools"},    // VIR_CONNECT_LIST_STORAGE_POOLS_FILTERS_ALL
	libvirt.ProcDomainAddIOThread:                 {0x3, "testDomainAddIOThread"},                 // VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG
	libvirt.ProcDomainCheckpointCreateXML:         {0x3, "testDomainCheckpointCreateXML"},         // VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE | VIR_DOMAIN_CHECKPOINT_CREATE_QUIESCE
	libvirt.ProcDomainCheckpointDelete:            {0x7, "testDomainCheckpointDelete"},            // VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN | VIR_DOMAIN_CHECKPOINT_DELETE_METADATA_ONLY | VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN_ONLY
	libvirt.ProcDomainCheckpointGetParent:         {0x0, "testDomainCheckpointGetParent"},         // 0
	libvirt.ProcDomainCheckpointGetXMLDesc:        {0x7, "testDomainCheckpointGetXMLDesc"},        // VIR_DOMAIN_CHECKPOINT_XML_SECURE | VIR_DOMAIN_CHECKPOINT_XML_NO_DOMAIN | VIR_DOMAIN_CHECKPOINT_XML_SIZE
	libvirt.ProcDomainCheckpointListAllChildren:   {0xf, "testDomainCheckpointListAllChildren"},   // VIR_DOMAIN_CHECKPOINT_LIST_DESCENDANTS | VIR_DOMAIN_CHECKPOINT_LIST_TOPOLOGICAL | VIR_DOMAIN_CHECKPOINT_FILTERS_ALL
	libvirt.ProcDomainCheckpointLookupByName:      {0x0, "testDomainCheckpointLookupByName"},      // 0
	libvirt.ProcDomainCoreDump:                    {0x1, "testDomainCoreDumpWithFormat"},          // VIR_DUMP_CRASH
	libvirt.ProcDomainCoreDumpWithFormat:          {0x1, "testDomainCoreDumpWithFormat"},          // VIR_DUMP_CRASH
	libvirt.ProcDomainCreate:                      {0x0, "testDomainCreateWithFlags"},             // 0
	libvirt.ProcDomainCreateWithFiles:             {0x0, "testDomainCreateWithFlags"},             // 0
	libvirt.ProcDomainCreateWithFlags:             {0x0, "testDomainCreateWithFlags"},             // 0
	libvirt.ProcDomainCreateXML:                   {0x10, "testDomainCreateXML"},                  // VIR_DOMAIN_START_VALIDATE
	libvirt.ProcDomainCreateXMLWithFiles:          {0x10, "testDomainCreateXML"},                  // VIR_DOMAIN_START_VALIDATE
	libvirt.ProcDomainDefineXML:                   {0x1, "testDomainDefineXMLFlags"},              // VIR_DOMAIN_DEFINE_VALIDATE
	libvirt.ProcDomainDefineXMLFlags:              {0x1, "testDomainDefineXMLFlags"},              // VIR_DOMAIN_DEFINE_VALIDATE
	libvirt.ProcDomainDelIOThread:                 {0x3, "testDomainDelIOThread"},                 // VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG
	libvirt.ProcDomainDestroy:                     {0x1, "testDomainDestroyFlags"},                // VIR_DOMAIN_DESTROY_GRACEFUL
	libvirt.ProcDomainDestroyFlags:                {0x1, "testDomainDestroyFlags"},                // VIR_DOMAIN_DESTROY_GRACEFUL
	libvirt.ProcDomainFSFreeze:                    {0x0, "testDomainFSFreeze"},                    // 0
	libvirt.ProcDomainFSThaw:                      {0x0, "testDomainFSThaw"},                      // 0
	libvirt.ProcDomainFSTrim:                      {0x0, "testDomainFSTrim"},                      // 0
	libvirt.ProcDomainGetBlkioParameters:          {0x7, "testDomainGetBlkioParameters"},          // VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG | VIR_TYPED_PARAM_STRING_OKAY
	libvirt.ProcDomainGetBlockInfo:                {0x0, "testDomainGetBlockInfo"},                // 0
	libvirt.ProcDomainGetBlockIOTune:              {0x7, "testDomainGetBlockIoTune"},              // VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG | VIR_TYPED_PARAM_STRING_OKAY
	libvirt.ProcDomainGetCPUStats:                 {0x4, "testDomainGetCPUStats"},                 // VIR_TYPED_PARAM_STRING_OKAY
	libvirt.ProcDomainGetControlInfo:              {0x0, "testDomainGetControlInfo"},              // 0
	libvirt.ProcDomainGetDiskErrors:               {0x0, "testDomainGetDiskErrors"},               // 0
	libvirt.ProcDomainGetEmulatorPinInfo:          {0x3, "testDomainGetEmulatorPinInfo"},          // VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG
	libvirt.ProcDomainGetFSInfo:                   {0x0, "testDomainGetFSInfo"},                   // 0
	libvirt.ProcDomainGetHostname:                 {0x0, "testDomainGetHostname"},                 // 0
	libvirt.ProcDomainGetIOThreadInfo:             {0x3, "testDomainGetIOThreadInfo"},             // VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG
	libvirt.ProcDomainGetInterfaceParameters:      {0x7, "testDomainGetInterfaceParameters"},      // VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG | VIR_TYPED_PARAM_STRING_OKAY
	libvirt.ProcDomainGetMaxVCPUs:                 {0x7, "testDomainGetVcpusFlags"},               // VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG | VIR_DOMAIN_VCPU_MAXIMUM
	libvirt.ProcDomainGetMemoryParameters:         {0x7, "testDomainGetMemoryParameters"},         // VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG | VIR_TYPED_PARAM_STRING_OKAY
	libvirt.ProcDomainGetMessages:                 {0x7, "testDomainGetMessages"},                 // VIR_DOMAIN_MESSAGE_DEPRECATION | VIR_DOMAIN_MESSAGE_TAINTING | VIR_DOMAIN_MESSAGE_IOERRORS
	libvirt.ProcDomainGetMetadata:                 {0x3, "testDomainGetMetadata"},                 // VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG
	libvirt.ProcDomainGetNUMAParameters:           {0x7, "testDomainGetNumaParameters"},           // VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG | VIR_TYPED_PARAM_STRING_OKAY
	libvirt.ProcDomainGetPerfEvents:               {0x7, "testDomainGetPerfEvents"},               // VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG | VIR_TYPED_PARAM_STRING_OKAY
	libvirt.ProcDomainGetSchedulerParameters:      {0x0, "testDomainGetSchedulerParametersFlags"}, // 0
	libvirt.ProcDomainGetSchedulerParametersFlags: {0x0, "testDomainGetSchedulerParametersFlags"}, // 0
	libvirt.ProcDomainGetState:                    {0x0, "testDomainGetState"},                    // 0
	libvirt.ProcDomainGetTime:                     {0x0, "testDomainGetTime"},                     // 0
	libvirt.ProcDomainGetVCPUsFlags:               {0x7, "testDomainGetVcpusFlags"},               // VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG | VIR_DOMAIN_VCPU_MAXIMUM
	libvirt.ProcDomainGetXMLDesc:                  {0xb, "testDomainGetXMLDesc"},                  // VIR_DOMAIN_XML_COMMON_FLAGS
	libvirt.ProcDomainHasCurrentSnapshot:          {0x0, "testDomainHasCurrentSnapshot"},          // 0
	libvirt.ProcDomainHasManagedSaveImage:         {0x0, "testDomainHasManagedSaveImage"},         // 0
	libvirt.ProcDomainInjectNMI:                   {0x0, "testDomainInjectNMI"},                   // 0
	libvirt.ProcDomainInterfaceAddresses:          {0x0, "testDomainInterfaceAddresses"},          // 0
	libvirt.ProcDomainListAllCheckpoints:          {0xf, "testDomainListAllCheckpoints"},          // VIR_DOMAIN_CHECKPOINT_LIST_ROOTS | VIR_DOMAIN_CHECKPOINT_LIST_TOPOLOGICAL | VIR_DOMAIN_CHECKPOINT_FILTERS_ALL
	libvirt.ProcDomainListAllSnapshots:            {0x7ff, "testDomainListAllSnapshots"},          // VIR_DOMAIN_SNAPSHOT_LIST_ROOTS | VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL | VIR_DOMAIN_SNAPSHOT_FILTERS_ALL
	libvirt.ProcDomainManagedSave:                 {0x7, "testDomainManagedSave"},                 // VIR_DOMAIN_SAVE_BYPASS_CACHE | VIR_DOMAIN_SAVE_RUNNING | VIR_DOMAIN_SAVE_PAUSED
	libvirt.ProcDomainManagedSaveRemove:           {0x0, "testDomainManagedSaveRemove"},           // 0
	libvirt.ProcDomainMemoryPeek:                  {0x3, "testDomainMemoryPeek"},                  // VIR_MEMORY_VIRTUAL | VIR_MEMORY_PHYSICAL
	libvirt.ProcDomainMemoryStats:                 {0x0, "testDomainMemoryStats"},                 // 0
	libvirt.ProcDomainPinEmulator:                 {0x3, "testDomainPinEmulator"},                 // VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG
	libvirt.ProcDomainPinIOThread:                 {0x3, "testDomainPinIOThread"},                 // VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG
	libvirt.ProcDomainPinVCPU:                     {0x0, "testDomainPinVcpuFlags"},                // 0
	libvirt.ProcDomainPinVCPUFlags:                {0x0, "testDomainPinVcpuFlags"},                // 0
	libvirt.ProcDomainReboot:                      {0x1f, "testDomainReboot"},                     // VIR_DOMAIN_REBOOT_DEFAULT | VIR_DOMAIN_REBOOT_ACPI_POWER_BTN | VIR_DOMAIN_REBOOT_GUEST_AGENT | VIR_DOMAIN_REBOOT_INITCTL | VIR_DOMAIN_REBOOT_SIGNAL | VIR_DOMAIN_REBOOT_PARAVIRT
	libvirt.ProcDomainRename:                      {0x0, "testDomainRename"},                      // 0
	libvirt.ProcDomainReset:                       {0x0, "testDomainReset"},                       // 0
	libvirt.ProcDomainRestore:                     {0x0, "testDomainRestoreFlags"},                // 0
	libvirt.ProcDomainRestoreFlags:                {0x0, "testDomainRestoreFlags"},                // 0
	libvirt.ProcDomainRevertToSnapshot:            {0x7, "testDomainRevertToSnapshot"},            // VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING | VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED | VIR_DOMAIN_SNAPSHOT_REVERT_FORCE
	libvirt.ProcDomainSave:                        {0x0, "testDomainSaveFlags"},                   // 0
	libvirt.ProcDomainSaveFlags:                   {0x0, "testDomainSaveFlags"},                   // 0
	libvirt.ProcDomainSaveImageDefineXML:          {0x6, "testDomainSaveImageDefineXML"},          // VIR_DOMAIN_SAVE_RUNNING | VIR_DOMAIN_SAVE_PAUSED
	libvirt.ProcDomainSaveImageGetXMLDesc:         {0x1, "testDomainSaveImageGetXMLDesc"},         // VIR_DOMAIN_SAVE_IMAGE_XML_SECURE
	libvirt.ProcDomainScreenshot:                  {0x0, "testDomainScreenshot"},                  // 0
	libvirt.ProcDomainSendKey:                     {0x0, "testDomainSendKey"},                     // 0
	libvirt.ProcDomainSendProcessSignal:           {0x0, "testDomainSendProcessSignal"},           // 0
	libvirt.ProcDomainSetBlkioParameters:          {0x3, "testDomainSetBlkioParameters"},          // VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG
	libvirt.ProcDomainSetBlockIOTune:              {0x3, "testDomainSetBlockIoTune"},              // VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG
	libvirt.ProcDomainSetIOThreadParams:           {0x1, "testDomainSetIOThreadParams"},           // VIR_DOMAIN_AFFECT_LIVE
	libvirt.ProcDomainSetInterfaceParameters:      {0x3, "testDomainSetInterfaceParameters"},      // VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG
	libvirt.ProcDomainSetLifecycleAction:          {0x3, "testDomainSetLifecycleAction"},          // VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG
	libvirt.ProcDomainSetMaxMemory:                {0x7, "testDomainSetMemoryFlags"},              // VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG | VIR_DOMAIN_MEM_MAXIMUM
	libvirt.ProcDomainSetMemory:                   {0x7, "testDomainSetMemoryFlags"},              // VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG | VIR_DOMAIN_MEM_MAXIMUM
	libvirt.ProcDomainSetMemoryFlags:              {0x7, "testDomainSetMemoryFlags"},              // VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG | VIR_DOMAIN_MEM_MAXIMUM
	libvirt.ProcDomainSetMemoryParameters:         {0x3, "testDomainSetMemoryParameters"},         // VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG
	libvirt.ProcDomainSetMemoryStatsPeriod:        {0x3, "testDomainSetMemoryStatsPeriod"},        // VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG
	libvirt.ProcDomainSetMetadata:                 {0x3, "testDomainSetMetadata"},                 // VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG
	libvirt.ProcDomainSetNUMAParameters:           {0x3, "testDomainSetNumaParameters"},           // VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG
	libvirt.ProcDomainSetPerfEvents:               {0x3, "testDomainSetPerfEvents"},               // VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG
	libvirt.ProcDomainSetSchedulerParameters:      {0x0, "testDomainSetSchedulerParametersFlags"}, // 0
	libvirt.ProcDomainSetSchedulerParametersFlags: {0x0, "testDomainSetSchedulerParametersFlags"}, // 0
	libvirt.ProcDomainSetTime:                     {0x1, "testDomainSetTime"},                     // VIR_DOMAIN_TIME_SYNC
	libvirt.ProcDomainSetUserPassword:             {0x1, "testDomainSetUserPassword"},             // VIR_DOMAIN_PASSWORD_ENCRYPTED
	libvirt.ProcDomainSetVCPUs:                    {0x7, "testDomainSetVcpusFlags"},               // VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG | VIR_DOMAIN_VCPU_MAXIMUM
	libvirt.ProcDomainSetVCPUsFlags:               {0x7, "testDomainSetVcpusFlags"},               // VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG | VIR_DOMAIN_VCPU_MAXIMUM
	libvirt.ProcDomainShutdown:                    {0x0, "testDomainShutdownFlags"},               // 0
	libvirt.ProcDomainShutdownFlags:               {0x0, "testDomainShutdownFlags"},               // 0
	libvirt.ProcDomainSnapshotCreateXML:           {0x3cb, "testDomainSnapshotCreateXML"},         // VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE | VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT | VIR_DOMAIN_SNAPSHOT_CREATE_HALT | VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE | VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC | VIR_DOMAIN_SNAPSHOT_CREATE_LIVE | VIR_DOMAIN_SNAPSHOT_CREATE_VALIDATE
	libvirt.ProcDomainSnapshotCurrent:             {0x0, "testDomainSnapshotCurrent"},             // 0
	libvirt.ProcDomainSnapshotDelete:              {0x5, "testDomainSnapshotDelete"},              // VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN | VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY
	libvirt.ProcDomainSnapshotGetParent:           {0x0, "testDomainSnapshotGetParent"},           // 0
	libvirt.ProcDomainSnapshotGetXMLDesc:          {0x1, "testDomainSnapshotGetXMLDesc"},          // VIR_DOMAIN_SNAPSHOT_XML_SECURE
	libvirt.ProcDomainSnapshotHasMetadata:         {0x0, "testDomainSnapshotHasMetadata"},         // 0
	libvirt.ProcDomainSnapshotIsCurrent:           {0x0, "testDomainSnapshotIsCurrent"},           // 0
	libvirt.ProcDomainSnapshotListAllChildren:     {0x7ff, "testDomainSnapshotListAllChildren"},   // VIR_DOMAIN_SNAPSHOT_LIST_DESCENDANTS | VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL | VIR_DOMAIN_SNAPSHOT_FILTERS_ALL
	libvirt.ProcDomainSnapshotListChildrenNames:   {0x7ff, "testDomainSnapshotListChildrenNames"}, // VIR_DOMAIN_SNAPSHOT_LIST_DESCENDANTS | VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL | VIR_DOMAIN_SNAPSHOT_FILTERS_ALL
	libvirt.ProcDomainSnapshotListNames:           {0x7ff, "testDomainSnapshotListNames"},         // VIR_DOMAIN_SNAPSHOT_LIST_ROOTS | VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL | VIR_DOMAIN_SNAPSHOT_FILTERS_ALL
	libvirt.ProcDomainSnapshotLookupByName:        {0x0, "testDomainSnapshotLookupByName"},        // 0
	libvirt.ProcDomainSnapshotNum:                 {0x7ff, "testDomainSnapshotNum"},               // VIR_DOMAIN_SNAPSHOT_LIST_ROOTS | VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL | VIR_DOMAIN_SNAPSHOT_FILTERS_ALL
	libvirt.ProcDomainSnapshotNumChildren:         {0x7ff, "testDomainSnapshotNumChildren"},       // VIR_DOMAIN_SNAPSHOT_LIST_DESCENDANTS | VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL | VIR_DOMAIN_SNAPSHOT_FILTERS_ALL
	libvirt.ProcDomainUndefine:                    {0x3, "testDomainUndefineFlags"},               // VIR_DOMAIN_UNDEFINE_MANAGED_SAVE | VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA
	libvirt.ProcDomainUndefineFlags:               {0x3, "testDomainUndefineFlags"},               // VIR_DOMAIN_UNDEFINE_MANAGED_SAVE | VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA
	libvirt.ProcDomainUpdateDeviceFlags:           {0x3, "testDomainUpdateDeviceFlags"},           // VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG
	libvirt.ProcInterfaceChangeBegin:              {0x0, "testInterfaceChangeBegin"},              // 0
	libvirt.ProcInterfaceChangeCommit:             {0x0, "testInterfaceChangeCommit"},             // 0
	libvirt.ProcInterfaceChangeRollback:           {0x0, "testInterfaceChangeRollback"},           // 0
	libvirt.ProcInterfaceCreate:                   {0x0, "testInterfaceCreate"},                   // 0
	libvirt.ProcInterfaceDefineXML:                {0x1, "testInterfaceDefineXML"},                // VIR_INTERFACE_DEFINE_VALIDATE
	libvirt.ProcInterfaceDestroy:                  {0x0, "testInterfaceDestroy"},                  // 0
	libvirt.ProcInterfaceGetXMLDesc:               {0x0, "testInterfaceGetXMLDesc"},               // 0
	libvirt.ProcNetworkCreateXML:                  {0x1, "testNetworkCreateXMLFlags"},             // VIR_NETWORK_CREATE_VALIDATE
	libvirt.ProcNetworkCreateXMLFlags:             {0x1, "testNetworkCreateXMLFlags"},             // VIR_NETWORK_CREATE_VALIDATE
	libvirt.ProcNetworkDefineXML:                  {0x1, "testNetworkDefineXMLFlags"},             // VIR_NETWORK_DEFINE_VALIDATE
	libvirt.ProcNetworkDefineXMLFlags:             {0x1, "testNetworkDefineXMLFlags"},             // VIR_NETWORK_DEFINE_VALIDATE
	libvirt.ProcNetworkGetMetadata:                {0x3, "testNetworkGetMetadata"},                // VIR_NETWORK_UPDATE_AFFECT_LIVE | VIR_NETWORK_UPDATE_AFFECT_CONFIG
	libvirt.ProcNetworkGetXMLDesc:                 {0x0, "testNetworkGetXMLDesc"},                 // 0
	libvirt.ProcNetworkSetMetadata:                {0x3, "testNetworkSetMetadata"},                // VIR_NETWORK_UPDATE_AFFECT_LIVE | VIR_NETWORK_UPDATE_AFFECT_CONFIG
	libvirt.ProcNetworkUpdate:                     {0x3, "testNetworkUpdate"},                     // VIR_NETWORK_UPDATE_AFFECT_LIVE | VIR_NETWORK_UPDATE_AFFECT_CONFIG
	libvirt.ProcNodeDeviceCreateXML:               {0x1, "testNodeDeviceCreateXML"},               // VIR_NODE_DEVICE_CREATE_XML_VALIDATE
	libvirt.ProcNodeDeviceGetXMLDesc:              {0x1, "testNodeDeviceGetXMLDesc"},              // VIR_NODE_DEVICE_XML_INACTIVE
	libvirt.ProcNodeGetCPUMap:                     {0x0, "testNodeGetCPUMap"},                     // 0
	libvirt.ProcNodeGetCPUStats:                   {0x0, "testNodeGetCPUStats"},                   // 0
	libvirt.ProcNodeGetFreePages:                  {0x0, "testNodeGetFreePages"},                  // 0
	libvirt.ProcNodeListDevices:                   {0x0, "testNodeListDevices"},                   // 0
	libvirt.ProcNodeNumOfDevices:                  {0x0, "testNodeNumOfDevices"},                  // 0
	libvirt.ProcStoragePoolBuild:                  {0x0, "testStoragePoolBuild"},                  // 0
	libvirt.ProcStoragePoolCreate:                 {0x0, "testStoragePoolCreate"},                 // 0
	libvirt.ProcStoragePoolCreateXML:              {0x0, "testStoragePoolCreateXML"},              // 0
	libvirt.ProcStoragePoolDefineXML:              {0x1, "testStoragePoolDefineXML"},              // VIR_STORAGE_POOL_DEFINE_VALIDATE
	libvirt.ProcStoragePoolDelete:                 {0x0, "testStoragePoolDelete"},                 // 0
	libvirt.ProcStoragePoolGetXMLDesc:             {0x0, "testStoragePoolGetXMLDesc"},             // 0
	libvirt.ProcStoragePoolListAllVolumes:         {0x0, "testStoragePoolListAllVolumes"},         // 0
	libvirt.ProcStoragePoolRefresh:                {0x0, "testStoragePoolRefresh"},                // 0
	libvirt.ProcStorageVolCreateXML:               {0x4, "testStorageVolCreateXML"},               // VIR_STORAGE_VOL_CREATE_VALIDATE
	libvirt.ProcStorageVolCreateXMLFrom:           {0x4, "testStorageVolCreateXMLFrom"},           // VIR_STORAGE_VOL_CREATE_VALIDATE
	libvirt.ProcStorageVolDelete:                  {0x0, "testStorageVolDelete"},                  // 0
	libvirt.ProcStorageVolGetXMLDesc:              {0x0, "testStorageVolGetXMLDesc"},              // 0
}
