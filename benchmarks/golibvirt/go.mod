module github.com/virtwire/libvirt/benchmarks/golibvirt

go 1.24.0

replace github.com/virtwire/libvirt => ../..

require (
	github.com/digitalocean/go-libvirt v0.0.0-20261013170128-efbbdf578ac8
	github.com/virtwire/libvirt v0.0.0-00010101000000-000000000000
)

require (
	github.com/xdg-go/scram v1.4.0 // indirect
	github.com/xdg-go/stringprep v1.0.4 // indirect
	golang.org/x/crypto v0.48.0 // indirect
	golang.org/x/sys v0.41.0 // indirect
	golang.org/x/text v0.34.0 // indirect
	libvirt.org/go/libvirtxml v1.12008.0 // indirect
)
