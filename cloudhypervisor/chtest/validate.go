package chtest

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/virtwire/libvirt/cloudhypervisor/internal/chapi"
)

// apiPrefix is the path prefix of the API (the spec's server URL path).
const apiPrefix = "/api/v1"

// specRoutes indexes the embedded spec by path.
type specRoutes struct {
	spec  *openapi3.T
	paths map[string]*openapi3.PathItem
}

var (
	routesOnce sync.Once
	routesVal  *specRoutes
	routesErr  error
)

func loadRoutes() (*specRoutes, error) {
	routesOnce.Do(func() {
		spec, err := chapi.GetSpec()
		if err != nil {
			routesErr = fmt.Errorf("chtest: loading embedded spec: %w", err)
			return
		}
		r := &specRoutes{spec: spec, paths: map[string]*openapi3.PathItem{}}
		for p, item := range spec.Paths.Map() {
			r.paths[p] = item
		}
		routesVal = r
	})
	return routesVal, routesErr
}

// operations lists the spec's operations as "METHOD /path", sorted.
func (r *specRoutes) operations() []string {
	var ops []string
	for p, item := range r.paths {
		for method := range item.Operations() {
			ops = append(ops, method+" "+p)
		}
	}
	sort.Strings(ops)
	return ops
}

// route finds the operation for a request. found is false for an
// unknown path; op is nil when the path exists but not for this method.
func (r *specRoutes) route(req *http.Request) (route *routers.Route, found bool) {
	p, ok := strings.CutPrefix(req.URL.Path, apiPrefix)
	if !ok {
		return nil, false
	}
	item, ok := r.paths[p]
	if !ok {
		return nil, false
	}
	op := item.GetOperation(req.Method)
	if op == nil {
		return nil, true
	}
	return &routers.Route{Spec: r.spec, Path: p, PathItem: item, Method: req.Method, Operation: op}, true
}

// validate checks the request (headers, body schema) against the spec.
func (r *specRoutes) validate(req *http.Request, route *routers.Route) error {
	in := &openapi3filter.RequestValidationInput{
		Request: req,
		Route:   route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
	}
	return openapi3filter.ValidateRequest(req.Context(), in)
}
