//go:build integration

package integration_test

import (
	"bytes"
	"image/png"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStreamScreenshot takes a screenshot of the tiny guest (SeaBIOS's
// text screen, no graphics device needed) and decodes it.
func TestStreamScreenshot(t *testing.T) {
	c := dial(t, qemuURI(t))
	name := uniqueName("shot")
	dom := startGuest(t, c, name, tinyGuestXML(name))
	ctx := ctxFor(t, qemuTimeout)

	// Right after start the display may not be initialised yet.
	var img []byte
	var mime *string
	var err error
	for attempt := 0; attempt < 20; attempt++ {
		st, m, oerr := c.DomainScreenshot(ctx, dom, 0, 0)
		if oerr != nil {
			err = oerr
			time.Sleep(250 * time.Millisecond)
			continue
		}
		mime = m
		img, err = io.ReadAll(st)
		require.NoError(t, err)
		require.NoError(t, st.Finish())
		break
	}
	require.NoError(t, err)
	require.NotNil(t, mime)
	assert.Equal(t, "image/png", *mime)
	require.True(t, bytes.HasPrefix(img, []byte("\x89PNG\r\n\x1a\n")), "not a PNG: % x", img[:min(len(img), 16)])
	cfg, err := png.DecodeConfig(bytes.NewReader(img))
	require.NoError(t, err)
	assert.Positive(t, cfg.Width)
	assert.Positive(t, cfg.Height)
	full, err := png.Decode(bytes.NewReader(img))
	require.NoError(t, err)
	assert.Equal(t, cfg.Width, full.Bounds().Dx())
	t.Logf("screenshot: %s, %d bytes, %dx%d", *mime, len(img), cfg.Width, cfg.Height)
}
