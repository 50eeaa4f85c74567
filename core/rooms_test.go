package core_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/core/parser"
	"github.com/gosio/gosio/internal/siotest"
)

// joinClients connects n clients to "/" and returns them with their server
// sockets, in order.
func joinClients(t *testing.T, srv *core.Server, url string, n int) ([]*siotest.Client, []*core.Socket) {
	t.Helper()
	ch := make(chan *core.Socket, n)
	srv.OnConnection(func(s *core.Socket) { ch <- s })
	cs := make([]*siotest.Client, n)
	ss := make([]*core.Socket, n)
	for i := range cs {
		cs[i] = siotest.Dial(t, url, nil)
		cs[i].MustConnect("/", nil)
		ss[i] = recv(t, ch)
	}
	return cs, ss
}

func TestRoomsAndBroadcasts(t *testing.T) {
	t.Parallel()
	srv, url := newServer(t, nil)
	cs, ss := joinClients(t, srv, url, 4)
	ss[0].Join("a")
	ss[1].Join("a", "b")
	ss[2].Join("b")
	// ss[3] in no room.

	expect := func(ev string, want ...int) {
		t.Helper()
		wanted := map[int]bool{}
		for _, i := range want {
			wanted[i] = true
		}
		for i, c := range cs {
			if wanted[i] {
				if e := c.ExpectEvent(); e.Name != ev {
					t.Errorf("client %d got %q, want %q", i, e.Name, ev)
				}
			}
		}
		for i, c := range cs {
			if !wanted[i] {
				c.ExpectNothing(30 * time.Millisecond)
			}
		}
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(srv.To("a").Emit("to-a"))
	expect("to-a", 0, 1)
	must(srv.To("a", "b").Emit("to-a-b")) // client 1 once
	expect("to-a-b", 0, 1, 2)
	must(srv.Except("b").Emit("except-b"))
	expect("except-b", 0, 3)
	must(srv.To("a").Except("b").Emit("a-not-b"))
	expect("a-not-b", 0)
	must(ss[1].Broadcast().Emit("from-1"))
	expect("from-1", 0, 2, 3)
	must(ss[1].To("b").Emit("from-1-to-b"))
	expect("from-1-to-b", 2)
	must(srv.To(ss[3].ID()).Emit("private"))
	expect("private", 3)
	must(srv.Emit("everyone"))
	expect("everyone", 0, 1, 2, 3)

	ss[1].Leave("a")
	must(srv.To("a").Emit("after-leave"))
	expect("after-leave", 0)

	must(srv.In("b").SocketsJoin("c"))
	must(srv.To("c").Emit("c"))
	expect("c", 1, 2)
	must(srv.In("c").SocketsLeave("c"))
	must(srv.To("c").Emit("c-empty"))
	expect("c-empty")

	socks, err := srv.In("b").FetchSockets(context.Background())
	must(err)
	ids := map[string]bool{}
	for _, r := range socks {
		ids[r.ID()] = true
		if _, local := r.Local(); !local {
			t.Errorf("fetched socket %s not local", r.ID())
		}
	}
	if len(ids) != 2 || !ids[ss[1].ID()] || !ids[ss[2].ID()] {
		t.Errorf("fetched %v", ids)
	}
	for _, r := range socks {
		if r.ID() == ss[2].ID() {
			must(r.Emit("remote-handle"))
		}
	}
	expect("remote-handle", 2)
}

func TestBroadcastWithAcks(t *testing.T) {
	t.Parallel()
	srv, url := newServer(t, nil)
	cs, _ := joinClients(t, srv, url, 5)
	res := make(chan []*core.Args, 1)
	errc := make(chan error, 1)
	go func() {
		acks, err := srv.Timeout(3*time.Second).EmitWithAck(context.Background(), "poll", "q")
		res <- acks
		errc <- err
	}()
	for i, c := range cs {
		e := c.ExpectEvent()
		if e.Name != "poll" || !e.HasID {
			t.Fatalf("client %d: %#v", i, e)
		}
		c.Ack("/", e.ID, i)
	}
	acks := recv(t, res)
	if err := recv(t, errc); err != nil {
		t.Fatal(err)
	}
	sum := 0
	for _, a := range acks {
		n, _ := core.Decode[int](a)
		sum += n
	}
	if len(acks) != 5 || sum != 0+1+2+3+4 {
		t.Errorf("acks %d sum %d", len(acks), sum)
	}

	// With one client silent, the timeout returns the partial answers.
	go func() {
		acks, err := srv.Timeout(200*time.Millisecond).EmitWithAck(context.Background(), "poll2")
		res <- acks
		errc <- err
	}()
	for i, c := range cs {
		e := c.ExpectEvent()
		if i != 0 {
			c.Ack("/", e.ID, "ok")
		}
	}
	acks = recv(t, res)
	if err := recv(t, errc); !errors.Is(err, core.ErrAckTimeout) || len(acks) != 4 {
		t.Errorf("partial: %d acks, err %v", len(acks), err)
	}
}

// A socket that a connect middleware refused leaves the rooms the
// middlewares before it made it join.
func TestRefusedSocketLeavesNoRooms(t *testing.T) {
	t.Parallel()
	srv, url := newServer(t, nil)
	srv.Use(core.ConnectFunc(func(s *core.Socket) error {
		s.Join("lobby")
		return nil
	}), core.ConnectFunc(func(s *core.Socket) error {
		return core.NewConnectError("unauthorized", nil)
	}))
	c := siotest.Dial(t, url, nil)
	if p := c.Connect("/", nil); p.Type != parser.ConnectError {
		t.Fatalf("got %v", p.Type)
	}
	ids := srv.Of("/").Adapter().Sockets(core.BroadcastOptions{})
	rooms, _ := srv.Of("/").Adapter().AllRooms(context.Background())
	if len(ids) != 0 || len(rooms) != 0 {
		t.Fatalf("refused socket still in the adapter: sockets %v, rooms %v", ids, rooms)
	}
}

// SocketsJoin racing the disconnects of the sockets it picked does not put
// a disconnected socket back in a room.
func TestSocketsJoinRacingDisconnect(t *testing.T) {
	t.Parallel()
	srv, url := newServer(t, nil)
	gone := make(chan struct{}, 256)
	srv.OnConnection(func(s *core.Socket) {
		s.OnDisconnect(func(*core.Socket, string) { gone <- struct{}{} })
	})
	const n = 60
	clients := make([]*siotest.Client, n)
	for i := range clients {
		clients[i] = siotest.Dial(t, url, nil)
		clients[i].MustConnect("/", nil)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
				_ = srv.SocketsJoin("r")
			}
		}
	}()
	for _, c := range clients {
		c.Close()
	}
	for range clients {
		recv(t, gone)
	}
	close(stop)
	wg.Wait()
	if ghosts := srv.Of("/").Adapter().Sockets(core.BroadcastOptions{Rooms: []string{"r"}}); len(ghosts) > 0 {
		t.Fatalf("%d disconnected sockets are still in room r", len(ghosts))
	}
}
