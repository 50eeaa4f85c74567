package core_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/integrationtest"
)

// askServer starts a server whose "ask" handler waits, with the event's
// context, for its own client's ack of "question" and reports the answer
// (or the error) on the returned channel, where each "tick" handler reports
// its number: the order on the channel is the order the handlers ran in.
// "ping" is acknowledged with "pong".
func askServer(t *testing.T, opts *core.Options) (url string, seq <-chan string) {
	t.Helper()
	srv, base := newServer(t, opts)
	ch := make(chan string, 1024)
	srv.OnConnection(func(s *core.Socket) {
		s.On("ask", func(s *core.Socket, e *core.Event) error {
			a, err := s.EmitWithAck(e.Context(), "question")
			if err != nil {
				ch <- "error: " + err.Error()
				return nil
			}
			v, err := core.Decode[string](a)
			ch <- fmt.Sprint("answer: ", v, err)
			return nil
		})
		s.On("tick", core.Handle(func(s *core.Socket, n int) error {
			ch <- "tick " + strconv.Itoa(n)
			return nil
		}))
		s.On("ping", func(s *core.Socket, e *core.Event) error { return e.Ack("pong") })
	})
	srv.Of("/other")
	return base + srv.Path(), ch
}

// askClient connects a raw client to "/" over transport, sends "ask" and
// returns the id of the "question" the server's handler then waits for.
func askClient(t *testing.T, url, transport string) (*integrationtest.Client, string) {
	t.Helper()
	c := integrationtest.NewClient(t, url, nil)
	switch transport {
	case "polling":
		if st := c.Open(); st != http.StatusOK {
			t.Fatalf("polling handshake: %d", st)
		}
	default:
		if st := c.OpenWS(); st != http.StatusSwitchingProtocols {
			t.Fatalf("websocket handshake: %d", st)
		}
	}
	c.Send("40")
	c.Expect(`40{"sid":`)
	c.Send(`42["ask"]`)
	q := c.Expect("42")
	id, _, ok := strings.Cut(strings.TrimPrefix(q, "42"), `["question"]`)
	if _, err := strconv.ParseUint(id, 10, 64); !ok || err != nil {
		t.Fatalf("want a question with an ack id, got %q", q)
	}
	return c, id
}

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

func tickSeq(from, to int) []string {
	var s []string
	for i := from; i <= to; i++ {
		s = append(s, "tick "+strconv.Itoa(i))
	}
	return s
}

// A handler waiting for its own client's ack gets it although the client
// sent more events than MaxPendingEvents before the ack: the ack frame sits
// behind them in the transport (in the same polling payload, or later
// WebSocket frames), so the reader must read on past the full queue. The
// events, and a CONNECT to another namespace read among them, still run in
// order, after the handler.
func TestAckReadWhilePendingEventsFull(t *testing.T) {
	t.Parallel()
	for _, transport := range []string{"websocket", "polling"} {
		t.Run(transport, func(t *testing.T) {
			t.Parallel()
			url, seq := askServer(t, &core.Options{MaxPendingEvents: 1})
			c, id := askClient(t, url, transport)
			burst := append(ticks(1, 10), `40/other,`)
			c.Send(append(burst, `43`+id+`["yes"]`)...)
			expectSeq(t, seq, "answer: yes<nil>")
			expectSeq(t, seq, tickSeq(1, 10)...)
			c.Expect(`40/other,{"sid":`)
			c.Send(`427["ping"]`)
			c.Expect(`437["pong"]`)
		})
	}
}

// When the client sends more, ahead of the ack, than the allowance past
// MaxPendingEvents (Engine.MaxHTTPBufferSize bytes), the ack wait fails
// with ErrPendingEventsFull instead of growing the queue; no event is
// dropped, they run in order, and the connection goes on.
func TestAckWaitFailsPastPendingAllowance(t *testing.T) {
	t.Parallel()
	for _, transport := range []string{"websocket", "polling"} {
		t.Run(transport, func(t *testing.T) {
			t.Parallel()
			url, seq := askServer(t, &core.Options{MaxPendingEvents: 1, Engine: core.EngineOptions{MaxHTTPBufferSize: 4096}})
			c, id := askClient(t, url, transport)
			const n = 200 // ~20 bytes each, plus the bookkeeping: past 4096
			for i := 1; i <= n; i += 20 {
				c.Send(ticks(i, i+19)...) // polling: POSTs under 4096 bytes
			}
			c.Send(`43` + id + `["too late"]`)
			expectSeq(t, seq, "error: "+core.ErrPendingEventsFull.Error())
			expectSeq(t, seq, tickSeq(1, n)...)
			c.Send(`427["ping"]`)
			c.Expect(`437["pong"]`)
			select {
			case s := <-seq:
				t.Fatalf("unexpected %q", s)
			default:
			}
		})
	}
}

// A client that leaves the namespace instead of answering, behind more
// events than MaxPendingEvents, ends the handler's wait at once: its
// DISCONNECT is read past the full queue.
func TestNamespaceDisconnectReadWhilePendingEventsFull(t *testing.T) {
	t.Parallel()
	for _, transport := range []string{"websocket", "polling"} {
		t.Run(transport, func(t *testing.T) {
			t.Parallel()
			url, seq := askServer(t, &core.Options{MaxPendingEvents: 1})
			c, _ := askClient(t, url, transport)
			c.Send(append(ticks(1, 10), `41`)...)
			// The event's context is the socket's: cancelled by the
			// disconnect too.
			if got := recv(t, seq); got != "error: "+core.ErrDisconnected.Error() && got != "error: "+context.Canceled.Error() {
				t.Fatalf("got %q, want ErrDisconnected or context.Canceled", got)
			}
			// The events read before the DISCONNECT still run, in order
			// (as in Node), and the client may join again.
			expectSeq(t, seq, tickSeq(1, 10)...)
			c.Send("40")
			c.Expect(`40{"sid":`)
			c.Send(`427["ping"]`)
			c.Expect(`437["pong"]`)
		})
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
