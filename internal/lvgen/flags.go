package lvgen

import (
	"sort"
	"strings"

	"github.com/virtwire/libvirt/internal/lvgen/rpcl"
)

// flagSuffixes end the names of libvirt's flag enums.
var flagSuffixes = []string{"FlagsValues", "FlagValues", "Flags", "Flag", "Values"}

// flagStem strips "vir" and a flag suffix from an enum name:
// virDomainDestroyFlagsValues -> DomainDestroy. ok is false for enums that
// are not flag sets.
func flagStem(cname, cPrefix string) (string, bool) {
	for _, suf := range flagSuffixes {
		if strings.HasSuffix(cname, suf) {
			return strings.TrimPrefix(strings.TrimSuffix(cname, suf), cPrefix), true
		}
	}
	return "", false
}

// flagOverrides names the flag enum of APIs whose C name shares no
// prefix with the enum's name. These are facts from libvirt's API
// reference, where each function documents its flags as a bitwise OR of
// the named enum. An empty value means the reference documents the flags
// as unused.
var flagOverrides = map[string]string{
	"DomainSetMemoryFlags":            "virDomainMemoryModFlags",
	"DomainSetMemoryStatsPeriod":      "virDomainMemoryModFlags",
	"DomainSetVcpusFlags":             "virDomainVcpuFlags",
	"DomainGetVcpusFlags":             "virDomainVcpuFlags",
	"DomainSaveFlags":                 "virDomainSaveRestoreFlags",
	"DomainRestoreFlags":              "virDomainSaveRestoreFlags",
	"DomainSaveImageDefineXML":        "virDomainSaveRestoreFlags",
	"DomainManagedSave":               "virDomainSaveRestoreFlags",
	"DomainSaveParams":                "virDomainSaveRestoreFlags",
	"DomainRestoreParams":             "virDomainSaveRestoreFlags",
	"DomainManagedSaveDefineXML":      "virDomainSaveRestoreFlags",
	"DomainManagedSaveGetXMLDesc":     "virDomainSaveImageXMLFlags",
	"DomainGetXMLDesc":                "virDomainXMLFlags",
	"DomainCoreDumpWithFormat":        "virDomainCoreDumpFlags",
	"DomainMigrateToURI3":             "virDomainMigrateFlags",
	"StoragePoolGetXMLDesc":           "virStorageXMLFlags",
	"ConnectGetAllDomainStats":        "virConnectGetAllDomainStatsFlags",
	"DomainListGetStats":              "virConnectGetAllDomainStatsFlags",
	"DomainOpenConsole":               "virDomainConsoleFlags",
	"DomainOpenChannel":               "virDomainChannelFlags",
	"DomainShutdownFlags":             "virDomainShutdownFlagValues",
	"DomainReboot":                    "virDomainRebootFlagValues",
	"DomainSnapshotNum":               "virDomainSnapshotListFlags",
	"DomainSnapshotListNames":         "virDomainSnapshotListFlags",
	"DomainListAllSnapshots":          "virDomainSnapshotListFlags",
	"DomainSnapshotNumChildren":       "virDomainSnapshotListFlags",
	"DomainSnapshotListChildrenNames": "virDomainSnapshotListFlags",
	"DomainSnapshotListAllChildren":   "virDomainSnapshotListFlags",
	"DomainListAllCheckpoints":        "virDomainCheckpointListFlags",
	"DomainCheckpointListAllChildren": "virDomainCheckpointListFlags",
	"DomainRevertToSnapshot":          "virDomainSnapshotRevertFlags",
	"DomainStartDirtyRateCalc":        "virDomainDirtyRateCalcFlags",
	"DomainGetMessages":               "virDomainMessageType",
	"DomainAttachDeviceFlags":         "virDomainDeviceModifyFlags",
	"DomainDetachDeviceFlags":         "virDomainDeviceModifyFlags",
	"DomainUpdateDeviceFlags":         "virDomainDeviceModifyFlags",
	"DomainDetachDeviceAlias":         "virDomainDeviceModifyFlags",
	"DomainBlockStatsFlags":           "virTypedParameterFlags",
	"DomainGetCPUStats":               "virTypedParameterFlags",
	"NodeGetMemoryParameters":         "virTypedParameterFlags",
	"NetworkSetMetadata":              "virNetworkUpdateFlags",
	"NetworkGetMetadata":              "virNetworkUpdateFlags",
	"NodeDeviceGetXMLDesc":            "",
}

// modificationImpact lists the domain APIs whose flags libvirt documents
// as virDomainModificationImpact (affect the live domain, its persistent
// configuration, or both).
var modificationImpact = []string{
	"DomainSetMemoryParameters", "DomainGetMemoryParameters",
	"DomainSetBlkioParameters", "DomainGetBlkioParameters",
	"DomainSetSchedulerParametersFlags", "DomainGetSchedulerParametersFlags",
	"DomainPinVcpuFlags", "DomainGetVcpuPinInfo",
	"DomainSetNumaParameters", "DomainGetNumaParameters",
	"DomainSetInterfaceParameters", "DomainGetInterfaceParameters",
	"DomainSetBlockIoTune", "DomainGetBlockIoTune",
	"DomainPinEmulator", "DomainGetEmulatorPinInfo",
	"DomainGetIOThreadInfo", "DomainPinIOThread", "DomainAddIOThread",
	"DomainDelIOThread", "DomainSetIOThreadParams",
	"DomainSetPerfEvents", "DomainGetPerfEvents", "DomainSetVcpu",
	"DomainSetLifecycleAction", "DomainSetMetadata", "DomainGetMetadata",
	"DomainSetThrottleGroup", "DomainDelThrottleGroup",
}

func init() {
	for _, api := range modificationImpact {
		flagOverrides[api] = "virDomainModificationImpact"
	}
}

// apiVariants are the spellings of an API name tried against enum stems:
// the name itself, without its verb ("DomainGetBlockJobInfo" ->
// "DomainBlockJobInfo"), and with GetXMLDesc shortened to XML
// ("DomainSnapshotGetXMLDesc" -> "DomainSnapshotXML").
func apiVariants(api string) []string {
	v := []string{api}
	if strings.Contains(api, "GetXMLDesc") {
		v = append(v, strings.Replace(api, "GetXMLDesc", "XML", 1))
	}
	for _, verb := range []string{"Get", "Set"} {
		if i := strings.Index(api, verb); i > 0 {
			v = append(v, api[:i]+api[i+len(verb):])
		}
	}
	return v
}

// matchFlags decides which header enum types each procedure's flags
// argument, filling g.flagTypes and the report.
func (g *generator) matchFlags() error {
	g.flagTypes = map[string]string{}
	for _, u := range g.units {
		if u.clientType == "" {
			continue
		}
		s := g.scope(u.pkg)
		type cand struct {
			stem string
			e    *headerEnum
		}
		var cands []cand
		for _, e := range s.enums {
			if stem, ok := flagStem(e.cname, u.cPrefix); ok {
				cands = append(cands, cand{stem, e})
			}
		}
		// Longest stems first, so the most specific enum wins.
		sort.SliceStable(cands, func(i, j int) bool { return len(cands[i].stem) > len(cands[j].stem) })
		procs, err := g.procs(u)
		if err != nil {
			return err
		}
		for _, p := range procs {
			if p.args == nil || !hasFlags(p.args) {
				continue
			}
			g.report.FlagParams++
			api := strings.TrimPrefix(p.goName, u.goPrefix)
			if p.cfunc.Name != "" {
				api = strings.TrimPrefix(p.cfunc.Name, u.cPrefix)
			}
			var match *headerEnum
			if name, ok := flagOverrides[api]; ok {
				match = g.enumsByC[name]
			} else {
			search:
				for _, variant := range apiVariants(api) {
					for _, c := range cands {
						if c.stem != "" && strings.HasPrefix(variant, c.stem) {
							match = c.e
							break search
						}
					}
				}
			}
			if match == nil || match.goName == "" {
				g.report.UntypedFlag = append(g.report.UntypedFlag, p.member.Name)
				continue
			}
			g.flagTypes[p.args.Name] = match.goName
			g.report.TypedFlags++
		}
	}
	return nil
}

func hasFlags(s *rpcl.Struct) bool {
	for _, f := range s.Fields {
		if f.Name == "flags" && f.Kind == rpcl.Scalar && f.Type.Kind == rpcl.UInt {
			return true
		}
	}
	return false
}
