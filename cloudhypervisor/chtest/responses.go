package chtest

import (
	"encoding/json"
	"net/http"
)

// unknownField is added to JSON answers to stand for the fields the real
// server sends that the spec does not describe.
const unknownField = "chtest_field_not_in_spec"

// jsonWithExtra is a 200 JSON answer carrying one field the spec lacks.
type jsonWithExtra struct{ v any }

func (r jsonWithExtra) write(w http.ResponseWriter) error {
	data, err := json.Marshal(r.v)
	if err != nil {
		return err
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil {
		return err
	}
	obj[unknownField] = json.RawMessage(`{"note":"clients must ignore this"}`)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	return json.NewEncoder(w).Encode(obj)
}

// VisitGetVmInfoResponse writes the vm.info answer.
func (r jsonWithExtra) VisitGetVmInfoResponse(w http.ResponseWriter) error { return r.write(w) }

// VisitGetVmmPingResponse writes the vmm.ping answer.
func (r jsonWithExtra) VisitGetVmmPingResponse(w http.ResponseWriter) error { return r.write(w) }

// shutdownVMM200 is the real server's answer to vmm.shutdown: 200 with
// no body (the spec declares 204).
type shutdownVMM200 struct{}

// VisitShutdownVMMResponse writes the 200 answer.
func (shutdownVMM200) VisitShutdownVMMResponse(w http.ResponseWriter) error {
	w.WriteHeader(http.StatusOK)
	return nil
}
