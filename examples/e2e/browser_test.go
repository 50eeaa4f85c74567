package e2e

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gosio/gosio/core"
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

// pageFiles serves the chat page (www/) and the official browser bundle of
// socket.io-client from node_modules, as an app would serve its assets.
func pageFiles() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", http.FileServer(http.Dir("www")))
	mux.HandleFunc("/favicon.ico", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	bundle := filepath.Join("node_modules", "socket.io-client", "dist", "socket.io.min.js")
	mux.HandleFunc("/vendor/socket.io.min.js", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, bundle)
	})
	return mux
}

// TestBrowser runs browser.test.mjs (headless Chromium with the browser
// bundle) against every integration: TestBrowser/<integration>/<case>. Both
// servers have connection state recovery on. "steady" keeps Node's
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
			})
			steady := startServer(t, "steady", in, a, core.Options{
				ConnectionStateRecovery: &core.ConnectionStateRecovery{},
			})
			js, _ := json.Marshal(map[string]string{"browser": fast.URL(), "steady": steady.URL()})
			runNode(t, "browser.test.mjs", map[string]string{
				"E2E_SERVERS":   string(js),
				"E2E_TRANSPORT": "websocket", // for the Node control connection
				"E2E_CHROMIUM":  chromiumPath(),
			}, 3*time.Minute)
		})
	}
}
