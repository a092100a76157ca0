package libvirt

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"io"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/virtwire/libvirt/internal/wire"
	"github.com/virtwire/libvirt/internal/xdr"
)

// lockedBuffer collects the wire trace.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// saslPeer is a daemon that only knows SASL PLAIN: it offers SASL, accepts
// PLAIN and opens the connection. It records the SASL data it received so
// the test can check the password really crossed the traced connection.
func saslPeer(t *testing.T, nc net.Conn, got chan<- []byte) {
	defer nc.Close()
	for {
		var head [frameHeaderLen]byte
		if _, err := io.ReadFull(nc, head[:]); err != nil {
			return
		}
		body := make([]byte, binary.BigEndian.Uint32(head[:4])-frameHeaderLen)
		if _, err := io.ReadFull(nc, body); err != nil {
			return
		}
		var h wire.MessageHeader
		h.DecodeXDR(xdr.NewDecoder(head[4:]))
		var reply interface{ EncodeXDR(*xdr.Encoder) }
		switch Procedure(h.Proc) {
		case ProcAuthList:
			reply = &authListRet{Types: []AuthType{AuthSASL}}
		case ProcAuthSASLInit:
			reply = &authSASLInitRet{Mechlist: "PLAIN"}
		case ProcAuthSASLStart:
			var args authSASLStartArgs
			args.DecodeXDR(xdr.NewDecoder(body))
			got <- fromInt8(args.Data)
			reply = &authSASLStartRet{Complete: 1}
		case ProcConnectSupportsFeature:
			reply = &connectSupportsFeatureRet{}
		}
		var e xdr.Encoder
		e.Reset(make([]byte, 4, 64))
		h.Type = wire.MessageTypeReply
		h.EncodeXDR(&e)
		if reply != nil {
			reply.EncodeXDR(&e)
		}
		out := e.Bytes()
		binary.BigEndian.PutUint32(out, uint32(len(out)))
		if _, err := nc.Write(out); err != nil {
			return
		}
		if Procedure(h.Proc) == ProcConnectClose {
			return
		}
	}
}

// TestWireTraceRedactsSASLAndAuthFilePassword authenticates with SASL
// PLAIN, the password coming from an auth.conf file, and checks that the
// password crossed the traced connection but appears nowhere in the trace,
// in clear or base64, while the rest of the exchange is shown.
func TestWireTraceRedactsSASLAndAuthFilePassword(t *testing.T) {
	const password = "hunter2-from-auth-conf"
	path := filepath.Join(t.TempDir(), "auth.conf")
	if err := os.WriteFile(path, []byte("[credentials-t]\nauthname=fred\npassword="+password+"\n[auth-libvirt-localhost]\ncredentials=t\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cli, srv := net.Pipe()
	got := make(chan []byte, 1)
	done := make(chan struct{})
	go func() { defer close(done); saslPeer(t, srv, got) }()
	defer func() { <-done }()
	var trace lockedBuffer
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := NewClient(ctx, cli, "test:///default", WithAuthFile(path), WithSASLMechanisms("PLAIN"), WithWireTrace(&trace))
	if err != nil {
		t.Fatalf("NewClient with SASL PLAIN: %v", err)
	}
	c.Close()
	sent := <-got
	if !bytes.Contains(sent, []byte(password)) {
		t.Fatalf("the peer did not receive the password: %q", sent)
	}
	out := trace.String()
	for _, leak := range []string{password, base64.StdEncoding.EncodeToString([]byte(password)), "hunter2"} {
		if strings.Contains(out, leak) {
			t.Errorf("trace shows %q:\n%s", leak, out)
		}
	}
	want := `-> call remote.AuthSASLStart proc=68 serial=3 status=ok len=`
	i := strings.Index(out, want)
	if i < 0 {
		t.Fatalf("no AuthSASLStart call in the trace:\n%s", out)
	}
	line := out[i : i+strings.IndexByte(out[i:], '\n')]
	if !strings.HasSuffix(line, `{Mech: "PLAIN", Nil: 0, Data: <redacted 28 bytes>}`) {
		t.Errorf("AuthSASLStart line: %s", line)
	}
	if !strings.Contains(out, `<- reply remote.AuthSASLStart proc=68 serial=3 status=ok len=40 {Complete: 1, Nil: 0, Data: <redacted 0 bytes>}`) {
		t.Errorf("AuthSASLStart reply missing or unredacted:\n%s", out)
	}
	if !strings.Contains(out, `<- reply remote.AuthSASLInit proc=67 serial=2 status=ok len=40 {Mechlist: "PLAIN"}`) {
		t.Errorf("AuthSASLInit reply missing:\n%s", out)
	}
}

// TestWireTraceRedactionRules renders messages that carry credentials and
// checks each rule: named fields, fields named like passwords, secret
// typed parameters and QEMU commands that mention passwords.
func TestWireTraceRedactionRules(t *testing.T) {
	pw := "s3cr3t-pw"
	for _, tc := range []struct {
		name string
		v    any
		want string
	}{
		{"user password", &domainSetUserPasswordArgs{Dom: Domain{Name: "vm"}, User: ptr("root"), Password: &pw},
			`{Dom: {Name: "vm", UUID: 00000000-0000-0000-0000-000000000000, ID: 0}, User: "root", Password: <redacted 9 bytes>, Flags: DomainSetUserPasswordFlags(0x0)}`},
		{"sasl step", &authSASLStepArgs{Nil: 0, Data: toInt8([]byte(pw))}, `{Nil: 0, Data: <redacted 9 bytes>}`},
		{"secret set", &secretSetValueArgs{Secret: Secret{UsageType: 1, UsageID: "vol"}, Value: []byte(pw)}, `Value: <redacted 9 bytes>`},
		{"secret get", &secretGetValueRet{Value: []byte(pw)}, `{Value: <redacted 9 bytes>}`},
		{"launch secret params", &domainSetLaunchSecurityStateArgs{Params: TypedParams{{Field: "sev-secret", Value: NewTypedParamValueString(pw)}}},
			`Params: <redacted 1 items>`},
		{"secret typed param", &domainSetSchedulerParametersArgs{Params: TypedParams{
			{Field: "vnc-password", Value: NewTypedParamValueString(pw)},
			{Field: "cpu_shares", Value: NewTypedParamValueUllong(1024)}}},
			`Params: ["vnc-password": <redacted 9 bytes>, "cpu_shares": 1024]`},
		{"qmp set_password", &qemuDomainMonitorCommandArgs{Cmd: `{"execute":"set_password","arguments":{"password":"` + pw + `"}}`},
			`Cmd: <redacted 63 bytes>`},
		{"qmp other", &qemuDomainMonitorCommandArgs{Cmd: `{"execute":"query-status"}`}, `Cmd: "{\"execute\":\"query-status\"}"`},
	} {
		var b strings.Builder
		formatValue(&b, tc.v)
		if strings.Contains(b.String(), pw) || !strings.Contains(b.String(), tc.want) {
			t.Errorf("%s: got %s\nwant it to contain %s and not the password", tc.name, b.String(), tc.want)
		}
	}
}

// TestRedactionRulesNameRealFields keeps the rule tables honest: every
// entry must name a field of a generated type, or a renamed or removed
// field would silently stop being redacted.
func TestRedactionRulesNameRealFields(t *testing.T) {
	types := map[string]reflect.Type{}
	for _, prog := range []uint32{Program, QEMUProgram, LXCProgram} {
		tab, _ := procTable(prog)
		for _, p := range tab {
			for _, mk := range []func() xdrBody{p.args, p.ret, p.msg} {
				if mk != nil {
					rt := reflect.TypeOf(mk()).Elem()
					types[rt.Name()] = rt
				}
			}
		}
	}
	for _, table := range []map[string]bool{redactedFields, redactedCommands} {
		for key := range table {
			typ, field, _ := strings.Cut(key, ".")
			rt, ok := types[typ]
			if !ok {
				t.Errorf("redaction rule %s: no message type %s", key, typ)
				continue
			}
			if _, ok := rt.FieldByName(field); !ok {
				t.Errorf("redaction rule %s: %s has no field %s", key, typ, field)
			}
		}
	}
}

// TestWireTraceSurvivesGarbage feeds bytes that are not libvirt frames:
// the trace says so once and stops, without panicking or allocating the
// announced length.
func TestWireTraceSurvivesGarbage(t *testing.T) {
	var out lockedBuffer
	f := &frameTracer{dir: "<-", tw: &traceWriter{w: &out}}
	f.feed(bytes.Repeat([]byte{0xff}, 100))
	f.feed([]byte("more"))
	if got := out.String(); strings.Count(got, "\n") != 1 || !strings.Contains(got, "not a libvirt stream, trace stopped") {
		t.Fatalf("trace of garbage: %q", got)
	}
	// A frame split at every byte is still traced whole.
	var e xdr.Encoder
	e.Reset(make([]byte, 4, 64))
	h := wire.MessageHeader{Prog: Program, Vers: 1, Proc: int32(ProcConnectGetHostname), Type: wire.MessageTypeReply, Serial: 9}
	h.EncodeXDR(&e)
	(&connectGetHostnameRet{Hostname: "host"}).EncodeXDR(&e)
	frame := e.Bytes()
	binary.BigEndian.PutUint32(frame, uint32(len(frame)))
	var out2 lockedBuffer
	f2 := &frameTracer{dir: "<-", tw: &traceWriter{w: &out2}}
	for i := range frame {
		f2.feed(frame[i : i+1])
	}
	if got := out2.String(); !strings.Contains(got, `<- reply remote.ConnectGetHostname proc=59 serial=9 status=ok len=36 {Hostname: "host"}`) {
		t.Fatalf("byte-by-byte frame: %q", got)
	}
}

func ptr[T any](v T) *T { return &v }

// TestWireTraceStreamFrames renders the stream frames of a sparse upload:
// data by length, a hole decoded, the end of data, and a stream error.
func TestWireTraceStreamFrames(t *testing.T) {
	frame := func(typ wire.MessageType, status wire.MessageStatus, body interface{ EncodeXDR(*xdr.Encoder) }, raw []byte) []byte {
		var e xdr.Encoder
		e.Reset(make([]byte, 4, 64))
		h := wire.MessageHeader{Prog: Program, Vers: 1, Proc: int32(ProcStorageVolUpload), Type: typ, Serial: 7, Status: status}
		h.EncodeXDR(&e)
		if body != nil {
			body.EncodeXDR(&e)
		}
		out := append(e.Bytes(), raw...)
		binary.BigEndian.PutUint32(out, uint32(len(out)))
		return out
	}
	msg := "no space left"
	var out lockedBuffer
	f := &frameTracer{dir: "->", tw: &traceWriter{w: &out}}
	f.feed(frame(wire.MessageTypeStream, wire.MessageStatusContinue, nil, bytes.Repeat([]byte("password"), 1000)))
	f.feed(frame(wire.MessageTypeStreamHole, wire.MessageStatusContinue, &wire.StreamHole{Length: 1 << 20}, nil))
	f.feed(frame(wire.MessageTypeStream, wire.MessageStatusOK, nil, nil))
	f.feed(frame(wire.MessageTypeStream, wire.MessageStatusError, &wire.MessageError{Code: 38, Message: &msg}, nil))
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	want := []string{
		"-> stream remote.StorageVolUpload proc=208 serial=7 status=continue len=8028 data 8000 bytes",
		"-> hole remote.StorageVolUpload proc=208 serial=7 status=continue len=40 {Length: 1048576, Flags: 0}",
		"-> stream remote.StorageVolUpload proc=208 serial=7 status=ok len=28 {}",
		`-> stream remote.StorageVolUpload proc=208 serial=7 status=error len=`,
	}
	if len(lines) != len(want) {
		t.Fatalf("got %d lines:\n%s", len(lines), out.String())
	}
	for i, w := range want {
		if !strings.Contains(lines[i], w) {
			t.Errorf("line %d: %s\nwant %s", i, lines[i], w)
		}
	}
	if !strings.Contains(lines[3], `Code: 38, Domain: 0, Message: "no space left"`) {
		t.Errorf("stream error: %s", lines[3])
	}
	if strings.Contains(out.String(), "password") {
		t.Error("stream data printed")
	}
}
