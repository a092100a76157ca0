package libvirttest

// x86 CPU data as libvirt's CPU map describes it: a set of CPUID leaves
// (eax_in, ecx_in) and MSRs, each with register bits. A feature, a model
// and a vendor are each such a set; the baseline computation is set
// algebra on them.

// x86Key names one CPUID leaf or MSR.
type x86Key struct {
	msr     bool
	in, sub uint32 // eax_in and ecx_in, or the MSR index
}

// x86Regs are a leaf's eax, ebx, ecx and edx (an MSR uses eax and edx).
type x86Regs [4]uint32

func (r x86Regs) zero() bool { return r == x86Regs{} }

// x86Data maps leaves to their bits. An all-zero entry counts as absent.
type x86Data map[x86Key]x86Regs

func (d x86Data) clone() x86Data {
	c := make(x86Data, len(d))
	for k, v := range d {
		c[k] = v
	}
	return c
}

// add sets every bit of o in d.
func (d x86Data) add(o x86Data) {
	for k, v := range o {
		if v.zero() {
			continue
		}
		cur := d[k]
		for i := range cur {
			cur[i] |= v[i]
		}
		d[k] = cur
	}
}

// subtract clears every bit of o in d.
func (d x86Data) subtract(o x86Data) {
	for k, v := range d {
		m, ok := o[k]
		if !ok {
			continue
		}
		for i := range v {
			v[i] &^= m[i]
		}
		d[k] = v
	}
}

// intersect keeps in d only the bits o has too.
func (d x86Data) intersect(o x86Data) {
	for k, v := range d {
		m := o[k] // a missing leaf clears d's
		for i := range v {
			v[i] &= m[i]
		}
		d[k] = v
	}
}

// contains reports whether d has every bit of sub.
func (d x86Data) contains(sub x86Data) bool {
	for k, m := range sub {
		if m.zero() {
			continue
		}
		v, ok := d[k]
		if !ok {
			return false
		}
		for i := range m {
			if v[i]&m[i] != m[i] {
				return false
			}
		}
	}
	return true
}

func (d x86Data) empty() bool {
	for _, v := range d {
		if !v.zero() {
			return false
		}
	}
	return true
}
