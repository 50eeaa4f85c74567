package engine_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gosio/gosio/core/engine"
	"github.com/gosio/gosio/internal/eiotest"
)

func TestPollingEcho(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{})
	c, _ := e.pollingSession(t)
	res, err := c.Post(eiotest.EncodePayload(eiotest.Message("a"), eiotest.Message("b")))
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != 200 || res.Body != "ok" || res.Header.Get("Content-Type") != "text/html" {
		t.Fatalf("post answer %d %q %v", res.Status, res.Body, res.Header)
	}
	if m := e.rec.nextMessage(t); string(m.Data) != "a" {
		t.Fatalf("first message %q", m.Data)
	}
	if m := e.rec.nextMessage(t); string(m.Data) != "b" {
		t.Fatalf("second message %q", m.Data)
	}
	res, err = c.PollRaw()
	if err != nil {
		t.Fatal(err)
	}
	if res.Body != "4a\x1e4b" || res.Header.Get("Content-Type") != "text/plain; charset=UTF-8" || res.Header.Get("Content-Length") != "5" {
		t.Fatalf("poll answer %q %v", res.Body, res.Header)
	}
}

func TestPollingCoalescesQueue(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{})
	c, s := e.pollingSession(t)
	for _, m := range []string{"one", "two", "three"} {
		if err := s.Send(engine.Message{Data: []byte(m)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Send(engine.Message{Data: []byte("x")}, engine.Message{Data: []byte{1, 2, 3, 4}, Binary: true}); err != nil {
		t.Fatal(err)
	}
	res, err := c.PollRaw()
	if err != nil {
		t.Fatal(err)
	}
	if want := "4one\x1e4two\x1e4three\x1e4x\x1ebAQIDBA=="; res.Body != want {
		t.Fatalf("payload %q, want %q", res.Body, want)
	}
}

func TestPollingWaitsForData(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{})
	c, s := e.pollingSession(t)
	ch := asyncPoll(c)
	select {
	case r := <-ch:
		t.Fatalf("GET answered without data: %+v", r)
	case <-time.After(50 * time.Millisecond):
	}
	if err := s.Send(engine.Message{Data: []byte("late")}); err != nil {
		t.Fatal(err)
	}
	if got := recv(t, ch).body(t); got != "4late" {
		t.Fatalf("payload %q", got)
	}
}

func TestPollingBinary(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{})
	c, _ := e.pollingSession(t)
	bin := []byte{0, 1, 2, 0xff, 0x1e}
	if err := c.Send(eiotest.BinaryMessage(bin), eiotest.Message("t")); err != nil {
		t.Fatal(err)
	}
	if m := e.rec.nextMessage(t); !m.Binary || string(m.Data) != string(bin) {
		t.Fatalf("binary message %+v", m)
	}
	e.rec.nextMessage(t)
	ps, err := c.Poll()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ps, []eiotest.Packet{eiotest.BinaryMessage(bin), eiotest.Message("t")}) {
		t.Fatalf("echo %+v", ps)
	}
}

func TestPollingConcurrentGETClosesSession(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{})
	c, s := e.pollingSession(t)
	first := asyncPoll(c)
	eventually(t, "first GET parked", func() bool { return engine.GetParked(s) })
	res, err := c.PollRaw()
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, res, 400, 3)
	ev := e.rec.nextClose(t, engine.ReasonTransportError)
	if ev.err == nil {
		t.Error("no cause")
	}
	if got := recv(t, first).body(t); got != "1" {
		t.Fatalf("first GET answered %q, want close packet", got)
	}
	res, err = c.PollRaw()
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, res, 400, 1)
}

func TestPollingClientCloseReleasesGETWithNoop(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{})
	c, s := e.pollingSession(t)
	pending := asyncPoll(c)
	eventually(t, "GET parked", func() bool { return engine.GetParked(s) })
	res, err := c.Post("1")
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != 200 {
		t.Fatalf("POST close: status %d", res.Status)
	}
	if got := recv(t, pending).body(t); got != "6" {
		t.Fatalf("pending GET answered %q, want noop", got)
	}
	e.rec.nextClose(t, engine.ReasonTransportClose)
	res, err = c.PollRaw()
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, res, 400, 1)
}

func TestPollingAbortedGETClosesSession(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{})
	c, s := e.pollingSession(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := c.DoContext(ctx, http.MethodGet, c.Query("polling"), "", nil)
		done <- err
	}()
	eventually(t, "GET parked", func() bool { return engine.GetParked(s) })
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("client error %v", err)
	}
	e.rec.nextClose(t, engine.ReasonTransportClose)
	if e.srv.Count() != 0 {
		t.Fatal("session still counted")
	}
}

// A POST over MaxHTTPBufferSize is answered 413 with an empty body and
// leaves the session as it was, as in Node: the client closes it itself
// (engine.io-client reports "transport error" with the 413). The pending GET
// stays parked, and the next POST and GET work.
func TestPollingPostTooLarge(t *testing.T) {
	t.Parallel()
	testPostTooLarge(t, newEnv)
}

// testPostTooLarge runs the oversized-POST scenario on the server newEnv
// starts, with and without a Content-Length, just and far over the limit.
func testPostTooLarge(t *testing.T, newEnv func(testing.TB, engine.Options, ...func(*recorder)) *env) {
	const limit = 100
	e := newEnv(t, engine.Options{MaxHTTPBufferSize: limit, CORS: &engine.CORS{Origins: []string{"*"}}})
	for _, tc := range []struct {
		name    string
		size    int // of the payload
		chunked bool
	}{
		{"just over", limit + 1, false},
		{"just over chunked", limit + 1, true},
		{"far over", 1 << 20, false},
		{"far over chunked", 1 << 20, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, s := e.pollingSession(t)
			if err := c.Send(eiotest.Message(strings.Repeat("x", limit-1))); err != nil {
				t.Fatalf("payload of exactly the limit: %v", err)
			}
			if m := e.rec.nextMessage(t); len(m.Data) != limit-1 {
				t.Fatalf("limit-sized message: %d bytes", len(m.Data))
			}
			if got := recv(t, asyncPoll(c)).body(t); len(got) != limit {
				t.Fatalf("echo of the limit-sized message: %d bytes", len(got))
			}
			pending := asyncPoll(c)
			eventually(t, "GET parked", func() bool { return engine.GetParked(s) })

			res := postPayload(t, c, "4"+strings.Repeat("y", tc.size-1), tc.chunked)
			if res.Status != http.StatusRequestEntityTooLarge || res.Body != "" {
				t.Fatalf("answer %d %q, want 413 with no body", res.Status, res.Body)
			}
			if got := res.Header.Get("Access-Control-Allow-Origin"); got != "*" {
				t.Errorf("CORS header %q on the 413", got)
			}
			if len(e.rec.events[evMessage]) != 0 || len(e.rec.events[evClose]) != 0 {
				t.Fatal("the oversized payload was delivered or closed the session")
			}
			select {
			case p := <-pending:
				t.Fatalf("pending GET answered: %q %v", p.res.Body, p.err)
			default:
			}
			if !engine.GetParked(s) || e.srv.Count() == 0 {
				t.Fatal("session gone")
			}
			if err := c.Send(eiotest.Message("next")); err != nil {
				t.Fatalf("POST after the 413: %v", err)
			}
			if m := e.rec.nextMessage(t); string(m.Data) != "next" {
				t.Fatalf("message %q", m.Data)
			}
			if got := recv(t, pending).body(t); got != "4next" {
				t.Fatalf("pending GET got %q", got)
			}
			if err := c.Send(eiotest.Packet{Type: eiotest.Close}); err != nil {
				t.Fatal(err)
			}
			if ev := e.rec.nextClose(t, engine.ReasonTransportClose); ev.s != s {
				t.Fatal("another session closed")
			}
		})
	}
}

// postPayload sends payload in a polling POST, with a Content-Length or,
// when chunked, without one (Transfer-Encoding: chunked).
func postPayload(t *testing.T, c *eiotest.Client, payload string, chunked bool) *eiotest.Response {
	t.Helper()
	ctx, cancel := ctxWait()
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL+"?"+c.Query("polling"), strings.NewReader(payload))
	if err != nil {
		t.Fatal(err)
	}
	if chunked {
		req.ContentLength = -1 // unknown: the transport sends it chunked
	}
	req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	res, err := c.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return &eiotest.Response{Status: res.StatusCode, Header: res.Header, Body: string(b)}
}

func TestPollingPostMalformed(t *testing.T) {
	t.Parallel()
	for _, body := range []string{"", "9abc", "bnot base64!", "4a\x1e", "\x1e4a", "4a\x1e\x1e4b", "x"} {
		t.Run(fmt.Sprintf("%q", body), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, engine.Options{})
			c, _ := e.pollingSession(t)
			res, err := c.Do(http.MethodPost, c.Query("polling"), body, http.Header{"Content-Type": {"text/plain"}})
			if err != nil {
				t.Fatal(err)
			}
			wantError(t, res, 400, 3)
			ev := e.rec.nextClose(t, engine.ReasonParseError)
			if !errors.Is(ev.err, engine.ErrMalformed) {
				t.Fatalf("cause %v", ev.err)
			}
			e.rec.none(t, evMessage, 10*time.Millisecond)
		})
	}
}

func TestPollingBinaryContentTypeRejected(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{})
	c, _ := e.pollingSession(t)
	res, err := c.Do(http.MethodPost, c.Query("polling"), "4x", http.Header{"Content-Type": {"application/octet-stream"}})
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, res, 400, 3)
	e.rec.nextClose(t, engine.ReasonTransportError)
}

func TestPollingConcurrentPOSTsKeepOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{}, func(r *recorder) {
		r.onMessage = func(*engine.Session, engine.Message) { time.Sleep(100 * time.Microsecond) }
	})
	c, _ := e.pollingSession(t)
	const posts, per = 8, 20
	var wg sync.WaitGroup
	errs := make(chan error, posts)
	for p := 0; p < posts; p++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ps := make([]eiotest.Packet, per)
			for i := range ps {
				ps[i] = eiotest.Message(fmt.Sprintf("%d-%d", p, i))
			}
			errs <- c.Send(ps...)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	// Each POST's messages arrive contiguously and in order.
	for p := 0; p < posts; p++ {
		var post int
		for i := 0; i < per; i++ {
			var gotP, gotI int
			m := e.rec.nextMessage(t)
			if _, err := fmt.Sscanf(string(m.Data), "%d-%d", &gotP, &gotI); err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				post = gotP
			}
			if gotP != post || gotI != i {
				t.Fatalf("message %q out of order (post %d, index %d)", m.Data, post, i)
			}
		}
	}
}

func TestPollingMessageDataOwned(t *testing.T) {
	t.Parallel()
	got := make(chan []byte, 2)
	e := newEnv(t, engine.Options{}, func(r *recorder) {
		r.onMessage = func(_ *engine.Session, m engine.Message) { got <- m.Data }
	})
	c, _ := e.pollingSession(t)
	if err := c.Send(eiotest.Message("ab"), eiotest.Message("cd")); err != nil {
		t.Fatal(err)
	}
	a, b := <-got, <-got
	_ = append(a, 'Z') // must not overwrite the next message
	if string(b) != "cd" || string(a) != "ab" {
		t.Fatalf("%q %q", a, b)
	}
}
