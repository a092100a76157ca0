package libvirttest

import (
	"slices"

	"github.com/virtwire/libvirt"
)

// cpuFeature is a feature of a computed CPU with its policy.
type cpuFeature struct {
	name, policy string
}

// baselineCPU is the guest CPU a baseline computation returns.
type baselineCPU struct {
	model    string
	fallback string // "allow" or "forbid"
	vendor   string
	features []cpuFeature
}

func failedErr(format string, a ...any) error {
	return lvErrorf(libvirt.ErrOperationFailed, libvirt.FromCPU, prefixFailed, format, a...)
}

// x86ModelData is a host CPU's bits: its model's (from the map) plus
// the features it lists (a host CPU's features are all required).
func x86ModelData(m *x86Map, c *hostCPU) (*x86Model, x86Data, error) {
	model := m.model(c.model)
	if model == nil {
		return nil, nil, mapError("Unknown CPU model %s", c.model)
	}
	data := model.data.clone()
	for _, f := range c.features {
		feat := m.feature(f)
		if feat == nil {
			return nil, nil, mapError("Unknown CPU feature %s", f)
		}
		data.add(feat.data)
	}
	return model, data, nil
}

// x86Baseline intersects the CPUs' bits and names the result with the
// model of the map that describes it best, as libvirt's x86 driver does
// for virConnectBaselineCPU. The vendor is checked against the first
// CPU's only by name, and the later CPUs' models must not contradict
// the vendor they list.
func x86Baseline(m *x86Map, cpus []*hostCPU) (*baselineCPU, error) {
	_, base, err := x86ModelData(m, cpus[0])
	if err != nil {
		return nil, err
	}
	var vendor *x86Vendor
	outputVendor := true
	if cpus[0].vendor == "" {
		outputVendor = false
	} else if vendor = m.vendor(cpus[0].vendor); vendor == nil {
		return nil, failedErr("Unknown CPU vendor %s", cpus[0].vendor)
	}
	names := []string{cpus[0].model}
	for _, c := range cpus[1:] {
		if !slices.Contains(names, c.model) {
			names = append(names, c.model)
		}
		model, data, err := x86ModelData(m, c)
		if err != nil {
			return nil, err
		}
		if c.vendor != "" && model.vendor != nil && c.vendor != model.vendor.name {
			return nil, failedErr("CPU vendor %s of model %s differs from vendor %s", model.vendor.name, model.name, c.vendor)
		}
		vn := c.vendor
		if vn == "" {
			outputVendor = false
			if model.vendor != nil {
				vn = model.vendor.name
			}
		}
		if vn != "" {
			if vendor == nil {
				if vendor = m.vendor(vn); vendor == nil {
					return nil, failedErr("Unknown CPU vendor %s", vn)
				}
			} else if vendor.name != vn {
				return nil, failedErr("CPU vendors do not match")
			}
		}
		base.intersect(data)
	}
	if base.empty() {
		return nil, failedErr("CPUs are incompatible")
	}
	out, err := x86Decode(m, base, vendor, names)
	if err != nil {
		return nil, err
	}
	out.fallback = "allow"
	if len(names) == 1 && out.model == names[0] {
		out.fallback = "forbid"
	}
	if !outputVendor {
		out.vendor = ""
	}
	return out, nil
}

// x86Decode picks the model that describes data best. Models are tried
// newest (last in the map) first; a model of another vendor or one the
// map keeps from guest definitions is skipped; the single preferred
// model wins outright; otherwise a model needing fewer listed features
// wins, disabled features counting with a rising penalty. The input
// carries no CPUID signature, so libvirt's signature rules never apply.
func x86Decode(m *x86Map, data x86Data, vendor *x86Vendor, preferred []string) (*baselineCPU, error) {
	data = data.clone()
	// The vendor's bits name the vendor, not features.
	if vendor != nil {
		data.subtract(vendor.data)
	}
	var best []cpuFeature
	var bestModel *x86Model
	for i := len(m.models) - 1; i >= 0; i-- {
		cand := m.models[i]
		if vendor != nil && cand.vendor != nil && cand.vendor != vendor {
			continue
		}
		if !cand.decodeGuest {
			continue
		}
		feats := x86CandidateFeatures(m, data, cand)
		isPreferred := slices.Contains(preferred, cand.name)
		if isPreferred && len(preferred) == 1 {
			best, bestModel = feats, cand
			break
		}
		if bestModel == nil || betterCandidate(best, feats, isPreferred) {
			best, bestModel = feats, cand
		}
	}
	if bestModel == nil {
		return nil, mapError("Cannot find suitable CPU model for given data")
	}
	out := &baselineCPU{model: bestModel.name, features: best}
	if vendor != nil {
		out.vendor = vendor.name
	}
	return out, nil
}

// x86CandidateFeatures lists what data needs on top of model (required)
// and what model has that data lacks (disabled), by map order, then the
// model's removed features as disabled.
func x86CandidateFeatures(m *x86Map, data x86Data, model *x86Model) []cpuFeature {
	extra := data.clone()
	extra.subtract(model.data)
	missing := model.data.clone()
	missing.subtract(data)
	var feats []cpuFeature
	feats = x86FeaturesOf(m, extra, "require", feats)
	feats = x86FeaturesOf(m, missing, "disable", feats)
	for _, r := range model.removed {
		feats = addFeatureIfMissing(feats, r, "disable")
	}
	return feats
}

// x86FeaturesOf appends the map's features whose bits data has, taking
// each feature's bits out of data so that overlapping names are listed
// once.
func x86FeaturesOf(m *x86Map, data x86Data, policy string, feats []cpuFeature) []cpuFeature {
	for _, f := range m.features {
		if data.contains(f.data) {
			data.subtract(f.data)
			feats = append(feats, cpuFeature{f.name, policy})
		}
	}
	return feats
}

func addFeatureIfMissing(feats []cpuFeature, name, policy string) []cpuFeature {
	for _, f := range feats {
		if f.name == name {
			return feats
		}
	}
	return append(feats, cpuFeature{name, policy})
}

// baselinePenalty is what the first disabled feature of a candidate
// costs; each further one costs one more.
const baselinePenalty = 2

func featureCost(feats []cpuFeature) (total, disabled int) {
	enabled := len(feats)
	penalty := baselinePenalty
	for _, f := range feats {
		if f.policy == "disable" {
			enabled--
			disabled += penalty
			penalty++
		}
	}
	return enabled + disabled, disabled
}

func betterCandidate(cur, cand []cpuFeature, isPreferred bool) bool {
	curTotal, curDisabled := featureCost(cur)
	total, disabled := featureCost(cand)
	if total < curTotal || (total == curTotal && disabled < curDisabled) {
		return true
	}
	return isPreferred && disabled < curDisabled
}

// x86Expand lists every feature of the result's model explicitly (as
// required), then applies the result's own required and disabled
// features and the model's removed ones; features end sorted by name.
func x86Expand(m *x86Map, cpu *baselineCPU) error {
	model := m.model(cpu.model)
	if model == nil {
		return mapError("unknown CPU model %s", cpu.model)
	}
	feats := x86FeaturesOf(m, model.data.clone(), "require", nil)
	for _, f := range cpu.features {
		if f.policy != "require" && f.policy != "disable" {
			continue
		}
		found := false
		for i := range feats {
			if feats[i].name == f.name {
				feats[i].policy = f.policy
				found = true
				break
			}
		}
		if !found {
			feats = append(feats, f)
		}
	}
	for _, r := range model.removed {
		feats = addFeatureIfMissing(feats, r, "disable")
	}
	cpu.features = feats
	return nil
}
