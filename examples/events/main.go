// Command events prints domain lifecycle events as JSON lines until it is
// interrupted (Ctrl-C) or the connection ends.
//
//	go run ./examples/events -uri 'test+unix:///default?socket=/tmp/vw/run/libvirt-sock'
//
// Each line looks like
//
//	{"time":"2026-11-22T04:40:00.123Z","domain":"test","uuid":"6695eb01-...","event":"DomainEventSuspended","detail":"DomainEventSuspendedPaused"}
package main

import (
	"context"
	"encoding/json"
	"flag"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/virtwire/libvirt"
)

type line struct {
	Time   time.Time `json:"time"`
	Domain string    `json:"domain"`
	UUID   string    `json:"uuid"`
	Event  string    `json:"event"`
	Detail string    `json:"detail"`
}

func main() {
	uri := flag.String("uri", os.Getenv("LIBVIRT_DEFAULT_URI"), "libvirt connection URI")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	c, err := libvirt.Dial(ctx, *uri)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	// The subscription ends when ctx is cancelled (on a signal).
	sub, err := c.SubscribeDomainEvents(ctx, libvirt.DomainEventIDLifecycle, nil)
	if err != nil {
		log.Fatal(err)
	}
	enc := json.NewEncoder(os.Stdout)
	for ev := range sub.Events() {
		m, ok := ev.(*libvirt.DomainEventCallbackLifecycleMsg)
		if !ok {
			continue
		}
		d := m.Msg.Dom
		err := enc.Encode(line{
			Time:   time.Now().UTC(),
			Domain: d.Name,
			UUID:   d.UUID.String(),
			Event:  m.Msg.Event.String(),
			Detail: m.Msg.DetailValue().String(),
		})
		if err != nil {
			log.Fatal(err)
		}
	}
	if err := c.Err(); err != nil && ctx.Err() == nil {
		log.Fatal(err)
	}
	if n := sub.Dropped(); n > 0 {
		log.Printf("%d events were dropped because output was too slow", n)
	}
}
