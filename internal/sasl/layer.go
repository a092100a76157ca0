package sasl

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/rc4"
	"encoding/binary"
	"errors"
	"fmt"
)

// Layer is a SASL security layer: once authentication completes, every
// byte in both directions travels inside its frames.
type Layer interface {
	// MaxPlain is the most plaintext one frame may carry.
	MaxPlain() int
	// Seal appends the frame for msg (at most MaxPlain bytes), including
	// its 4-byte length prefix, to dst.
	Seal(dst, msg []byte) []byte
	// Unseal checks and decrypts one frame body (without its length
	// prefix) and appends the plaintext to dst.
	Unseal(dst, body []byte) ([]byte, error)
	// SSF is the layer's security strength in bits.
	SSF() int
}

// ErrIntegrity is returned when a received frame fails its checks.
var ErrIntegrity = errors.New("sasl: security layer: message failed its integrity check")

// Magic constants of RFC 2831 section 2.3 and 2.4.
const (
	magicSignC2S = "Digest session key to client-to-server signing key magic constant"
	magicSignS2C = "Digest session key to server-to-client signing key magic constant"
	magicSealC2S = "Digest H(A1) to client-to-server sealing key magic constant"
	magicSealS2C = "Digest H(A1) to server-to-client sealing key magic constant"
)

// frameOverhead is what DIGEST-MD5 adds to a message: a 10-byte MAC, the
// 2-byte message type and the 4-byte sequence number.
const frameOverhead = 16

// rc4Layer is DIGEST-MD5's confidentiality layer with an RC4 cipher: the
// cipher state runs on across frames, one per direction.
type rc4Layer struct {
	ssf            int
	maxPlain       int
	sendKi, recvKi [16]byte
	send, recv     *rc4.Cipher
	sendSeq        uint32
	recvSeq        uint32
}

func newRC4Layer(ha1 [16]byte, c cipherChoice, serverMaxbuf int) *rc4Layer {
	return newRC4LayerSide(ha1, c, serverMaxbuf, false)
}

// newRC4LayerSide builds the client's layer, or with server set the
// server's (whose keys are the client's, swapped); tests use the latter.
func newRC4LayerSide(ha1 [16]byte, c cipherChoice, peerMaxbuf int, server bool) *rc4Layer {
	signOut, signIn, sealOut, sealIn := magicSignC2S, magicSignS2C, magicSealC2S, magicSealS2C
	if server {
		signOut, signIn, sealOut, sealIn = signIn, signOut, sealIn, sealOut
	}
	l := &rc4Layer{ssf: c.ssf, maxPlain: peerMaxbuf - frameOverhead}
	l.sendKi = md5.Sum(append(ha1[:], signOut...))
	l.recvKi = md5.Sum(append(ha1[:], signIn...))
	kcc := md5.Sum(append(append([]byte(nil), ha1[:c.n]...), sealOut...))
	kcs := md5.Sum(append(append([]byte(nil), ha1[:c.n]...), sealIn...))
	// RC4 accepts any key from 1 to 256 bytes; 16 never fails.
	l.send, _ = rc4.NewCipher(kcc[:])
	l.recv, _ = rc4.NewCipher(kcs[:])
	return l
}

func (l *rc4Layer) MaxPlain() int { return l.maxPlain }
func (l *rc4Layer) SSF() int      { return l.ssf }

func mac10(key [16]byte, seq uint32, msg []byte) []byte {
	h := hmac.New(md5.New, key[:])
	var s [4]byte
	binary.BigEndian.PutUint32(s[:], seq)
	h.Write(s[:])
	h.Write(msg)
	return h.Sum(nil)[:10]
}

func (l *rc4Layer) Seal(dst, msg []byte) []byte {
	bodyLen := len(msg) + frameOverhead
	dst = binary.BigEndian.AppendUint32(dst, uint32(bodyLen))
	start := len(dst)
	dst = append(dst, msg...)
	dst = append(dst, mac10(l.sendKi, l.sendSeq, msg)...)
	l.send.XORKeyStream(dst[start:], dst[start:])
	dst = append(dst, 0, 1)
	dst = binary.BigEndian.AppendUint32(dst, l.sendSeq)
	l.sendSeq++
	return dst
}

func (l *rc4Layer) Unseal(dst, body []byte) ([]byte, error) {
	if len(body) < frameOverhead {
		return dst, fmt.Errorf("%w: frame of %d bytes is too short", ErrIntegrity, len(body))
	}
	n := len(body)
	if body[n-6] != 0 || body[n-5] != 1 {
		return dst, fmt.Errorf("%w: unknown message type", ErrIntegrity)
	}
	if seq := binary.BigEndian.Uint32(body[n-4:]); seq != l.recvSeq {
		return dst, fmt.Errorf("%w: sequence number %d, expected %d", ErrIntegrity, seq, l.recvSeq)
	}
	start := len(dst)
	dst = append(dst, body[:n-6]...)
	l.recv.XORKeyStream(dst[start:], dst[start:])
	msg, mac := dst[start:len(dst)-10], dst[len(dst)-10:]
	if !hmac.Equal(mac, mac10(l.recvKi, l.recvSeq, msg)) {
		return dst[:start], ErrIntegrity
	}
	l.recvSeq++
	return dst[:len(dst)-10], nil
}
