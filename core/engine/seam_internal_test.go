package engine

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

// countingHandler counts OnOpen calls and its sessions' OnClose calls.
type countingHandler struct{ opens, closes atomic.Int32 }

func (h *countingHandler) OnOpen(*Session) SessionHandler {
	h.opens.Add(1)
	return (*countingSession)(h)
}

// countingSession is the SessionHandler of every countingHandler session.
type countingSession countingHandler

func (*countingSession) OnMessage(Message)       {}
func (c *countingSession) OnClose(string, error) { c.closes.Add(1) }

// TestSessionClosedBeforeStartGetsNoCallbacks: a session closed between
// its registration and its start (Server.Close racing a handshake, a window
// no client can aim at, hence the internal test) gets neither OnOpen nor
// OnClose, whichever of start and the close's OnClose goroutine takes the
// handler lock first; a session started and then closed gets both.
func TestSessionClosedBeforeStartGetsNoCallbacks(t *testing.T) {
	t.Parallel()
	h := &countingHandler{}
	srv := NewServer(h, Options{})
	early := newSession(srv, "closed-early", &OpenRequest{}, TransportPolling)
	if e := srv.register(early); e != nil {
		t.Fatal(e)
	}
	early.closeNow(ReasonForcedClose, nil)
	early.start(nil)

	normal := newSession(srv, "started", &OpenRequest{}, TransportPolling)
	if e := srv.register(normal); e != nil {
		t.Fatal(e)
	}
	normal.start(nil)
	normal.closeNow(ReasonForcedClose, nil)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Close(ctx); err != nil { // waits for the OnClose goroutines
		t.Fatal(err)
	}
	if o, c := h.opens.Load(), h.closes.Load(); o != 1 || c != 1 {
		t.Fatalf("%d OnOpen and %d OnClose calls, want 1 and 1 (the started session's only)", o, c)
	}
}
