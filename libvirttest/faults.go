package libvirttest

import (
	"sync"
	"time"

	"github.com/virtwire/libvirt"
)

// faults holds the failures a test asked the server to inject.
type faults struct {
	mu        sync.Mutex
	delays    map[libvirt.Procedure]time.Duration
	errs      map[libvirt.Procedure]*libvirt.Error
	dropAfter int
}

func (f *faults) setDelay(proc libvirt.Procedure, d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.delays == nil {
		f.delays = map[libvirt.Procedure]time.Duration{}
	}
	if d <= 0 {
		delete(f.delays, proc)
		return
	}
	f.delays[proc] = d
}

func (f *faults) setError(proc libvirt.Procedure, err *libvirt.Error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.errs == nil {
		f.errs = map[libvirt.Procedure]*libvirt.Error{}
	}
	if err == nil {
		delete(f.errs, proc)
		return
	}
	cp := *err
	f.errs[proc] = &cp
}

func (f *faults) setDropAfter(n int) {
	f.mu.Lock()
	f.dropAfter = n
	f.mu.Unlock()
}

// lookup returns what to do with a call of the remote program's proc.
// counted is how many calls the connection has made since ConnectOpen,
// this one included (0 before ConnectOpen).
func (f *faults) lookup(proc libvirt.Procedure, counted int) (delay time.Duration, err error, drop bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.dropAfter > 0 && counted >= f.dropAfter {
		return 0, nil, true
	}
	if e := f.errs[proc]; e != nil {
		cp := *e
		err = &cp
	}
	return f.delays[proc], err, false
}

// SetDelay changes, while the server runs, how long calls of proc wait
// before being handled (see WithDelay). Zero removes the delay.
func (s *Server) SetDelay(proc libvirt.Procedure, d time.Duration) { s.faults.setDelay(proc, d) }

// SetError makes calls of proc fail with err from now on (see
// WithError); nil restores normal handling.
func (s *Server) SetError(proc libvirt.Procedure, err *libvirt.Error) { s.faults.setError(proc, err) }

// SetDropAfter changes the drop-after-N-calls fault (see WithDropAfter)
// for every connection; counts already made are kept.
func (s *Server) SetDropAfter(n int) { s.faults.setDropAfter(n) }
