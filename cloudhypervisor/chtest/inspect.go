package chtest

import ch "github.com/virtwire/libvirt/cloudhypervisor"

// VM returns the fake VM's state and a copy of its configuration; ok is
// false when no VM exists.
func (s *Server) VM() (state ch.VmState, cfg ch.VmConfig, ok bool) {
	s.api.Lock()
	defer s.api.Unlock()
	if s.vm.cfg == nil {
		return "", ch.VmConfig{}, false
	}
	return s.vm.state, cloneConfig(*s.vm.cfg), true
}

// Events returns what the fake VMM did, oldest first, for example
// "boot", "add-net _net1 fds=2" or "snapshot file:///tmp/snap".
func (s *Server) Events() []string {
	s.api.Lock()
	defer s.api.Unlock()
	return append([]string(nil), s.vm.events...)
}
