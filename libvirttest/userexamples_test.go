package libvirttest_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/virtwire/libvirt"
	"github.com/virtwire/libvirt/libvirttest"
)

// The four programs a user would write first, each run unchanged against
// the fake: an exporter scrape, a virt-top style loop, a provisioning
// flow and error handling. The differential tester (difftest_test.go)
// checks that the fake answers these procedures as libvirtd's
// test:///default does.

// exampleClient starts a fake and connects to it; stop closes both.
func exampleClient() (c *libvirt.Client, ctx context.Context, stop func(), err error) {
	srv, err := libvirttest.NewServer()
	if err != nil {
		return nil, nil, nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	c, err = srv.Client(ctx)
	if err != nil {
		cancel()
		srv.Close()
		return nil, nil, nil, err
	}
	return c, ctx, func() { c.Close(); cancel(); srv.Close() }, nil
}

// scrape is an exporter's collection: one bulk stats call, turned into
// metric lines.
func scrape(ctx context.Context, c *libvirt.Client) ([]string, error) {
	recs, err := c.ConnectGetAllDomainStats(ctx, nil, libvirt.DomainStatsState, libvirt.ConnectGetAllDomainsStatsActive)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, s := range libvirt.DomainStatsRecords(recs) {
		if s.State != nil {
			out = append(out,
				fmt.Sprintf("libvirt_domain_state_state{domain=%q} %d", s.Domain.Name, s.State.State),
				fmt.Sprintf("libvirt_domain_state_reason{domain=%q} %d", s.Domain.Name, s.State.Reason))
		}
	}
	info, err := c.NodeGetInfo(ctx)
	if err != nil {
		return nil, err
	}
	out = append(out, fmt.Sprintf("libvirt_node_cpus %d", info.CPUs))
	sort.Strings(out)
	return out, nil
}

// An exporter scrape (ConnectGetAllDomainStats) against the fake.
func Example_exporterScrape() {
	c, ctx, stop, err := exampleClient()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer stop()
	lines, err := scrape(ctx, c)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(strings.Join(lines, "\n"))
	// Output:
	// libvirt_domain_state_reason{domain="test"} 0
	// libvirt_domain_state_state{domain="test"} 1
	// libvirt_node_cpus 16
}

// topRow is one line of a virt-top style display.
type topRow struct {
	name               string
	state              libvirt.DomainState
	vcpus              uint16
	memKiB, balloonKiB uint64
	rdReq, rxBytes     int64
	cpuTimeNs          uint64
}

// topSample reads what virt-top shows for every running domain.
func topSample(ctx context.Context, c *libvirt.Client) ([]topRow, error) {
	doms, err := c.ConnectListAllDomains(ctx, libvirt.ConnectListDomainsActive)
	if err != nil {
		return nil, err
	}
	var rows []topRow
	for _, d := range doms {
		info, err := c.DomainGetInfo(ctx, d)
		if err != nil {
			return nil, err
		}
		state, _, err := c.DomainGetState(ctx, d, 0)
		if err != nil {
			return nil, err
		}
		row := topRow{name: d.Name, state: state, vcpus: info.NrVirtCPU, memKiB: info.Memory, cpuTimeNs: info.CPUTime}
		stats, err := c.DomainMemoryStats(ctx, d, libvirt.DomainMemoryStatsMax, 0)
		if err != nil {
			return nil, err
		}
		for _, s := range stats {
			if s.Tag == libvirt.DomainMemoryStatActualBalloon {
				row.balloonKiB = s.Val
			}
		}
		blk, err := c.DomainBlockStats(ctx, d, "vda")
		if err != nil {
			return nil, err
		}
		nic, err := c.DomainInterfaceStats(ctx, d, "testnet0")
		if err != nil {
			return nil, err
		}
		row.rdReq, row.rxBytes = blk.RdReq, nic.RxBytes
		rows = append(rows, row)
	}
	return rows, nil
}

// A virt-top style loop (info, state, memory, block and interface stats)
// against the fake: the counters only grow between samples.
func Example_virtTopLoop() {
	c, ctx, stop, err := exampleClient()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer stop()
	var prev []topRow
	for i := 0; i < 3; i++ {
		rows, err := topSample(ctx, c)
		if err != nil {
			fmt.Println(err)
			return
		}
		for j, r := range rows {
			grew := prev == nil || (r.rdReq >= prev[j].rdReq && r.rxBytes >= prev[j].rxBytes)
			fmt.Printf("%s state=%d vcpus=%d mem=%dKiB balloon=%dKiB counters-monotonic=%v\n",
				r.name, r.state, r.vcpus, r.memKiB, r.balloonKiB, grew)
		}
		prev = rows
	}
	// Output:
	// test state=1 vcpus=2 mem=2097152KiB balloon=2097152KiB counters-monotonic=true
	// test state=1 vcpus=2 mem=2097152KiB balloon=2097152KiB counters-monotonic=true
	// test state=1 vcpus=2 mem=2097152KiB balloon=2097152KiB counters-monotonic=true
}

// provision creates a disk volume, defines a guest on it, starts it and
// waits for libvirt's started event, then returns its live XML.
func provision(ctx context.Context, c *libvirt.Client, name string) (string, error) {
	pool, err := c.StoragePoolLookupByName(ctx, "default-pool")
	if err != nil {
		return "", err
	}
	vol, err := c.StorageVolCreateXML(ctx, pool, fmt.Sprintf(`<volume>
  <name>%s.img</name>
  <capacity unit='GiB'>1</capacity>
</volume>`, name), 0)
	if err != nil {
		return "", fmt.Errorf("creating the disk: %w", err)
	}
	path, err := c.StorageVolGetPath(ctx, vol)
	if err != nil {
		return "", err
	}
	dom, err := c.DomainDefineXMLFlags(ctx, fmt.Sprintf(`<domain type='test'>
  <name>%s</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os><type>hvm</type></os>
  <devices>
    <disk type='file' device='disk'>
      <source file='%s'/>
      <target dev='vda' bus='virtio'/>
    </disk>
  </devices>
</domain>`, name, path), 0)
	if err != nil {
		return "", fmt.Errorf("defining %s: %w", name, err)
	}
	sub, err := c.SubscribeDomainEvents(ctx, libvirt.DomainEventIDLifecycle, &dom)
	if err != nil {
		return "", err
	}
	defer sub.Close()
	if _, err := c.DomainCreateWithFlags(ctx, dom, 0); err != nil {
		return "", fmt.Errorf("starting %s: %w", name, err)
	}
	for started := false; !started; {
		select {
		case ev := <-sub.Events():
			m, ok := ev.(*libvirt.DomainEventCallbackLifecycleMsg)
			started = ok && m.Msg.Event == libvirt.DomainEventStarted
		case <-ctx.Done():
			return "", fmt.Errorf("waiting for %s to start: %w", name, ctx.Err())
		}
	}
	return c.DomainGetXMLDesc(ctx, dom, 0)
}

// decommission stops a guest and removes it with its disk.
func decommission(ctx context.Context, c *libvirt.Client, name string) error {
	dom, err := c.DomainLookupByName(ctx, name)
	if err != nil {
		return err
	}
	if err := c.DomainDestroyFlags(ctx, dom, libvirt.DomainDestroyGraceful); err != nil {
		return err
	}
	if err := c.DomainUndefineFlags(ctx, dom, libvirt.DomainUndefineManagedSave|libvirt.DomainUndefineSnapshotsMetadata); err != nil {
		return err
	}
	vol, err := c.StorageVolLookupByPath(ctx, "/default-pool/"+name+".img")
	if err != nil {
		return err
	}
	return c.StorageVolDelete(ctx, vol, 0)
}

// A provisioning flow against the fake: volume, define, start, wait for
// the started event, read the XML, destroy, undefine with flags.
func Example_provisioning() {
	c, ctx, stop, err := exampleClient()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer stop()
	doc, err := provision(ctx, c, "web1")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("running XML names web1:", strings.Contains(doc, "<name>web1</name>"))
	fmt.Println("running XML has an id:", strings.Contains(doc, "id='2'"))
	fmt.Println("decommission:", decommission(ctx, c, "web1"))
	_, err = c.DomainLookupByName(ctx, "web1")
	fmt.Println("gone:", errors.Is(err, libvirt.ErrNoDomain))
	// Output:
	// running XML names web1: true
	// running XML has an id: true
	// decommission: <nil>
	// gone: true
}

// Error handling against the fake: libvirt's errors arrive with the codes
// and domains libvirtd gives, and work with errors.Is and errors.As.
func Example_errorHandling() {
	c, ctx, stop, err := exampleClient()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer stop()
	describe := func(what string, err error) {
		var le *libvirt.Error
		if errors.As(err, &le) {
			fmt.Printf("%s: code %#v (%s), domain %v: %s\n", what, le.Code, le.Code.String(), le.Domain, le.Message)
			return
		}
		fmt.Printf("%s: %v\n", what, err)
	}

	_, err = c.DomainLookupByName(ctx, "nope")
	fmt.Println("missing domain is ErrNoDomain:", errors.Is(err, libvirt.ErrNoDomain))

	dom, _ := c.DomainLookupByName(ctx, "test")
	_, err = c.DomainGetXMLDesc(ctx, dom, 1<<20)
	describe("unknown flag", err)

	err = c.DomainResume(ctx, dom)
	describe("resume a running domain", err)

	_, err = c.StoragePoolLookupByName(ctx, "nope")
	describe("missing pool", err)

	err = c.DomainBlockResize(ctx, dom, "vda", 1<<30, 0)
	describe("unsupported call", err)
	// Output:
	// missing domain is ErrNoDomain: true
	// unknown flag: code ErrInvalidArg (invalid argument), domain FromTest: unsupported flags (0x100000) in function testDomainGetXMLDesc
	// resume a running domain: code ErrInternalError (internal error), domain FromTest: internal error: domain 'test' not paused
	// missing pool: code ErrNoStoragePool (no such storage pool), domain FromTest: Storage pool not found: no storage pool with matching name 'nope'
	// unsupported call: code ErrNoSupport (operation not supported by the driver), domain FromDomain: this function is not supported by the connection driver: virDomainBlockResize
}

// userPrograms runs the four programs on c and returns what they report,
// for comparing the fake with libvirtd (TestUserProgramsMatchLibvirtd).
func userPrograms(ctx context.Context, c *libvirt.Client) []string {
	var out []string
	note := func(what string, v any, err error) {
		if err != nil {
			var le *libvirt.Error
			if errors.As(err, &le) {
				out = append(out, fmt.Sprintf("%s: error %#v %v %s", what, le.Code, le.Domain, le.Message))
				return
			}
			out = append(out, fmt.Sprintf("%s: error %v", what, err))
			return
		}
		out = append(out, fmt.Sprintf("%s: %v", what, v))
	}
	lines, err := scrape(ctx, c)
	note("scrape", lines, err)
	rows, err := topSample(ctx, c)
	for i := range rows {
		rows[i].rdReq, rows[i].rxBytes, rows[i].cpuTimeNs = 0, 0, 0 // clock-derived
	}
	note("top", fmt.Sprintf("%+v", rows), err)
	doc, err := provision(ctx, c, "web1")
	note("provision", strings.Contains(doc, "<name>web1</name>"), err)
	note("decommission", nil, decommission(ctx, c, "web1"))
	dom, _ := c.DomainLookupByName(ctx, "test")
	_, err = c.DomainGetXMLDesc(ctx, dom, 1<<20)
	note("unknown flag", nil, err)
	note("resume running", nil, c.DomainResume(ctx, dom))
	_, err = c.StoragePoolLookupByName(ctx, "nope")
	note("missing pool", nil, err)
	note("unsupported", nil, c.DomainBlockResize(ctx, dom, "vda", 1<<30, 0))
	return out
}

// TestUserProgramsAgainstFake runs the four programs against the fake:
// the provisioning flow and the scrapes succeed, and the error cases
// fail as libvirtd's do (TestUserProgramsMatchLibvirtd compares with
// libvirtd itself).
func TestUserProgramsAgainstFake(t *testing.T) {
	srv := libvirttest.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := srv.Client(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	got := userPrograms(ctx, c)
	want := []string{
		"scrape: [libvirt_domain_state_reason{domain=\"test\"} 0 libvirt_domain_state_state{domain=\"test\"} 1 libvirt_node_cpus 16]",
		"top: [{name:test state:1 vcpus:2 memKiB:2097152 balloonKiB:2097152 rdReq:0 rxBytes:0 cpuTimeNs:0}]",
		"provision: true",
		"decommission: <nil>",
		"unknown flag: error ErrInvalidArg FromTest unsupported flags (0x100000) in function testDomainGetXMLDesc",
		"resume running: error ErrInternalError FromTest internal error: domain 'test' not paused",
		"missing pool: error ErrNoStoragePool FromTest Storage pool not found: no storage pool with matching name 'nope'",
		"unsupported: error ErrNoSupport FromDomain this function is not supported by the connection driver: virDomainBlockResize",
	}
	if d := diffLines(want, got); d != "" {
		t.Errorf("reports differ from libvirtd's (recorded from libvirtd 9.0):%s", d)
	}
}
