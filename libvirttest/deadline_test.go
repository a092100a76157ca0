package libvirttest

import (
	"context"
	"testing"
	"time"
)

// testTimeout bounds each test's calls: a call the fake never answers
// fails the test with the call's deadline error instead of hanging it.
const testTimeout = 30 * time.Second

// testCtx returns a context that ends testTimeout from now, or when the
// test ends.
func testCtx(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}
