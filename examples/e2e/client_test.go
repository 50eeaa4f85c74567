package e2e

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/core/parser"
)

// transports are the client configurations of the matrix.
var transports = []string{"websocket", "polling", "upgrade"}

// maxBuffer is the servers' MaxHTTPBufferSize: small, so that payloads
// around it are quick to send.
const maxBuffer = 100_000

// clientServers starts the servers one Node run of client.test.mjs needs:
//
//	main       defaults, but MaxHTTPBufferSize = maxBuffer
//	aux        like main with a 1 s / 2 s heartbeat; its "drop" event cuts
//	           its connections, its "restart" event restarts it on the
//	           same port
//	recovery   connection state recovery, a 2-minute window
//	short      connection state recovery, a 150 ms window
//	msgpack    the MessagePack parser, connection state recovery, the
//	           heartbeat of recovery
//	eio3       AllowEIO3, for socket.io-client 2.5.0 beside 4.x clients
//
// A polling client cut off between two requests (no request in flight to
// fail; or on fasthttp, which cannot tell that a request was aborted) is
// noticed by the heartbeat only, hence the faster heartbeats. The recovery
// servers notice within 1.5 s, before the client reconnects: recovery needs
// the old socket gone, in Node as here. The main server keeps Node's
// heartbeat, so that a loaded machine does not time out its 200 clients.
func clientServers(t *testing.T, in integration, a *app) map[string]*testServer {
	heartbeat := func(interval, timeout time.Duration) core.EngineOptions {
		return core.EngineOptions{MaxHTTPBufferSize: maxBuffer, PingInterval: interval, PingTimeout: timeout}
	}
	return map[string]*testServer{
		"main": startServer(t, "main", in, a, core.Options{Engine: core.EngineOptions{MaxHTTPBufferSize: maxBuffer}}),
		"aux":  startServer(t, "aux", in, a, core.Options{Engine: heartbeat(time.Second, 2*time.Second)}),
		"recovery": startServer(t, "recovery", in, a, core.Options{
			Engine:                  heartbeat(500*time.Millisecond, time.Second),
			ConnectionStateRecovery: &core.ConnectionStateRecovery{},
		}),
		"short": startServer(t, "short", in, a, core.Options{
			Engine:                  heartbeat(500*time.Millisecond, time.Second),
			ConnectionStateRecovery: &core.ConnectionStateRecovery{MaxDisconnectionDuration: 150 * time.Millisecond},
		}),
		"msgpack": startServer(t, "msgpack", in, a, core.Options{
			Engine:                  heartbeat(500*time.Millisecond, time.Second),
			Parser:                  parser.MsgPack,
			ConnectionStateRecovery: &core.ConnectionStateRecovery{},
		}),
		"eio3": startServer(t, "eio3", in, a, core.Options{Engine: core.EngineOptions{MaxHTTPBufferSize: maxBuffer, AllowEIO3: true}}),
	}
}

// TestClient runs client.test.mjs (the real socket.io-client in Node)
// against every integration, once per transport configuration: each case
// is a subtest TestClient/<integration>/<transport>/<case>.
func TestClient(t *testing.T) {
	requireNode(t)
	for _, in := range integrations {
		t.Run(in.name, func(t *testing.T) {
			t.Parallel()
			for _, tr := range transports {
				t.Run(tr, func(t *testing.T) {
					t.Parallel()
					a := &app{files: http.NotFoundHandler()}
					servers := clientServers(t, in, a)
					urls := make(map[string]string, len(servers))
					for name, ts := range servers {
						urls[name] = ts.URL()
					}
					js, _ := json.Marshal(urls)
					runNode(t, "client.test.mjs", map[string]string{
						"E2E_SERVERS":    string(js),
						"E2E_TRANSPORT":  tr,
						"E2E_MAX_BUFFER": strconv.Itoa(maxBuffer),
					}, 4*time.Minute)
				})
			}
		})
	}
}
