// Package transports holds integration tests for virtwire's remote
// transports and authentication (TLS, SASL, SSH, ext). Built only with the
// tag "integration"; each test starts its own private libvirtd (and sshd)
// on loopback and stops it, so they need root, libvirt-daemon,
// sasl2-bin, libsasl2-modules, openssh-server and netcat-openbsd, and skip
// without them:
//
//	go test -count=1 -tags integration ./integration/transports/
package transports
