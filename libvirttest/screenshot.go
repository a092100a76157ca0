package libvirttest

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"sync"

	"github.com/virtwire/libvirt/internal/wire"
	"github.com/virtwire/libvirt/protocol"
)

// DomainScreenshot streams a PNG image, as the test driver streams the
// picture it installs (test-screenshot.png). The fake draws its own
// picture (a grey gradient; the content differs from libvirt's, the
// MIME type and the stream's behaviour do not). Like the test driver it
// does not look at the domain, so any domain handle gets a picture.
func (d *driver) DomainScreenshot(ctx context.Context, args *protocol.DomainScreenshotArgs) (*protocol.DomainScreenshotRet, error) {
	ci := callFrom(ctx)
	if ci == nil {
		return nil, noStreamCall
	}
	dl := &byteDownload{data: screenshotPNG(), ctl: make(chan bool, 1)}
	dl.st = ci.openStream(false, dl.handle, dl.start)
	mime := "image/png"
	return &protocol.DomainScreenshotRet{Mime: &mime}, nil
}

var screenshotOnce = sync.OnceValue(func() []byte {
	img := image.NewGray(image.Rect(0, 0, 320, 240))
	for y := 0; y < 240; y++ {
		for x := 0; x < 320; x++ {
			img.SetGray(x, y, color.Gray{Y: uint8((x + y) / 2)})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic("libvirttest: encoding the screenshot: " + err.Error())
	}
	return b.Bytes()
})

func screenshotPNG() []byte { return screenshotOnce() }

// byteDownload streams fixed bytes to the client.
type byteDownload struct {
	st   *srvStream
	data []byte
	ctl  chan bool // the client finished (true) or aborted (false)
}

// handle takes the client's finish or abort.
func (dl *byteDownload) handle(h wire.MessageHeader, body []byte) {
	if h.Type != wire.MessageTypeStream || h.Status == wire.MessageStatusContinue {
		return
	}
	select {
	case dl.ctl <- h.Status == wire.MessageStatusOK:
	default:
	}
}

// start sends the data from a goroutine of its own once the call's
// reply is out: frames of at most 256 KiB, the empty end-of-data frame,
// then the confirmation of the client's finish. An abort or finish from
// the client, or the connection's end, stops it early.
func (dl *byteDownload) start() {
	st, c := dl.st, dl.st.c
	c.calls.Add(1)
	go func() {
		defer c.calls.Done()
		for off := 0; off < len(dl.data); {
			select {
			case <-dl.ctl:
				st.confirm(true)
				return
			case <-c.ctx.Done():
				return
			default:
			}
			n := min(len(dl.data)-off, wire.MessageLegacyPayloadMax)
			st.send(wire.MessageTypeStream, wire.MessageStatusContinue, dl.data[off:off+n])
			off += n
		}
		st.send(wire.MessageTypeStream, wire.MessageStatusContinue, nil)
		select {
		case <-dl.ctl:
			st.confirm(true)
		case <-c.ctx.Done():
		}
	}()
}
