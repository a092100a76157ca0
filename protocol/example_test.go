package protocol_test

import (
	"fmt"

	"github.com/virtwire/libvirt/protocol"
)

// Decoding a captured message body: the arguments of
// REMOTE_PROC_DOMAIN_GET_XML_DESC (procedure 14), as the 28-byte message
// header names it.
func ExampleUnmarshal() {
	body := []byte{
		0, 0, 0, 4, 't', 'e', 's', 't', // dom.name
		0x6d, 0x4b, 0x8c, 0x06, 0xc1, 0x26, 0x4b, 0x56, // dom.uuid
		0xa2, 0x41, 0x7c, 0xa5, 0x2a, 0x64, 0x48, 0x1c,
		0, 0, 0, 1, // dom.id
		0, 0, 0, 2, // flags: VIR_DOMAIN_XML_INACTIVE
	}
	var args protocol.DomainGetXMLDescArgs
	if err := protocol.Unmarshal(body, &args); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(args.Dom.Name, args.Dom.ID, args.Flags)
	// Output: test 1 DomainXMLInactive
}
