package core_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/integrationtest"
)

func ticks(from, to int) []string {
	var ps []string
	for i := from; i <= to; i++ {
		ps = append(ps, `42["tick",`+strconv.Itoa(i)+`]`)
	}
	return ps
}

// expectSeq reads want from seq, in order.
func expectSeq(t *testing.T, seq <-chan string, want ...string) {
	t.Helper()
	for _, w := range want {
		if got := recv(t, seq); got != w {
			t.Fatalf("got %q, want %q", got, w)
		}
	}
}

// A connection that closes while its reading is paused, behind a handler
// that waits for its socket's context, closes at once: the paused reader
// gives way to the close, which cancels the context. (The reader used to
// hold the close up, and the handler held the reader up: for ever.)
func TestCloseWhileReadingPaused(t *testing.T) {
	t.Parallel()
	for _, transport := range []string{"websocket", "polling"} {
		t.Run(transport, func(t *testing.T) {
			t.Parallel()
			srv, base := newServer(t, &core.Options{MaxPendingEvents: 1})
			url := base + srv.Path()
			sockets := make(chan *core.Socket, 1)
			held := make(chan string, 2)
			reasons := make(chan string, 1)
			srv.OnConnection(func(s *core.Socket) {
				s.On("hold", func(s *core.Socket, e *core.Event) error {
					held <- "holding"
					<-e.Context().Done()
					held <- "released"
					return nil
				})
				s.OnDisconnect(func(_ *core.Socket, reason string) { reasons <- reason })
				sockets <- s
			})
			c := integrationtest.NewClient(t, url, nil)
			if transport == "polling" {
				c.Open()
			} else {
				c.OpenWS()
			}
			c.Send("40")
			c.Expect(`40{"sid":`)
			s := recv(t, sockets)
			// A broadcast's ack, which the reader handles as it reads it,
			// tells when the reader is past "hold" and the first tick,
			// which fill the queue: it blocks on the next tick. (A
			// broadcast's ack wait does not keep the reading going.)
			probed := make(chan error, 1)
			go func() {
				_, err := srv.To(s.ID()).Timeout(integrationtest.Wait).EmitWithAck(context.Background(), "probe")
				probed <- err
			}()
			q := c.Expect("42")
			id, _, _ := strings.Cut(strings.TrimPrefix(q, "42"), `["probe"]`)
			burst := []string{`42["hold"]`, `42["tick",1]`, `43` + id + `[]`, `42["tick",2]`, `42["tick",3]`}
			posted := make(chan error, 1)
			if transport == "polling" {
				// The POST does not return while its reading is paused.
				go func() { posted <- post(url, s.ConnID(), strings.Join(burst, "\x1e")) }()
			} else {
				c.Send(burst...)
				posted <- nil
			}
			expectSeq(t, held, "holding")
			if err := recv(t, probed); err != nil {
				t.Fatalf("probe: %v", err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), integrationtest.Wait)
			defer cancel()
			if err := srv.Close(ctx); err != nil {
				t.Fatalf("close: %v", err)
			}
			expectSeq(t, held, "released")
			if r := recv(t, reasons); r != core.ReasonServerShuttingDown {
				t.Errorf("reason %q", r)
			}
			if err := recv(t, posted); err != nil {
				t.Error(err)
			}
		})
	}
}

// post sends one polling POST of session sid, with a deadline.
func post(url, sid, body string) error {
	hc := &http.Client{Timeout: integrationtest.Wait}
	defer hc.CloseIdleConnections()
	res, err := hc.Post(url+"?EIO=4&transport=polling&sid="+sid, "text/plain;charset=UTF-8", strings.NewReader(body))
	if err != nil {
		return err
	}
	return res.Body.Close()
}
