package main

import (
	"fmt"

	"github.com/getkin/kin-openapi/openapi3"
)

// addRealServerFields puts back request fields that the real servers
// accept but the spec no longer describes, so the generated models can
// send them and the fake's spec validation lets them through.
//
// Every addition names the server source it was read from. An addition is
// skipped when the spec already has the property (older specs do), and
// generation fails if the schema it extends is missing, so a spec rework
// is noticed instead of silently producing a different client.
func addRealServerFields(spec *openapi3.T) error {
	schemas := spec.Components.Schemas
	// ReceiveMigrationData.memory_mode: VmReceiveMigrationData in
	// vmm/src/api/mod.rs has `memory_mode: MigrationMode` (serde default
	// Precopy) at v53.0 (9ed824d6) and at main (ae44c297); the v53.0 spec
	// lists it, the newest spec dropped it.
	return addProperty(schemas, "ReceiveMigrationData", "memory_mode", "MigrationMode")
}

// addProperty adds an optional property named prop to the object schema
// name, referencing the component schema ref.
func addProperty(schemas openapi3.Schemas, name, prop, ref string) error {
	s, ok := schemas[name]
	if !ok || s.Value == nil {
		return fmt.Errorf("schema %s is missing; cannot add %s", name, prop)
	}
	target, ok := schemas[ref]
	if !ok || target.Value == nil {
		return fmt.Errorf("schema %s is missing; cannot add %s.%s", ref, name, prop)
	}
	if _, exists := s.Value.Properties[prop]; exists {
		return nil
	}
	if s.Value.Properties == nil {
		s.Value.Properties = openapi3.Schemas{}
	}
	s.Value.Properties[prop] = openapi3.NewSchemaRef("#/components/schemas/"+ref, target.Value)
	return nil
}
