// Command quickstart connects to a libvirt daemon, prints its version and
// host name, and lists every domain with its state.
//
//	go run ./examples/quickstart -uri 'test+unix:///default?socket=/tmp/vw/run/libvirt-sock'
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/virtwire/libvirt"
)

func main() {
	uri := flag.String("uri", os.Getenv("LIBVIRT_DEFAULT_URI"), "libvirt connection URI")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	c, err := libvirt.Dial(ctx, *uri)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	ver, err := c.ConnectGetLibVersion(ctx)
	if err != nil {
		log.Fatal(err)
	}
	host, err := c.ConnectGetHostname(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("libvirt %d.%d.%d on %s\n", ver/1000000, ver/1000%1000, ver%1000, host)

	doms, _, err := c.ConnectListAllDomains(ctx, 1, 0)
	if err != nil {
		log.Fatal(err)
	}
	for _, d := range doms {
		state, reason, err := c.DomainGetState(ctx, d, 0)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%-20s %-18v reason %d\n", d.Name, libvirt.DomainState(state), reason)
	}
}
