package cloudhypervisor

// Regenerate client.gen.go and internal/chapi/server.gen.go from the
// OpenAPI spec. The generator is a separate module (internal/gen) that
// pins oapi-codegen; set CLOUD_HYPERVISOR_SPEC to use another spec file.
//go:generate go run -C internal/gen .
