package main

import (
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"strings"
	"testing"
)

var testOps = []operation{
	{GoName: "ShutdownVM", Method: "PUT", Path: "/vm.shutdown", Summary: "Shut the VM down"},
	{GoName: "ShutdownVMM", Method: "PUT", Path: "/vmm.shutdown"},
	{GoName: "PutVmAddDisk", Method: "PUT", Path: "/vm.add-disk", Summary: "Add a disk"},
}

const testSrc = `package p

import (
	"context"
	"io"
	"net/http"
)

// Client is documented by hand.
type Client struct{}

// ClientInterface is documented by hand.
type ClientInterface interface {
	// PutVmAddDiskWithBody has a comment already.
	PutVmAddDiskWithBody(ctx context.Context, contentType string, body io.Reader) (*http.Response, error)
	PutVmAddDisk(ctx context.Context, body int) (*http.Response, error)
}

func (c *Client) ShutdownVMM(ctx context.Context) (*http.Response, error) { return nil, nil }

func (c *Client) ShutdownVM(ctx context.Context) (*http.Response, error) { return nil, nil }

type ShutdownVMMResponse struct {
	Body         []byte
	HTTPResponse *http.Response
}

type PutVmAddDiskResponse struct {
	Body         []byte
	HTTPResponse *http.Response
	JSON200      *int
}

func (r PutVmAddDiskResponse) StatusCode() int { return 0 }

type StrictHandlerFunc func()
type PutVmAddDisk404Response struct {
}

func (response PutVmAddDisk404Response) VisitPutVmAddDiskResponse(w http.ResponseWriter) error { return nil }

// Documented keeps its own comment.
func Documented() {}

func unexported() {}

type hidden struct{}

func (hidden) Exported() {}
`

func TestAddDocCommentsWording(t *testing.T) {
	out, err := addDocComments([]byte(testSrc), testOps)
	if err != nil {
		t.Fatal(err)
	}
	formatted, err := format.Source(out)
	if err != nil {
		t.Fatalf("output does not format: %v\n%s", err, out)
	}
	docs := docsOf(t, formatted)
	want := map[string]string{
		"ClientInterface.PutVmAddDisk":                      "PutVmAddDisk sends PUT /vm.add-disk with body encoded as JSON and returns the raw HTTP response.",
		"ClientInterface.PutVmAddDiskWithBody":              "PutVmAddDiskWithBody has a comment already.",
		"Client.ShutdownVMM":                                "ShutdownVMM sends PUT /vmm.shutdown and returns the raw HTTP response.",
		"Client.ShutdownVM":                                 `ShutdownVM sends PUT /vm.shutdown and returns the raw HTTP response. reqEditors may modify the request before it is sent. Spec summary: "Shut the VM down".`,
		"ShutdownVMMResponse":                               "ShutdownVMMResponse is the reply to PUT /vmm.shutdown as read by ClientWithResponses: Body holds the raw body and HTTPResponse the response itself.",
		"PutVmAddDiskResponse":                              "JSON200 holds the decoded body of a 200 OK reply with a JSON content type.",
		"PutVmAddDiskResponse.StatusCode":                   "StatusCode returns the HTTP status code of the response, or 0 when there is no response.",
		"StrictHandlerFunc":                                 "StrictHandlerFunc is the signature of a strict operation handler",
		"PutVmAddDisk404Response":                           "PutVmAddDisk404Response is the 404 Not Found reply to PUT /vm.add-disk; it has no body.",
		"PutVmAddDisk404Response.VisitPutVmAddDiskResponse": "VisitPutVmAddDiskResponse writes the 404 Not Found reply to w.",
		"Documented":                                        "Documented keeps its own comment.",
	}
	for key, text := range want {
		got, ok := docs[key]
		if !ok {
			t.Errorf("%s: no doc comment", key)
			continue
		}
		if !strings.Contains(got, text) {
			t.Errorf("%s: doc %q does not contain %q", key, got, text)
		}
	}
	for _, key := range []string{"unexported", "hidden", "hidden.Exported"} {
		if _, ok := docs[key]; ok {
			t.Errorf("%s: got a doc comment, want none", key)
		}
	}
	again, err := addDocComments([]byte(testSrc), testOps)
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != string(out) {
		t.Error("two runs gave different output")
	}
}

func TestAddDocCommentsIsIdempotent(t *testing.T) {
	src := "package p\n\ntype StrictHandlerFunc func()\n"
	once, err := addDocComments([]byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	twice, err := addDocComments(once, nil)
	if err != nil {
		t.Fatal(err)
	}
	if string(once) != string(twice) {
		t.Errorf("second pass changed the output:\n%s\n---\n%s", once, twice)
	}
}

func TestAddDocCommentsUnknownDeclaration(t *testing.T) {
	src := "package p\n\nfunc Mystery() {}\n\ntype Other int\n"
	_, err := addDocComments([]byte(src), testOps)
	if err == nil {
		t.Fatal("want an error for declarations without wording")
	}
	for _, name := range []string{"Mystery", "Other"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name %s", err, name)
		}
	}
}

func TestAddDocCommentsBadSource(t *testing.T) {
	if _, err := addDocComments([]byte("package p\nfunc {"), nil); err == nil {
		t.Fatal("want a parse error")
	}
}

func TestWrap(t *testing.T) {
	got := wrap("aaa bbb ccc ddd", 7)
	if want := "aaa bbb\nccc ddd"; got != want {
		t.Errorf("wrap = %q, want %q", got, want)
	}
	if got := wrap("averyveryverylongword x", 5); got != "averyveryverylongword\nx" {
		t.Errorf("long word: got %q", got)
	}
}

// docsOf maps each declaration (Recv.Name for methods and interface
// methods) to its doc comment text, joined into one line.
func docsOf(t *testing.T, src []byte) map[string]string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "out.go", src, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	docs := map[string]string{}
	text := func(cg *ast.CommentGroup) string { return strings.Join(strings.Fields(cg.Text()), " ") }
	for _, decl := range f.Decls {
		switch d := decl.(type) {
		case *ast.FuncDecl:
			key := d.Name.Name
			if d.Recv != nil {
				key = receiverName(d.Recv.List[0].Type) + "." + key
			}
			if d.Doc != nil {
				docs[key] = text(d.Doc)
			}
		case *ast.GenDecl:
			for _, s := range d.Specs {
				ts, ok := s.(*ast.TypeSpec)
				if !ok {
					continue
				}
				if d.Doc != nil {
					docs[ts.Name.Name] = text(d.Doc)
				}
				if it, ok := ts.Type.(*ast.InterfaceType); ok {
					for _, m := range it.Methods.List {
						if m.Doc != nil {
							docs[ts.Name.Name+"."+m.Names[0].Name] = text(m.Doc)
						}
					}
				}
			}
		}
	}
	return docs
}
