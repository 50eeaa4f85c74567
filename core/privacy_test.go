package core_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/internal/eiotest"
	"github.com/gosio/gosio/internal/siotest"
)

// Nothing of a client's handshake (cookies, Authorization header, query,
// CONNECT auth payload) reaches other clients unless the app sends it: an
// observer that gets every broadcast about the client, and its connect
// error on a refusing namespace, sees none of it on the wire.
func TestHandshakeNotEchoedToOthers(t *testing.T) {
	t.Parallel()
	srv, url := newServer(t, nil)
	srv.OnConnection(func(s *core.Socket) {
		_ = s.Broadcast().Emit("joined", s.ID())
		s.On("chat", func(s *core.Socket, e *core.Event) error {
			var text string
			if err := e.Decode(0, &text); err != nil {
				return err
			}
			return s.Broadcast().Emit("chat", s.ID(), text)
		})
		s.OnDisconnect(func(s *core.Socket, reason string) {
			_ = srv.Of("/").Emit("left", s.ID(), reason)
		})
	})
	srv.Of("/private").Use(func(next core.ConnectHandler) core.ConnectHandler {
		return func(s *core.Socket) error { return &core.ConnectError{Message: "not allowed"} }
	})

	// The observer records every frame it gets, raw.
	frames := make(chan string, 64)
	obs := eiotest.New(url + "/socket.io/")
	t.Cleanup(obs.Close)
	if err := obs.HandshakeWebSocket(); err != nil {
		t.Fatal(err)
	}
	watch := obs.WS
	go func() {
		defer close(frames)
		for {
			_, b, err := watch.ReadMessage()
			if err != nil {
				return
			}
			frames <- string(b)
		}
	}()
	if err := watch.WriteMessage(websocket.TextMessage, []byte("40")); err != nil {
		t.Fatal(err)
	}
	// The observer is in the namespace before the client comes, or it
	// could miss the client's "joined".
	for f := recvFrame(t, frames); !strings.HasPrefix(f, "40"); f = recvFrame(t, frames) {
	}

	secrets := []string{"COOKIE-SECRET", "BEARER-SECRET", "QUERY-SECRET", "AUTH-SECRET", "HEADER-SECRET"}
	hdr := http.Header{
		"Cookie":        {"session=COOKIE-SECRET"},
		"Authorization": {"Bearer BEARER-SECRET"},
		"X-Api-Key":     {"HEADER-SECRET"},
	}
	c := siotest.Dial(t, url+"/socket.io/?EIO=4&transport=websocket&key=QUERY-SECRET", hdr)
	id := c.MustConnect("/", map[string]string{"token": "AUTH-SECRET"})
	if p := c.Connect("/private", map[string]string{"token": "AUTH-SECRET"}); p == nil {
		t.Fatal("no answer on /private")
	}
	c.Emit("/", -1, "chat", "hello")
	c.Close()

	var seen []string
	for _, want := range []string{"joined", "chat", "left"} {
		for {
			f := recvFrame(t, frames)
			seen = append(seen, f)
			if strings.Contains(f, `"`+want+`"`) && strings.Contains(f, id) {
				break
			}
		}
	}
	for _, f := range seen {
		for _, secret := range secrets {
			if strings.Contains(f, secret) {
				t.Errorf("another client got %q, which carries %s", f, secret)
			}
		}
	}
}

func recvFrame(t *testing.T, frames <-chan string) string {
	t.Helper()
	select {
	case f, ok := <-frames:
		if !ok {
			t.Fatal("observer connection closed")
		}
		return f
	case <-time.After(siotest.Wait):
		t.Fatal("timed out waiting for a frame")
	}
	return ""
}
