package sioprom_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/integrationtest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// newServer starts a server with opts on a loopback listener, closes both
// when the test ends, and returns the server and its Engine.IO endpoint.
func newServer(t *testing.T, opts *core.Options) (*core.Server, string) {
	t.Helper()
	srv, url := integrationtest.StartServer(t, opts)
	return srv, url + srv.Path()
}

// dial opens a WebSocket session on url.
func dial(t *testing.T, url string) *integrationtest.Client {
	t.Helper()
	c := integrationtest.NewClient(t, url, nil)
	if code := c.OpenWS(); code != 101 {
		t.Fatalf("websocket status %d", code)
	}
	return c
}
