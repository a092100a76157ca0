//go:build integration

package integration_test

import (
	"encoding/xml"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/virtwire/libvirt"
)

// secretXML describes an in-memory (ephemeral) volume secret.
func secretXML(uuid libvirt.UUID, volume string, private bool) string {
	p := "no"
	if private {
		p = "yes"
	}
	return fmt.Sprintf(`<secret ephemeral='yes' private='%s'>
  <uuid>%s</uuid>
  <description>virtwire integration test</description>
  <usage type='volume'><volume>%s</volume></usage>
</secret>`, p, uuidString(uuid), volume)
}

// defineSecret defines a secret and undefines it when the test ends.
func defineSecret(t *testing.T, c *libvirt.Client, def string) libvirt.Secret {
	t.Helper()
	sec, err := c.SecretDefineXML(ctxFor(t, callTimeout), def, 0)
	require.NoError(t, err)
	t.Cleanup(func() {
		err := c.SecretUndefine(ctxFor(t, callTimeout), sec)
		if err != nil && !errors.Is(err, libvirt.ErrNoSecret) {
			t.Logf("cleanup: undefining secret: %v", err)
		}
	})
	return sec
}

// TestSecret runs against the QEMU driver's connection: libvirt's test
// driver has no secrets, the daemon's secret driver does.
func TestSecret(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr transport) {
		c := dial(t, tr.uri("qemu", "system"))
		ctx := ctxFor(t, callTimeout)
		uuid := newUUID(t)
		volume := "/var/lib/virtwire/" + uniqueName("secret") + ".img"

		sec := defineSecret(t, c, secretXML(uuid, volume, false))
		assert.Equal(t, uuid, sec.UUID)
		assert.Equal(t, libvirt.SecretUsageTypeVolume, libvirt.SecretUsageType(sec.UsageType))
		assert.Equal(t, volume, sec.UsageID)

		// No value yet.
		_, err := c.SecretGetValue(ctx, sec, 0)
		assert.True(t, errors.Is(err, libvirt.ErrNoSecret), "value before setting one: %v", err)

		// Binary data, with NUL and high bytes, and a length that is not a
		// multiple of four (XDR pads opaque data).
		value := []byte{0, 1, 2, 0xff, 0xfe, 'v', 'w', 0, 0x80, 0x7f, 'x'}
		require.NoError(t, c.SecretSetValue(ctx, sec, value, 0))
		got, err := c.SecretGetValue(ctx, sec, 0)
		require.NoError(t, err)
		assert.Equal(t, value, got)

		looked, err := c.SecretLookupByUUID(ctx, uuid)
		require.NoError(t, err)
		assert.Equal(t, sec, looked)

		secrets, err := c.ConnectListAllSecrets(ctx, libvirt.ConnectListSecretsEphemeral)
		require.NoError(t, err)
		assert.Contains(t, secrets, sec)

		raw, err := c.SecretGetXMLDesc(ctx, sec, 0)
		require.NoError(t, err)
		var x struct {
			Ephemeral string `xml:"ephemeral,attr"`
			Private   string `xml:"private,attr"`
			UUID      string `xml:"uuid"`
			Usage     struct {
				Type   string `xml:"type,attr"`
				Volume string `xml:"volume"`
			} `xml:"usage"`
		}
		require.NoError(t, xml.Unmarshal([]byte(raw), &x), "secret XML:\n%s", raw)
		assert.Equal(t, "yes", x.Ephemeral)
		assert.Equal(t, "no", x.Private)
		assert.Equal(t, uuidString(uuid), x.UUID)
		assert.Equal(t, "volume", x.Usage.Type)
		assert.Equal(t, volume, x.Usage.Volume)

		require.NoError(t, c.SecretUndefine(ctx, sec))
		_, err = c.SecretLookupByUUID(ctx, uuid)
		assert.True(t, errors.Is(err, libvirt.ErrNoSecret), "lookup after undefine: %v", err)
	})
}

// TestSecretPrivate checks that the daemon keeps a private secret's value
// to itself.
func TestSecretPrivate(t *testing.T) {
	d := requireDaemon(t)
	c := dial(t, d.transports()[0].uri("qemu", "system"))
	ctx := ctxFor(t, callTimeout)
	sec := defineSecret(t, c, secretXML(newUUID(t), "/var/lib/virtwire/"+uniqueName("private")+".img", true))
	require.NoError(t, c.SecretSetValue(ctx, sec, []byte("hidden"), 0))
	_, err := c.SecretGetValue(ctx, sec, 0)
	require.Error(t, err)
	var lerr *libvirt.Error
	require.True(t, errors.As(err, &lerr), "want *libvirt.Error, got %T: %v", err, err)
	assert.Equal(t, libvirt.ErrInvalidSecret, lerr.Code, "%v", err)
}
