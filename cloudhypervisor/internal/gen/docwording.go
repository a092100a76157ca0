package main

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

// commentWidth is the column at which doc comment text is wrapped,
// not counting the "// " prefix.
const commentWidth = 74

// docWriter words doc comments for oapi-codegen output.
type docWriter struct {
	ops   map[string]operation
	names []string // operation Go names, sorted
	facts fileFacts
}

func newDocWriter(ops []operation, facts fileFacts) *docWriter {
	w := &docWriter{ops: make(map[string]operation, len(ops)), facts: facts}
	for _, op := range ops {
		w.ops[op.GoName] = op
		w.names = append(w.names, op.GoName)
	}
	return w
}

// describe returns the wrapped doc comment text (without "//") for d, or
// false when there is no rule for it.
func (w *docWriter) describe(d declInfo) (string, bool) {
	text, ok := w.operationDoc(d)
	if !ok {
		text, ok = genericDocs[d.key()]
	}
	if !ok {
		return "", false
	}
	return wrap(text, commentWidth), true
}

// genericDocs words the oapi-codegen helpers that belong to no operation,
// keyed by declInfo.key.
var genericDocs = map[string]string{
	// client
	"HttpRequestDoer.Do": "Do sends req and returns the HTTP response, with the semantics of http.Client.Do.",

	// std-http-server
	"MiddlewareFunc":      "MiddlewareFunc wraps the handler of each operation served through ServerInterfaceWrapper.",
	"ServeMux.HandleFunc": "HandleFunc registers handler for the requests matching pattern, as http.ServeMux.HandleFunc does.",
	"HandlerFromMuxWithBaseURL": "HandlerFromMuxWithBaseURL registers every operation of si on m under the path prefix baseURL " +
		"and returns m.",
	"StdHTTPServerOptions": "StdHTTPServerOptions configures HandlerWithOptions: the path prefix, the mux to register on " +
		"(a new http.ServeMux when nil), the per-operation middlewares and the handler for request errors.",

	// Parameter errors of the std-http-server wrapper.
	"UnescapedCookieParamError":        "UnescapedCookieParamError reports a cookie parameter whose value could not be unescaped; Err is the cause.",
	"UnescapedCookieParamError.Error":  "Error names the cookie parameter that could not be unescaped.",
	"UnescapedCookieParamError.Unwrap": "Unwrap returns the cause, Err.",
	"UnmarshalingParamError":           "UnmarshalingParamError reports a parameter whose value could not be decoded as JSON; Err is the cause.",
	"UnmarshalingParamError.Error":     "Error names the parameter and the decoding failure.",
	"UnmarshalingParamError.Unwrap":    "Unwrap returns the cause, Err.",
	"RequiredParamError":               "RequiredParamError reports a required query parameter that the request lacks.",
	"RequiredParamError.Error":         "Error names the missing query parameter.",
	"RequiredHeaderError":              "RequiredHeaderError reports a required header parameter that the request lacks.",
	"RequiredHeaderError.Error":        "Error names the missing header parameter.",
	"RequiredHeaderError.Unwrap":       "Unwrap returns the cause, Err.",
	"InvalidParamFormatError":          "InvalidParamFormatError reports a parameter whose value is not in the expected format; Err is the cause.",
	"InvalidParamFormatError.Error":    "Error names the parameter and the format problem.",
	"InvalidParamFormatError.Unwrap":   "Unwrap returns the cause, Err.",
	"TooManyValuesForParamError": "TooManyValuesForParamError reports a parameter given several times where one value is expected; " +
		"Count is how many values the request carried.",
	"TooManyValuesForParamError.Error": "Error names the parameter and the number of values it was given.",

	// strict-server
	"StrictHandlerFunc": "StrictHandlerFunc is the signature of a strict operation handler: it takes the decoded request " +
		"object and returns the reply object to write.",
	"StrictMiddlewareFunc": "StrictMiddlewareFunc wraps a StrictHandlerFunc; operationID is the Go name of the operation " +
		"being served.",
	"StrictHTTPServerOptions": "StrictHTTPServerOptions sets how the strict handler reports errors: RequestErrorHandlerFunc " +
		"for requests it cannot decode, ResponseErrorHandlerFunc for handler errors and replies it cannot write.",
	"NewStrictHandler": "NewStrictHandler adapts ssi to ServerInterface, running middlewares around every operation. A " +
		"request that cannot be decoded gets 400 Bad Request and a handler error 500 Internal Server Error, each with the " +
		"error text as body.",
	"NewStrictHandlerWithOptions": "NewStrictHandlerWithOptions is NewStrictHandler with the error reporting taken from options.",
}

// responseTail matches what follows the operation name in a strict-server
// reply type: the status (or "default") and the body kind, e.g. 200JSON.
var responseTail = regexp.MustCompile(`^([0-9]{3}|[Dd]efault)([A-Za-z]*)Response$`)

// operationDoc words the declarations oapi-codegen emits per operation.
func (w *docWriter) operationDoc(d declInfo) (string, bool) {
	name := d.Name
	switch {
	case d.Kind == kindFunc:
		if op, ok := w.match(name, "New", "RequestWithBody"); ok {
			return fmt.Sprintf("%s builds a %s request against server that sends body, labelled with contentType, "+
				"as the request body.", name, op.ref()), true
		}
		if op, ok := w.match(name, "New", "Request"); ok {
			return fmt.Sprintf("%s builds a %s request against server%s.", name, op.ref(), jsonBody(d.HasBody)), true
		}
		if op, ok := w.match(name, "Parse", "Response"); ok {
			return fmt.Sprintf("%s reads and closes the body of rsp, a reply to %s, and returns it as a *%sResponse%s.",
				name, op.ref(), op.GoName, w.decodedPhrase(op.GoName+"Response")), true
		}
	case d.Kind == kindType:
		return w.operationTypeDoc(name)
	case d.Recv == "Client" || d.Recv == "ClientInterface":
		if op, ok := w.match(name, "", "WithBody"); ok {
			return fmt.Sprintf("%s sends %s with body, labelled with contentType, as the request body and returns the raw "+
				"HTTP response. reqEditors may modify the request before it is sent.%s", name, op.ref(), summary(op)), true
		}
		if op, ok := w.match(name, "", ""); ok {
			return fmt.Sprintf("%s sends %s%s and returns the raw HTTP response. reqEditors may modify the request "+
				"before it is sent.%s", name, op.ref(), jsonBody(d.HasBody), summary(op)), true
		}
	case d.Recv == "ClientWithResponses" || d.Recv == "ClientWithResponsesInterface":
		if op, ok := w.match(name, "", "WithBodyWithResponse"); ok {
			return fmt.Sprintf("%s sends %s with body, labelled with contentType, as the request body and parses the "+
				"reply with Parse%sResponse.", name, op.ref(), op.GoName), true
		}
		if op, ok := w.match(name, "", "WithResponse"); ok {
			return fmt.Sprintf("%s sends %s%s and parses the reply with Parse%sResponse.",
				name, op.ref(), jsonBody(d.HasBody), op.GoName), true
		}
	case d.Recv == "ServerInterface":
		if op, ok := w.match(name, "", ""); ok {
			return fmt.Sprintf("%s handles %s, reading the request from r and writing the reply to w.%s",
				name, op.ref(), summary(op)), true
		}
	case d.Recv == "ServerInterfaceWrapper":
		if op, ok := w.match(name, "", ""); ok {
			return fmt.Sprintf("%s serves %s by calling Handler.%s through HandlerMiddlewares.", name, op.ref(), name), true
		}
	case d.Recv == "StrictServerInterface":
		if op, ok := w.match(name, "", ""); ok {
			return fmt.Sprintf("%s handles %s: it gets the decoded request and returns the reply to write, or an error "+
				"for the strict handler's ResponseErrorHandlerFunc.%s", name, op.ref(), summary(op)), true
		}
	default:
		return w.responseMethodDoc(d)
	}
	return "", false
}

// operationTypeDoc words the per-operation types of both outputs.
func (w *docWriter) operationTypeDoc(name string) (string, bool) {
	if op, ok := w.match(name, "", "JSONRequestBody"); ok {
		return fmt.Sprintf("%s is the JSON request body of %s.", name, op.ref()), true
	}
	if op, ok := w.match(name, "", "RequestObject"); ok {
		text := fmt.Sprintf("%s is the request the strict handler passes to StrictServerInterface.%s for %s.",
			name, op.GoName, op.ref())
		if w.hasField(name, "Body") {
			text += " Body is the decoded JSON request body."
		}
		return text, true
	}
	if op, ok := w.match(name, "", "ResponseObject"); ok {
		return fmt.Sprintf("%s is implemented by every reply StrictServerInterface.%s may return for %s.",
			name, op.GoName, op.ref()), true
	}
	if op, ok := w.match(name, "", "Response"); ok {
		return fmt.Sprintf("%s is the reply to %s as read by ClientWithResponses: Body holds the raw body and "+
			"HTTPResponse the response itself.%s", name, op.ref(), w.payloadFields(name)), true
	}
	if op, status, kind, ok := w.matchReply(name); ok {
		text := fmt.Sprintf("%s is the %s reply to %s", name, statusPhrase(status), op.ref())
		switch {
		case kind == "JSON":
			text += ", written with the value encoded as a JSON body."
		case kind == "" && w.hasNoFields(name):
			text += "; it has no body."
		default:
			text += fmt.Sprintf(", written with a %s body.", kind)
		}
		return text, true
	}
	return "", false
}

// responseMethodDoc words the methods of per-operation reply types.
func (w *docWriter) responseMethodDoc(d declInfo) (string, bool) {
	if _, ok := w.match(d.Recv, "", "Response"); ok && d.Kind == kindMethod {
		switch d.Name {
		case "Status":
			return "Status returns the status text of the HTTP response, such as \"200 OK\", or the empty string " +
				"when there is no response.", true
		case "StatusCode":
			return "StatusCode returns the HTTP status code of the response, or 0 when there is no response.", true
		case "ContentType":
			return "ContentType returns the Content-Type header of the HTTP response, or the empty string when " +
				"there is no response.", true
		}
	}
	if op, ok := w.match(d.Recv, "", "ResponseObject"); ok && d.Name == "Visit"+op.GoName+"Response" {
		return fmt.Sprintf("%s writes the reply to w.", d.Name), true
	}
	if op, status, kind, ok := w.matchReply(d.Recv); ok && d.Name == "Visit"+op.GoName+"Response" {
		text := fmt.Sprintf("%s writes the %s reply to w", d.Name, statusPhrase(status))
		if kind == "JSON" {
			text += ", with the value encoded as JSON in the body"
		}
		return text + ".", true
	}
	return "", false
}

// match reports the operation whose Go name is exactly name without
// prefix and suffix.
func (w *docWriter) match(name, prefix, suffix string) (operation, bool) {
	rest, ok := strings.CutPrefix(name, prefix)
	if !ok {
		return operation{}, false
	}
	rest, ok = strings.CutSuffix(rest, suffix)
	if !ok {
		return operation{}, false
	}
	op, ok := w.ops[rest]
	return op, ok
}

// matchReply splits a strict-server reply type name such as
// PutVmAddDisk200JSONResponse into its operation, status and body kind.
func (w *docWriter) matchReply(name string) (op operation, status, kind string, ok bool) {
	for _, goName := range w.names {
		rest, found := strings.CutPrefix(name, goName)
		if !found {
			continue
		}
		if m := responseTail.FindStringSubmatch(rest); m != nil {
			return w.ops[goName], m[1], m[2], true
		}
	}
	return operation{}, "", "", false
}

func (w *docWriter) hasField(typeName, field string) bool {
	for _, f := range w.facts.fields[typeName] {
		if f == field {
			return true
		}
	}
	return false
}

func (w *docWriter) hasNoFields(typeName string) bool {
	fields, ok := w.facts.fields[typeName]
	return ok && len(fields) == 0
}

// payloadFields words the decoded-payload fields (JSON200, ...) of a
// client reply type.
func (w *docWriter) payloadFields(typeName string) string {
	var b strings.Builder
	for _, f := range w.facts.fields[typeName] {
		status, ok := strings.CutPrefix(f, "JSON")
		if !ok || status == "" {
			continue
		}
		fmt.Fprintf(&b, " %s holds the decoded body of a %s reply with a JSON content type.", f, statusPhrase(status))
	}
	return b.String()
}

// decodedPhrase says which replies Parse<Op>Response decodes.
func (w *docWriter) decodedPhrase(typeName string) string {
	var statuses []string
	for _, f := range w.facts.fields[typeName] {
		if status, ok := strings.CutPrefix(f, "JSON"); ok && status != "" {
			statuses = append(statuses, status)
		}
	}
	if len(statuses) == 0 {
		return ""
	}
	return fmt.Sprintf(", decoding the JSON body of a %s reply", strings.Join(statuses, " or "))
}

// statusPhrase renders a status such as "404" as "404 Not Found".
func statusPhrase(status string) string {
	if strings.EqualFold(status, "default") {
		return "default (any other status)"
	}
	if code, err := strconv.Atoi(status); err == nil {
		if text := http.StatusText(code); text != "" {
			return status + " " + text
		}
	}
	return status
}

func jsonBody(hasBody bool) string {
	if hasBody {
		return " with body encoded as JSON"
	}
	return ""
}

// summary quotes the spec's summary of op as a closing sentence.
func summary(op operation) string {
	if op.Summary == "" {
		return ""
	}
	return fmt.Sprintf(` Spec summary: "%s".`, op.Summary)
}

// wrap breaks text into lines of at most width bytes where possible,
// splitting only at spaces.
func wrap(text string, width int) string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(text) {
		switch {
		case line == "":
			line = word
		case len(line)+1+len(word) > width:
			lines = append(lines, line)
			line = word
		default:
			line += " " + word
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}
