package e2e

import (
	"encoding/json"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/gosio/gosio/clientdist"
	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/core/parser"
)

// chromiumPath is Debian's Chromium, or $E2E_CHROMIUM.
func chromiumPath() string {
	if p := os.Getenv("E2E_CHROMIUM"); p != "" {
		return p
	}
	return "/usr/bin/chromium"
}

// requireChromium skips the test when Chromium is missing, unless CI is set:
// then it fails.
func requireChromium(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(chromiumPath()); err == nil {
		return
	}
	msg := "Chromium is missing at " + chromiumPath() + " (apt-get install chromium, or set E2E_CHROMIUM)"
	if inCI() {
		t.Fatal(msg)
	}
	t.Skip(msg + " — skipping (set CI=true to make this a failure)")
}

// pageFiles serves the pages of www/, as an app would serve its assets. The
// socket.io-client bundles come from the gosio server itself
// (Options.ServeClient), at /socket.io/socket.io.min.js and
// /socket.io/socket.io.msgpack.min.js.
func pageFiles() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", http.FileServer(http.Dir("www")))
	// socket.io-client 2.5.0 (Engine.IO 3) is not what gosio serves: the
	// page of the AllowEIO3 case loads it from node_modules.
	mux.HandleFunc("/vendor/socket.io-2.5.0.js", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, "node_modules/socket.io-client-v2/dist/socket.io.js")
	})
	mux.HandleFunc("/favicon.ico", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	return mux
}

// TestBrowser runs browser.test.mjs (headless Chromium with the browser
// bundles the servers serve) against every integration:
// TestBrowser/<integration>/<case>. The chat servers have connection state
// recovery on; "msgpack" speaks the MessagePack parser, for the page that
// loads socket.io.msgpack.min.js; "eio3" has AllowEIO3, for the page that
// loads socket.io-client 2.5.0. "steady" keeps Node's
// heartbeat, for the chat cases: a polling page on a loaded machine may take
// longer than a second to answer a ping. "browser" pings often, for the
// network-cut case, whose page reaches it through a TCP proxy that the case
// cuts: a lost connection is noticed within 1.5 s even if no close gets
// through.
func TestBrowser(t *testing.T) {
	requireNode(t)
	requireChromium(t)
	for _, in := range integrations {
		t.Run(in.name, func(t *testing.T) {
			t.Parallel()
			a := &app{files: pageFiles()}
			fast := startServer(t, "browser", in, a, core.Options{
				Engine: core.EngineOptions{
					PingInterval: 500 * time.Millisecond,
					PingTimeout:  time.Second,
				},
				ConnectionStateRecovery: &core.ConnectionStateRecovery{},
				ServeClient:             clientdist.Bundle,
			})
			steady := startServer(t, "steady", in, a, core.Options{
				ConnectionStateRecovery: &core.ConnectionStateRecovery{},
				ServeClient:             clientdist.Bundle,
			})
			mp := startServer(t, "msgpack", in, a, core.Options{Parser: parser.MsgPack, ServeClient: clientdist.Bundle})
			eio3 := startServer(t, "eio3", in, a, core.Options{Engine: core.EngineOptions{AllowEIO3: true}})
			js, _ := json.Marshal(map[string]string{"browser": fast.URL(), "steady": steady.URL(), "msgpack": mp.URL(), "eio3": eio3.URL()})
			runNode(t, "browser.test.mjs", map[string]string{
				"E2E_SERVERS":   string(js),
				"E2E_TRANSPORT": "websocket", // for the Node control connection
				"E2E_CHROMIUM":  chromiumPath(),
			}, 3*time.Minute)
		})
	}
}
