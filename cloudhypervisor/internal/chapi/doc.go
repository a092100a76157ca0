// Package chapi holds the oapi-codegen strict net/http server for the
// cloud-hypervisor API and the embedded, parsed spec. It is generated
// (server.gen.go) and used only by the chtest fake VMM; the models it
// handles are the public ones from package cloudhypervisor.
package chapi
