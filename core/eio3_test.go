package core_test

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gosio/gosio/core"
)

// TestEIO3HandshakeBehindAuth: app middleware that authenticates only
// handshakes (core.IsHandshake) stays fail closed with AllowEIO3: a request
// without EIO, which the engine opens as Engine.IO 3, is a handshake and is
// refused without credentials; the session's follow-up requests pass; the
// implicit CONNECT of "/" comes without payload ("2:40").
func TestEIO3HandshakeBehindAuth(t *testing.T) {
	t.Parallel()
	io3 := core.NewServer(&core.Options{Engine: core.EngineOptions{AllowEIO3: true}})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = io3.Close(ctx)
	})
	connected := make(chan string, 1)
	io3.OnConnection(func(s *core.Socket) { connected <- s.ID() })
	base := httptestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if core.IsHandshake(r) && r.Header.Get("X-Token") != "ok" {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		io3.ServeHTTP(w, r)
	}))
	get := func(query, token string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", base+"/socket.io/?"+query, nil)
		if token != "" {
			req.Header.Set("X-Token", token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, _ := get("transport=polling", ""); code != http.StatusUnauthorized {
		t.Fatalf("handshake without EIO nor token: %d, want 401", code)
	}
	code, body := get("transport=polling", "ok")
	m := regexp.MustCompile(`^\d+:0\{"sid":"([^"]+)"`).FindStringSubmatch(body)
	if code != http.StatusOK || m == nil {
		t.Fatalf("handshake without EIO: %d %q", code, body)
	}
	sid := m[1]
	if id := recv(t, connected); id != sid {
		t.Fatalf("socket id %q, session %q", id, sid)
	}
	// The CONNECT of "/" comes right after the open packet, in the same
	// payload or the next one.
	connect := strings.HasSuffix(body, "2:40")
	req, _ := http.NewRequest("POST", base+"/socket.io/?transport=polling&sid="+sid, strings.NewReader("1:2"))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("follow-up POST (a ping) without token: %d", res.StatusCode)
	}
	// The pong, and the CONNECT unless it came already, without payload.
	got := ""
	for i := 0; i < 3 && (!strings.Contains(got, "1:3") || !connect); i++ {
		code, body = get("transport=polling&sid="+sid, "")
		if code != http.StatusOK {
			t.Fatalf("follow-up GET without token: %d %q", code, body)
		}
		got += body
		connect = connect || strings.Contains(body, "2:40")
	}
	if !connect || strings.ReplaceAll(strings.ReplaceAll(got, "2:40", ""), "1:3", "") != "" {
		t.Fatalf("follow-up GETs: %q, want the pong 1:3 and the CONNECT 2:40", got)
	}
}
