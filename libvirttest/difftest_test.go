//go:build integration

package libvirttest_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/libvirttest"
)

// TestDifferentialAgainstLibvirtd drives one sequence of calls (valid
// ones, unknown flags, missing objects, wrong states, malformed XML)
// through this module's client against libvirtd's test:///default and
// against the fake, decodes both sides' replies, errors and events,
// normalises what must differ (UUIDs, times, the host name) and fails on
// every other difference, naming the step, the procedure and the field.
// It prints the coverage: procedures exercised out of those the test
// driver serves (servedByTestDriver).
func TestDifferentialAgainstLibvirtd(t *testing.T) {
	sock := realDaemonSocket(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	host, _ := os.Hostname()

	real, err := libvirt.Dial(ctx, "test+unix:///default?socket="+sock)
	if err != nil {
		t.Fatalf("dialing libvirtd: %v", err)
	}
	defer real.Close()
	release, err := daemonRelease(ctx, real)
	if err != nil {
		t.Fatalf("asking libvirtd its version: %v", err)
	}
	srv := libvirttest.New(t, libvirttest.WithHostname(host), libvirttest.WithCPUMap(cpuMapDir()))
	fake, err := srv.Client(ctx)
	if err != nil {
		t.Fatalf("connecting to the fake: %v", err)
	}
	defer fake.Close()

	// A second connection to each, without subscriptions.
	real2, err := libvirt.Dial(ctx, "test+unix:///default?socket="+sock)
	if err != nil {
		t.Fatalf("dialing libvirtd: %v", err)
	}
	defer real2.Close()
	fake2, err := srv.Client(ctx)
	if err != nil {
		t.Fatalf("connecting to the fake: %v", err)
	}
	defer fake2.Close()

	// Files (save images, core dumps) go to a directory each daemon
	// sees at the same path as the test: the private libvirtd's state
	// directory (the socket's grandparent) and a temporary one.
	sides := [2]*side{
		{name: "libvirtd", c: real, c2: real2, dir: filepath.Dir(filepath.Dir(sock)),
			dial: func(ctx context.Context, opts ...libvirt.Option) (*libvirt.Client, error) {
				return libvirt.Dial(ctx, "test+unix:///default?socket="+sock, opts...)
			}},
		{name: "fake", c: fake, c2: fake2, dir: t.TempDir(),
			dial: func(ctx context.Context, opts ...libvirt.Option) (*libvirt.Client, error) {
				return srv.Client(ctx, opts...)
			}},
	}
	flat := [2]*flattener{newFlattener(host), newFlattener(host)}
	for j := range flat {
		flat[j].dir = sides[j].dir
	}
	for _, s := range sides {
		err := s.subscribe(ctx, release)
		if s.c3 != nil {
			defer s.c3.Close()
		}
		if err != nil {
			t.Fatalf("%s: subscribing to events: %v", s.name, err)
		}
	}

	realVersion, err := real.ConnectGetLibVersion(ctx)
	if err != nil {
		t.Fatalf("libvirtd's version: %v", err)
	}
	exercised := map[fmt.Stringer]bool{}
	compared := map[fmt.Stringer]bool{} // by at least one step not left out
	var diffs int
	for i, st := range diffSteps() {
		if uint64(realVersion) < sinceVersion(st.name) {
			// Not run on either side, so that neither sends its events.
			t.Logf("step %d %s (%v): not run: libvirt %v's test driver does not serve it; the fake answers as 11.3 does", i, st.name, st.proc, realVersion)
			continue
		}
		var lines [2][]string
		for j, s := range sides {
			cctx, ccancel := context.WithTimeout(ctx, 20*time.Second)
			vals, err := st.call(cctx, s)
			timedOut := cctx.Err() != nil
			ccancel()
			if timedOut {
				t.Fatalf("step %d %s: %s did not answer %v within 20s", i, st.name, s.name, st.proc)
			}
			lines[j] = flat[j].result(vals, err)
		}
		exercised[st.proc] = true
		if uint64(realVersion) > 9_000_000 {
			lines[0] = newerTopology(lines[0])
		}
		if vd, ok := versionDiffs[st.name]; ok && uint64(realVersion) >= vd.since {
			if vd.normalise == nil {
				t.Logf("step %d %s (%v): not compared against libvirt %v: %s", i, st.name, st.proc, realVersion, vd.why)
				continue
			}
			lines[0] = vd.normalise(lines[0])
		}
		if kd, ok := knownDiffs[st.name]; ok && (kd.only == "" || kd.only == release) {
			if kd.ignore == nil {
				t.Logf("step %d %s (%v): not compared: %s", i, st.name, st.proc, kd.why)
				continue
			}
			lines[0], lines[1] = dropLines(lines[0], kd.ignore), dropLines(lines[1], kd.ignore)
		}
		compared[st.proc] = true
		if d := diffLines(lines[0], lines[1]); d != "" {
			diffs++
			t.Errorf("step %d %s (%v) differs:%s", i, st.name, st.proc, d)
			if os.Getenv("VIRTWIRE_DIFF_VERBOSE") != "" {
				t.Logf("libvirtd's result:\n\t%s", strings.Join(lines[0], "\n\t"))
			}
		}
	}

	// Events: end with a marker domain whose undefine is the last event,
	// then compare the whole sequence each side delivered.
	var evs [2][]string
	for j, s := range sides {
		evs[j] = s.drainEvents(ctx, t, flat[j])
	}
	if d := diffLines(evs[0], evs[1]); d != "" {
		diffs++
		t.Errorf("events differ (%d from libvirtd, %d from the fake):%s", len(evs[0]), len(evs[1]), d)
		if os.Getenv("VIRTWIRE_DIFF_VERBOSE") != "" {
			t.Logf("libvirtd's events:\n\t%s", strings.Join(evs[0], "\n\t"))
		}
	}

	served, covered, comparedN := 0, 0, 0
	var missing []string
	for _, p := range servedByTestDriver {
		served++
		if compared[p] {
			comparedN++
		}
		if exercised[p] {
			covered++
		} else {
			missing = append(missing, p.String())
		}
	}
	sort.Strings(missing)
	t.Logf("coverage against libvirtd %s: %d of the %d procedures the test driver serves exercised, %d of them compared (%d steps, %d events, %d unexplained differences)",
		release, covered, served, comparedN, len(diffSteps()), len(evs[0]), diffs)
	t.Logf("not exercised: %s", strings.Join(missing, " "))
}

// TestUserProgramsMatchLibvirtd runs the four user programs of
// userexamples_test.go against libvirtd's test:///default and the fake
// and requires the same reports.
func TestUserProgramsMatchLibvirtd(t *testing.T) {
	sock := realDaemonSocket(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	real, err := libvirt.Dial(ctx, "test+unix:///default?socket="+sock)
	if err != nil {
		t.Fatalf("dialing libvirtd: %v", err)
	}
	defer real.Close()
	srv := libvirttest.New(t)
	fake, err := srv.Client(ctx)
	if err != nil {
		t.Fatalf("connecting to the fake: %v", err)
	}
	defer fake.Close()
	want, got := userPrograms(ctx, real), userPrograms(ctx, fake)
	if d := diffLines(want, got); d != "" {
		t.Errorf("the user programs report differently:%s", d)
	}
	t.Logf("%d reports matched", len(want))
}

// side is one end of the comparison and the handles its steps keep.
type side struct {
	name  string
	c     *libvirt.Client
	c2    *libvirt.Client // a second connection, without subscriptions
	c3    *libvirt.Client // a third, with a legacy registration (subscribe)
	dom   libvirt.Domain  // "test"
	dom2  libvirt.Domain  // "difft", defined by the sequence
	dom3  libvirt.Domain  // "difftg", the guest-call steps' shut-off domain
	dir   string          // a directory for files the daemon writes
	dial  func(ctx context.Context, opts ...libvirt.Option) (*libvirt.Client, error)
	net   libvirt.Network
	net2  libvirt.Network
	pool  libvirt.StoragePool
	vol   libvirt.StorageVol
	cb    int32 // the last callback ID an event registration returned
	subs  []*libvirt.Subscription
	kinds []string // what subs[1:] deliver
}

// subscribe registers the callbacks whose events the tester compares:
// domain, network, pool and node device lifecycle, pool refresh and,
// against libvirt 11.3 (9.0's test driver has no network metadata),
// network metadata changes.
func (s *side) subscribe(ctx context.Context, release string) error {
	d, err := s.c.SubscribeDomainEvents(ctx, libvirt.DomainEventIDLifecycle, nil)
	if err != nil {
		return err
	}
	n, err := s.c.SubscribeNetworkEvents(ctx, libvirt.NetworkEventIDLifecycle, nil)
	if err != nil {
		return err
	}
	p, err := s.c.SubscribeStoragePoolEvents(ctx, libvirt.StoragePoolEventIDLifecycle, nil)
	if err != nil {
		return err
	}
	r, err := s.c.SubscribeStoragePoolEvents(ctx, libvirt.StoragePoolEventIDRefresh, nil)
	if err != nil {
		return err
	}
	added, err := s.c.SubscribeDomainEvents(ctx, libvirt.DomainEventIDDeviceAdded, nil)
	if err != nil {
		return err
	}
	removed, err := s.c.SubscribeDomainEvents(ctx, libvirt.DomainEventIDDeviceRemoved, nil)
	if err != nil {
		return err
	}
	nd, err := s.c.SubscribeNodeDeviceEvents(ctx, libvirt.NodeDeviceEventIDLifecycle, nil)
	if err != nil {
		return err
	}
	s.subs = []*libvirt.Subscription{d, n, p, r, added, removed, nd}
	s.kinds = []string{"network", "pool", "pool-refresh", "device-added", "device-removed", "nodedev"}
	// A third connection registers device removals the legacy way
	// (without callback ID), which libvirtd sends by the legacy
	// procedure; the client hands them to its subscription for that
	// event, here one filtered to "test", which also gets "test"'s
	// removals by callback.
	if s.c3, err = s.dial(ctx); err != nil {
		return err
	}
	test, err := s.c3.DomainLookupByName(ctx, "test")
	if err != nil {
		return err
	}
	legacy, err := s.c3.SubscribeDomainEvents(ctx, libvirt.DomainEventIDDeviceRemoved, &test)
	if err != nil {
		return err
	}
	if err := s.c3.ConnectDomainEventRegisterAny(ctx, int32(libvirt.DomainEventIDDeviceRemoved)); err != nil {
		return err
	}
	s.subs = append(s.subs, legacy)
	s.kinds = append(s.kinds, "legacy-device-removed")
	if release != "9.0" {
		nm, err := s.c.SubscribeNetworkEvents(ctx, libvirt.NetworkEventIDMetadataChange, nil)
		if err != nil {
			return err
		}
		s.subs = append(s.subs, nm)
		s.kinds = append(s.kinds, "network-metadata")
	}
	return nil
}

// drainEvents defines and undefines a marker domain, then collects every
// event up to the marker's undefined event, per subscription in order.
func (s *side) drainEvents(ctx context.Context, t *testing.T, f *flattener) []string {
	const marker = `<domain type='test'><name>difft-marker</name><memory>1024</memory><os><type>hvm</type></os></domain>`
	dom, err := s.c.DomainDefineXML(ctx, marker)
	if err != nil {
		t.Fatalf("%s: defining the marker domain: %v", s.name, err)
	}
	if err := s.c.DomainUndefine(ctx, dom); err != nil {
		t.Fatalf("%s: undefining the marker domain: %v", s.name, err)
	}
	var out []string
	deadline := time.After(20 * time.Second)
	// Domain events: up to the marker's undefine.
	for done := false; !done; {
		select {
		case ev := <-s.subs[0].Events():
			if m, ok := ev.(*libvirt.DomainEventCallbackLifecycleMsg); ok && m.Msg.Dom.Name == "difft-marker" {
				done = m.Msg.Event == libvirt.DomainEventUndefined
				continue
			}
			out = append(out, eventLines(f, "domain", ev)...)
		case <-deadline:
			t.Fatalf("%s: the marker domain's undefined event did not arrive within 20s", s.name)
		}
	}
	// The other subscriptions' events were sent before the marker's.
	for i, kind := range s.kinds {
		for more := true; more; {
			select {
			case ev := <-s.subs[i+1].Events():
				out = append(out, eventLines(f, kind, ev)...)
			default:
				more = false
			}
		}
	}
	return out
}

func eventLines(f *flattener, kind string, ev libvirt.Event) []string {
	var out []string
	f.walk(&out, kind+":"+reflect.TypeOf(ev).Elem().Name(), "", reflect.ValueOf(ev))
	return out
}

// step is one call of the sequence, made the same way on both sides.
type step struct {
	name string
	proc fmt.Stringer // a libvirt.Procedure, or a QEMU program's libvirt.QEMUProcedure
	call func(ctx context.Context, s *side) ([]any, error)
}

// r packs a call's return values.
func r(v ...any) []any { return v }

// knownDiff is a difference explained in the package doc (Known
// differences): the lines starting with one of ignore are left out of
// the comparison, or with ignore nil the whole step is. With only set,
// the difference exists only against that libvirtd release ("9.0" or
// "11.3").
type knownDiff struct {
	ignore []string
	why    string
	only   string
}

// cpuMapDir is the CPU map of the libvirtd realDaemonSocket starts: the
// host's, or that of the root tree VIRTWIRE_LIBVIRTD_ROOT names.
func cpuMapDir() string {
	if root := os.Getenv("VIRTWIRE_LIBVIRTD_ROOT"); root != "" {
		return filepath.Join(root, libvirttest.DefaultCPUMap)
	}
	return libvirttest.DefaultCPUMap
}

// daemonRelease names libvirtd's release as knownDiff.only does:
// "major.minor".
func daemonRelease(ctx context.Context, c *libvirt.Client) (string, error) {
	v, err := c.ConnectGetLibVersion(ctx)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%d.%d", v/1000000, v/1000%1000), nil
}

// newerOnly marks a step whose procedure (or behaviour) the test driver
// gained after libvirt 9.0: the fake answers as 11.3 does, so the step
// is compared against 11.3 only.
var newerOnly = knownDiff{why: "added to the test driver after libvirt 9.0; the fake answers as 11.3 does", only: "9.0"}

const xmlSyntaxWhy = "syntax error messages are libxml2's wording; code and domain are compared"

const staleErrnoWhy = "on a short read the test driver reports whatever errno an earlier call left; the fake reports Success (errno 0)"

var knownDiffs = map[string]knownDiff{
	"ro nodedev get autostart": {only: "9.0",
		why: "libvirt 9.0's public API refused virNodeDeviceGetAutostart on read-only connections; 11.3's (and the fake) serve it"},
	"define malformed":            {ignore: []string{"err.message"}, why: xmlSyntaxWhy},
	"net define malformed":        {ignore: []string{"err.message"}, why: xmlSyntaxWhy},
	"pool define malformed":       {ignore: []string{"err.message"}, why: xmlSyntaxWhy},
	"vol create malformed":        {ignore: []string{"err.message"}, why: xmlSyntaxWhy},
	"restore short header":        {ignore: []string{"err.message"}, why: staleErrnoWhy},
	"restore short metadata":      {ignore: []string{"err.message"}, why: staleErrnoWhy},
	"restore no length":           {ignore: []string{"err.message"}, why: staleErrnoWhy},
	"checkpoint create malformed": {ignore: []string{"err.message"}, why: xmlSyntaxWhy},
	"restore not xml":             {ignore: []string{"err.message"}, why: xmlSyntaxWhy},
	"block iotune set above max": {ignore: []string{"err.message"}, only: "9.0",
		why: "libvirt 9.0's message ends with a stray space, 11.3's does not; the fake follows 11.3"},
	"iface define malformed":               {ignore: []string{"err.message"}, why: xmlSyntaxWhy},
	"nodedev xml inactive":                 newerOnly,
	"nodedev create malformed":             {ignore: []string{"err.message"}, why: xmlSyntaxWhy},
	"net metadata set title":               newerOnly,
	"net metadata get title":               newerOnly,
	"net metadata set description":         newerOnly,
	"net metadata get description":         newerOnly,
	"net metadata set element":             newerOnly,
	"net metadata get element":             newerOnly,
	"net metadata get other uri":           newerOnly,
	"net metadata set element without uri": newerOnly,
	"net metadata set element without key": newerOnly,
	"net metadata set unknown type":        newerOnly,
	"net metadata set remove title":        newerOnly,
	"net metadata get removed title":       newerOnly,
	"net metadata set bogus flags":         newerOnly,
	"net metadata get bogus flags":         newerOnly,
	"net metadata set live on inactive":    newerOnly,
	"net metadata get live on inactive":    newerOnly,
	"net metadata set config on inactive":  newerOnly,
	"net metadata get config on inactive":  newerOnly,
	"domcaps default":                      newerOnly,
	"domcaps kvm x86_64":                   newerOnly,
	"domcaps unknown arch":                 newerOnly,
	"domcaps unknown type":                 newerOnly,
	"domcaps bogus flags":                  newerOnly,
	"cpumodels riscv64":                    {why: "libvirt 9.0 had no CPU driver for riscv64; 11.3 lists no models, as the fake does", only: "9.0"},
	"cpumodels loongarch64":                {why: "libvirt 9.0 did not know loongarch64; 11.3 lists no models, as the fake does", only: "9.0"},
	"nodedev active":                       newerOnly,
	"nodedev persistent":                   newerOnly,
	"dev attach malformed":                 {ignore: []string{"err.message"}, why: xmlSyntaxWhy},
	"net update malformed":                 {ignore: []string{"err.message"}, why: xmlSyntaxWhy},
	"metaxml set two elements":             {ignore: []string{"err.message"}, why: xmlSyntaxWhy},
	"redefine snapshot malformed":          {ignore: []string{"err.message"}, why: xmlSyntaxWhy},
	"redefine checkpoint malformed":        {ignore: []string{"err.message"}, why: xmlSyntaxWhy},
	"baseline malformed":                   {ignore: []string{"err.message"}, why: xmlSyntaxWhy},
	"net update dhcp host delete empty": {ignore: []string{"err.message"}, only: "9.0",
		why: "libvirt 9.0's message ends with a stray space, 11.3's does not; the fake follows 11.3"},
	"net update newer txt modify":              newerOnly,
	"net update newer txt modify missing":      newerOnly,
	"net update newer dns host modify":         newerOnly,
	"net update newer dns host modify missing": newerOnly,
	"net update xml newer":                     newerOnly,
}

// sinceVersion is the libvirt version whose test driver first serves
// what a step exercises. The device sequence (hotplug came in 10.0,
// device update in 10.6) runs whole or not at all, against 10.6 or
// later, so that the events both sides send stay comparable.
func sinceVersion(step string) uint64 {
	if strings.HasPrefix(step, "dev ") {
		return updateDeviceSince
	}
	if strings.HasPrefix(step, "metaxml net ") {
		return networkMetadataSince
	}
	if strings.HasPrefix(step, "baseline newer ") {
		return versionedCPUModelsSince
	}
	return 0
}

// versionDiff is a difference between libvirt 9.0's test driver, which
// the fake models where the two releases differ, and a newer one (listed
// in the package doc): from libvirt version since on, libvirtd's result
// is normalised to 9.0's, or with normalise nil the step is not compared.
type versionDiff struct {
	since     uint64
	why       string
	normalise func([]string) []string
}

var versionDiffs = map[string]versionDiff{
	"freepages": {9_001_000, "test drivers after 9.0 report free pages (11.3 does); 9.0's fails, as the fake does", nil},
}

// newerTopology removes what libvirt releases after 9.0 (11.3) add to
// CPU topologies, in the host capabilities (cluster_id) and in domain
// XML (clusters), from a newer libvirtd's result.
func newerTopology(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = strings.ReplaceAll(strings.ReplaceAll(l, " cluster_id='0'", ""), " clusters='1'", "")
	}
	return out
}

func dropLines(lines, prefixes []string) []string {
	var out []string
next:
	for _, l := range lines {
		for _, p := range prefixes {
			if strings.HasPrefix(l, p) {
				continue next
			}
		}
		out = append(out, l)
	}
	return out
}
