package core_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/internal/siotest"
)

// outgoing is one call of an outgoing listener, its args as JSON.
type outgoing struct {
	sid, event, args string
}

// listenOut registers an outgoing listener on s that reports each call.
func listenOut(t *testing.T, s *core.Socket) <-chan outgoing {
	t.Helper()
	ch := make(chan outgoing, 16)
	s.OnAnyOutgoing(func(s *core.Socket, event string, args []any) {
		b, err := json.Marshal(args)
		if err != nil {
			b = []byte(err.Error())
		}
		ch <- outgoing{s.ID(), event, string(b)}
	})
	return ch
}

func expectOut(t *testing.T, ch <-chan outgoing, sid, event, args string) {
	t.Helper()
	got := recv(t, ch)
	if want := (outgoing{sid, event, args}); got != want {
		t.Errorf("outgoing listener got %+v, want %+v", got, want)
	}
}

// The outgoing listeners see every broadcast that reaches their socket, as
// in Node, with the event's arguments as sent: the ack a broadcast or an
// emit waits for is not among them, and a volatile event is seen too.
func TestOnAnyOutgoingSeesBroadcasts(t *testing.T) {
	t.Parallel()
	srv, url := newServer(t, nil)
	cs, ss := joinClients(t, srv, url, 2)
	out0, out1 := listenOut(t, ss[0]), listenOut(t, ss[1])
	id0, id1 := ss[0].ID(), ss[1].ID()

	if err := srv.Emit("news", "x", 1); err != nil {
		t.Fatal(err)
	}
	expectOut(t, out0, id0, "news", `["x",1]`)
	expectOut(t, out1, id1, "news", `["x",1]`)
	for _, c := range cs {
		if e := c.ExpectEvent(); e.Name != "news" {
			t.Fatalf("client got %q, want news", e.Name)
		}
	}

	// socket.broadcast leaves the sender out: its listener sees the
	// next event first.
	if err := ss[0].Broadcast().Emit("others", 2); err != nil {
		t.Fatal(err)
	}
	expectOut(t, out1, id1, "others", `[2]`)
	cs[1].ExpectEvent()
	if err := srv.Volatile().To(id0).Emit("vol", 3); err != nil {
		t.Fatal(err)
	}
	expectOut(t, out0, id0, "vol", `[3]`)

	// A broadcast with acks: the listeners see the arguments alone.
	type result struct {
		acks []*core.Args
		err  error
	}
	done := make(chan result, 1)
	go func() {
		acks, err := srv.Timeout(siotest.Wait).EmitWithAck(context.Background(), "ask", 4)
		done <- result{acks, err}
	}()
	expectOut(t, out0, id0, "ask", `[4]`)
	expectOut(t, out1, id1, "ask", `[4]`)
	for _, c := range cs {
		e := c.ExpectEvent()
		if e.Name == "vol" { // sent to c0 before; it may come first
			e = c.ExpectEvent()
		}
		if e.Name != "ask" || !e.HasID {
			t.Fatalf("client got %+v, want ask with an ack id", e)
		}
		c.Ack("/", e.ID, "yes")
	}
	if r := recv(t, done); r.err != nil || len(r.acks) != 2 {
		t.Fatalf("EmitWithAck: %d acks, %v", len(r.acks), r.err)
	}

	// An emit to the socket alone, with an ack: the same.
	acked := make(chan error, 1)
	go func() {
		_, err := ss[1].Timeout(siotest.Wait).EmitWithAck(context.Background(), "direct", 5)
		acked <- err
	}()
	expectOut(t, out1, id1, "direct", `[5]`)
	e := cs[1].ExpectEvent()
	cs[1].Ack("/", e.ID)
	if err := recv(t, acked); err != nil {
		t.Fatal(err)
	}
	select {
	case o := <-out0:
		t.Errorf("socket 0 saw %+v", o)
	case o := <-out1:
		t.Errorf("socket 1 saw %+v", o)
	default:
	}
}

// With connection state recovery, what the listeners see of an event kept
// for recovery ends with its offset, as the client sees it (Node hands its
// listeners the packet's data after the offset was added).
func TestOnAnyOutgoingSeesRecoveryOffsets(t *testing.T) {
	t.Parallel()
	srv, url, conns, _ := recoveryServer(t)
	c := siotest.Dial(t, url, nil)
	connectWith(t, c, nil)
	s := recv(t, conns)
	out := listenOut(t, s)

	if err := s.Emit("chat", "hello"); err != nil {
		t.Fatal(err)
	}
	off := offsetOf(t, c.ExpectEvent())
	expectOut(t, out, s.ID(), "chat", `["hello","`+off+`"]`)
	if err := srv.Emit("news", 1); err != nil {
		t.Fatal(err)
	}
	off = offsetOf(t, c.ExpectEvent())
	expectOut(t, out, s.ID(), "news", `[1,"`+off+`"]`)
}

// A listener that panics on a broadcast is reported, and the broadcast
// still reaches every client.
func TestOutgoingListenerPanicOnBroadcast(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var reported []error
	srv, url := newServer(t, &core.Options{OnError: func(_ *core.Socket, err error) {
		mu.Lock()
		reported = append(reported, err)
		mu.Unlock()
	}})
	cs, ss := joinClients(t, srv, url, 2)
	ss[0].OnAnyOutgoing(func(*core.Socket, string, []any) { panic("listener bug") })
	if err := srv.Emit("news"); err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		if e := c.ExpectEvent(); e.Name != "news" {
			t.Fatalf("client got %q, want news", e.Name)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	var perr *core.PanicError
	if len(reported) != 1 || !errors.As(reported[0], &perr) || perr.Event != "news" || perr.Value != "listener bug" {
		t.Fatalf("reported %v, want one *PanicError for news", reported)
	}
}

// A listener registered while broadcasts are under way sees them from then
// on, without a data race on the socket's listeners.
func TestOnAnyOutgoingRegisteredDuringBroadcasts(t *testing.T) {
	t.Parallel()
	srv, url := newServer(t, nil)
	_, ss := joinClients(t, srv, url, 1)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 200; i++ {
			select {
			case <-stop:
				return
			default:
			}
			_ = srv.Volatile().Emit("tick", i)
		}
	}()
	seen := make(chan struct{}, 1)
	ss[0].OnAnyOutgoing(func(*core.Socket, string, []any) {
		select {
		case seen <- struct{}{}:
		default:
		}
	})
	if err := srv.Volatile().Emit("tick", -1); err != nil {
		t.Fatal(err)
	}
	select {
	case <-seen:
	case <-time.After(siotest.Wait):
		t.Fatal("the listener saw no broadcast")
	}
	close(stop)
	wg.Wait()
}
