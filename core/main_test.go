package core_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"go.uber.org/goleak"

	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/integrationtest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// fasthttp's date updater, started by the client files' test, never ends.
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.updateServerDate.func1"))
}

// newServer starts a server on a real loopback listener and closes both when
// the test ends.
func newServer(t *testing.T, opts *core.Options) (*core.Server, string) {
	t.Helper()
	return integrationtest.StartServer(t, opts)
}

// recv waits for a value on ch with a deadline.
func recv[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	return integrationtest.Recv(t, ch)
}

// httptestServer serves h on a loopback listener closed when the test ends;
// the caller closes the Socket.IO server.
func httptestServer(t *testing.T, h http.Handler) string {
	t.Helper()
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	return hs.URL
}
