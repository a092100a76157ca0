package lvgen

import (
	"strings"
	"unicode"
)

// initialisms are the words written in capitals in Go names (Go style: "ID",
// not "Id"). One rule holds for every generated identifier, whether it
// comes from a C function name, a header constant or an RPCL name: each
// word found here is spelled as here, so libvirt's virDomainGetVcpus is
// DomainGetVCPUs and virDomainGetBlockIoTune is DomainGetBlockIOTune.
var initialisms = map[string]string{
	"acl": "ACL", "api": "API", "cpu": "CPU", "cpus": "CPUs", "dhcp": "DHCP",
	"dns": "DNS", "fd": "FD", "fds": "FDs", "http": "HTTP", "id": "ID",
	"ids": "IDs", "io": "IO", "ip": "IP", "json": "JSON", "lxc": "LXC",
	"mac": "MAC", "mtu": "MTU", "numa": "NUMA", "os": "OS", "pci": "PCI",
	"qemu": "QEMU", "sasl": "SASL", "scsi": "SCSI", "sev": "SEV",
	"sgx": "SGX", "ssh": "SSH", "tcp": "TCP", "tls": "TLS", "udp": "UDP",
	"uri": "URI", "url": "URL", "usb": "USB", "uuid": "UUID", "vnc": "VNC",
	"xml": "XML", "xdr": "XDR", "rpc": "RPC", "pmwakeup": "PMWakeup", "pmsuspend": "PMSuspend", "pmsuspended": "PMSuspended", "ssf": "SSF", "ok": "OK",
	"vcpu": "VCPU", "vcpus": "VCPUs", "nwfilter": "NWFilter", "nwfilters": "NWFilters",
	"iothread": "IOThread", "iothreads": "IOThreads", "eof": "EOF", "rss": "RSS",
	"vm": "VM", "hmp": "HMP", "rtc": "RTC", "fs": "FS", "fsinfo": "FSInfo",
	"nvram": "NVRAM", "tpm": "TPM", "vfio": "VFIO", "rdma": "RDMA", "ipv4": "IPv4",
	"ipv6": "IPv6", "nic": "NIC", "wwn": "WWN", "cpumap": "CPUMap", "cpumaps": "CPUMaps",
}

// camel turns snake_case or UPPER_SNAKE words into CamelCase with
// initialisms ("domain_get_xml_desc" -> "DomainGetXMLDesc").
func camel(s string) string {
	var b strings.Builder
	for _, w := range strings.Split(s, "_") {
		if w == "" {
			continue
		}
		lw := strings.ToLower(w)
		if up, ok := initialisms[lw]; ok {
			b.WriteString(up)
			continue
		}
		b.WriteString(strings.ToUpper(lw[:1]))
		b.WriteString(lw[1:])
	}
	return b.String()
}

// fixInitialisms rewrites the words of an existing CamelCase name (a C
// name such as "DomainGetUuid") so that initialisms are in capitals.
func fixInitialisms(s string) string {
	words := splitCamel(s)
	for i, w := range words {
		if up, ok := initialisms[strings.ToLower(w)]; ok {
			words[i] = up
		}
	}
	return strings.Join(words, "")
}

// splitCamel splits "DomainGetXMLDesc" into "Domain", "Get", "XML", "Desc".
func splitCamel(s string) []string {
	var words []string
	r := []rune(s)
	start := 0
	for i := 1; i < len(r); i++ {
		lower, upper := unicode.IsLower, unicode.IsUpper
		switch {
		case upper(r[i]) && lower(r[i-1]):
			words = append(words, string(r[start:i]))
			start = i
		case upper(r[i]) && upper(r[i-1]) && i+1 < len(r) && lower(r[i+1]):
			words = append(words, string(r[start:i]))
			start = i
		}
	}
	return append(words, string(r[start:]))
}

// lowerFirst makes an exported CamelCase name into a parameter name,
// lowering a leading initialism as a whole ("UUID" -> "uuid",
// "XMLDesc" -> "xmlDesc").
func lowerFirst(s string) string {
	r := []rune(s)
	n := 0
	for n < len(r) && unicode.IsUpper(r[n]) {
		n++
	}
	switch {
	case n == 0:
		return s
	case n == 1 || n == len(r):
	default:
		n-- // the last capital starts the next word
	}
	for i := 0; i < n; i++ {
		r[i] = unicode.ToLower(r[i])
	}
	return safeIdent(string(r))
}

var goKeywords = map[string]bool{
	"break": true, "case": true, "chan": true, "const": true, "continue": true,
	"default": true, "defer": true, "else": true, "fallthrough": true,
	"for": true, "func": true, "go": true, "goto": true, "if": true,
	"import": true, "interface": true, "map": true, "package": true,
	"range": true, "return": true, "select": true, "struct": true,
	"switch": true, "type": true, "var": true,
	// predeclared identifiers a parameter must not shadow
	"nil": true, "true": true, "false": true, "iota": true, "len": true,
	"cap": true, "make": true, "new": true, "append": true, "copy": true,
	"delete": true, "panic": true, "recover": true, "close": true,
	"string": true, "error": true, "any": true, "int": true, "uint": true,
	"min": true, "max": true, "clear": true, "print": true,
	// names the generated method bodies use themselves
	"call": true,
	"ctx":  true, "err": true, "c": true, "req": true, "rep": true,
	"args": true, "ret": true, "e": true, "d": true, "v": true,
}

// safeIdent renames identifiers that clash with Go keywords or with names
// the generated code uses.
func safeIdent(s string) string {
	if r, ok := identRenames[s]; ok {
		return r
	}
	if goKeywords[s] {
		return s + "_"
	}
	return s
}

// identRenames gives the protocol's clashing names that users see in
// signatures a readable Go name instead of a trailing underscore: "ret" is
// what the C function returned (a count for the list calls), "type" and
// "cap" are a type and a capability name, and SASL's "nil" says the data is
// absent.
var identRenames = map[string]string{
	"ret":  "result",
	"type": "typ",
	"cap":  "capability",
	"nil":  "isNil",
}
