package lvgen

import (
	"fmt"
	"strings"
)

// phaseDocs says which public libvirt API drives each procedure that has
// no C function of its own: the phases of the migration protocols, the
// authentication steps and the feature probe of opening a connection, and
// the event registrations behind the Subscribe methods. The generated doc
// comment names them and links the first one, so a reader of the raw
// method knows what to call instead.
var phaseDocs = map[string]struct {
	role string
	apis []string
}{
	"CONNECT_SUPPORTS_FEATURE": {"the feature probe libvirt's client makes while opening a connection (keepalive) and before typed-parameter getters (string parameters)", []string{"virConnectOpenAuth"}},
	"AUTH_LIST":                {"the first step of authentication, done by Dial", []string{"virConnectOpenAuth"}},
	"AUTH_SASL_INIT":           {"a step of SASL authentication, done by Dial", []string{"virConnectOpenAuth"}},
	"AUTH_SASL_START":          {"a step of SASL authentication, done by Dial", []string{"virConnectOpenAuth"}},
	"AUTH_SASL_STEP":           {"a step of SASL authentication, done by Dial", []string{"virConnectOpenAuth"}},
	"AUTH_POLKIT":              {"polkit authentication, done by Dial", []string{"virConnectOpenAuth"}},

	"DOMAIN_MIGRATE_PREPARE":        {"a phase of the version 1 migration protocol", []string{"virDomainMigrate", "virDomainMigrateToURI"}},
	"DOMAIN_MIGRATE_PERFORM":        {"a phase of the version 1 migration protocol", []string{"virDomainMigrate", "virDomainMigrateToURI"}},
	"DOMAIN_MIGRATE_FINISH":         {"a phase of the version 1 migration protocol", []string{"virDomainMigrate", "virDomainMigrateToURI"}},
	"DOMAIN_MIGRATE_PREPARE2":       {"a phase of the version 2 migration protocol", []string{"virDomainMigrate", "virDomainMigrateToURI"}},
	"DOMAIN_MIGRATE_FINISH2":        {"a phase of the version 2 migration protocol", []string{"virDomainMigrate", "virDomainMigrateToURI"}},
	"DOMAIN_MIGRATE_PREPARE_TUNNEL": {"the destination side of tunnelled version 2 migration", []string{"virDomainMigrate"}},

	"DOMAIN_MIGRATE_BEGIN3":          {"the source's first phase of the version 3 migration protocol", []string{"virDomainMigrate2", "virDomainMigrateToURI2"}},
	"DOMAIN_MIGRATE_PREPARE3":        {"the destination's prepare phase of the version 3 migration protocol", []string{"virDomainMigrate2", "virDomainMigrateToURI2"}},
	"DOMAIN_MIGRATE_PREPARE_TUNNEL3": {"the destination's prepare phase of tunnelled version 3 migration", []string{"virDomainMigrate2"}},
	"DOMAIN_MIGRATE_PERFORM3":        {"the source's perform phase of the version 3 migration protocol", []string{"virDomainMigrate2", "virDomainMigrateToURI2"}},
	"DOMAIN_MIGRATE_FINISH3":         {"the destination's finish phase of the version 3 migration protocol", []string{"virDomainMigrate2", "virDomainMigrateToURI2"}},
	"DOMAIN_MIGRATE_CONFIRM3":        {"the source's confirm phase of the version 3 migration protocol", []string{"virDomainMigrate2", "virDomainMigrateToURI2"}},

	"DOMAIN_MIGRATE_BEGIN3_PARAMS":          {"the source's first phase of parameter-based migration", []string{"virDomainMigrate3", "virDomainMigrateToURI3"}},
	"DOMAIN_MIGRATE_PREPARE3_PARAMS":        {"the destination's prepare phase of parameter-based migration", []string{"virDomainMigrate3", "virDomainMigrateToURI3"}},
	"DOMAIN_MIGRATE_PREPARE_TUNNEL3_PARAMS": {"the destination's prepare phase of tunnelled parameter-based migration", []string{"virDomainMigrate3"}},
	"DOMAIN_MIGRATE_PERFORM3_PARAMS":        {"the source's perform phase of parameter-based migration (the only call of peer-to-peer migration)", []string{"virDomainMigrate3", "virDomainMigrateToURI3"}},
	"DOMAIN_MIGRATE_FINISH3_PARAMS":         {"the destination's finish phase of parameter-based migration", []string{"virDomainMigrate3", "virDomainMigrateToURI3"}},
	"DOMAIN_MIGRATE_CONFIRM3_PARAMS":        {"the source's confirm phase of parameter-based migration", []string{"virDomainMigrate3", "virDomainMigrateToURI3"}},

	"CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY":   {"the registration behind SubscribeDomainEvents", []string{"virConnectDomainEventRegisterAny"}},
	"CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY": {"the deregistration behind Subscription.Close", []string{"virConnectDomainEventDeregisterAny"}},
}

// phaseDocLines returns the doc comment lines for a procedure without a C
// function: what it is and which public API drives it. ok is false for a
// procedure the table does not know (render then fails, so none is left
// undocumented).
func phaseDocLines(name, base, num string) ([]string, bool) {
	d, ok := phaseDocs[base]
	if !ok {
		return nil, false
	}
	lines := []string{
		fmt.Sprintf("%s sends the %s procedure (%s): %s.", name, strings.ToLower(base), num, d.role),
		fmt.Sprintf("It has no C function of its own; %s drive%s it.", strings.Join(d.apis, " and "), map[bool]string{true: "", false: "s"}[len(d.apis) > 1]),
		"",
		"See https://libvirt.org/html/libvirt-libvirt-" + headerOf(d.apis[0]) + ".html#" + d.apis[0],
	}
	return lines, true
}

// headerOf names the API reference page of a C function in phaseDocs.
func headerOf(api string) string {
	if strings.HasPrefix(api, "virConnectOpen") {
		return "host"
	}
	return "domain"
}
