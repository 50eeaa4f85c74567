package admin_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/gosio/gosio/admin"
	"github.com/gosio/gosio/client"
	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/integrationtest"
)

type config struct {
	SupportedFeatures []string `json:"supportedFeatures"`
}

func TestConfig(t *testing.T) {
	all := []string{"EMIT", "JOIN", "LEAVE", "DISCONNECT", "MJOIN", "MLEAVE", "MDISCONNECT", "AGGREGATED_EVENTS", "ALL_EVENTS"}
	for _, tc := range []struct {
		name string
		opts admin.Options
		want []string
	}{
		{"development", admin.Options{Mode: admin.Development}, all},
		{"production", admin.Options{Mode: admin.Production}, all[:8]},
		{"readonly", admin.Options{Mode: admin.Development, ReadOnly: true}, all[7:]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Auth = admin.NoAuth()
			_, _, url := instrumented(t, tc.opts)
			_, rec := mustDial(t, url, "/admin", nil)
			got := decode[config](t, rec.next(t, "config", nil).args[0]).SupportedFeatures
			if !slices.Equal(got, tc.want) {
				t.Fatalf("features %v, want %v", got, tc.want)
			}
		})
	}
}

type stats struct {
	ServerID            string `json:"serverId"`
	Hostname            string `json:"hostname"`
	PID                 int    `json:"pid"`
	ClientsCount        int    `json:"clientsCount"`
	PollingClientsCount int    `json:"pollingClientsCount"`
	AggregatedEvents    []struct {
		Timestamp int64  `json:"timestamp"`
		Type      string `json:"type"`
		SubType   string `json:"subType"`
		Count     int    `json:"count"`
	} `json:"aggregatedEvents"`
	Namespaces []struct {
		Name         string `json:"name"`
		SocketsCount int    `json:"socketsCount"`
	} `json:"namespaces"`
}

func TestServerStats(t *testing.T) {
	srv, _, url := instrumented(t, admin.Options{Auth: admin.NoAuth(), Mode: admin.Production, ServerID: "node-a"})
	srv.Of("/chat").OnConnection(func(s *core.Socket) {
		s.On("ping", func(s *core.Socket, e *core.Event) error { return s.Emit("pong") })
	})
	_, rec := mustDial(t, url, "/admin", nil)
	user, urec := mustDial(t, url, "/chat", nil)
	if err := user.Emit("ping"); err != nil {
		t.Fatal(err)
	}
	urec.next(t, "pong", nil)
	user.Close()
	// Every kind shows up over a few reports; counts add up.
	seen := map[string]int{}
	var chat bool
	// A report computed while the UI was still connecting reaches it with
	// no client counted; the later ones count it.
	clients := 0
	deadline := time.Now().Add(waitFor)
	for (seen["rawConnection"] < 2 || seen["rawDisconnection"] < 1 || seen["packetsIn"] < 3 || seen["packetsOut"] < 3 || seen["bytesIn"] == 0 || seen["bytesOut"] == 0 || !chat || clients < 1) && time.Now().Before(deadline) {
		st := decode[stats](t, rec.next(t, "server_stats", nil).args[0])
		if st.ServerID != "node-a" || st.Hostname == "" || st.PID == 0 {
			t.Fatalf("stats %+v", st)
		}
		clients = max(clients, st.ClientsCount)
		for _, e := range st.AggregatedEvents {
			if e.Timestamp%1000 != 0 {
				t.Fatalf("timestamp %d not on a second", e.Timestamp)
			}
			if e.Type == "rawDisconnection" && e.SubType == "" {
				t.Fatal("rawDisconnection without its reason")
			}
			seen[e.Type] += e.Count
		}
		for _, n := range st.Namespaces {
			chat = chat || n.Name == "/chat"
		}
	}
	if seen["rawConnection"] < 2 || seen["rawDisconnection"] < 1 || seen["packetsIn"] < 3 || seen["packetsOut"] < 3 || !chat || clients < 1 {
		t.Fatalf("aggregated events %v (namespace /chat listed: %v, most clients counted: %d)", seen, chat, clients)
	}
}

func TestLiveEvents(t *testing.T) {
	srv, _, url := instrumented(t, admin.Options{Auth: admin.NoAuth(), Mode: admin.Development})
	srv.OnConnection(func(s *core.Socket) {
		s.On("join", func(s *core.Socket, e *core.Event) error {
			room, _ := core.Decode[string](&e.Args)
			s.Join(room)
			return nil
		})
		s.On("leave", func(s *core.Socket, e *core.Event) error {
			room, _ := core.Decode[string](&e.Args)
			s.Leave(room)
			return nil
		})
		s.On("data", func(s *core.Socket, e *core.Event) error {
			s.SetData(map[string]any{"user": "ann"})
			return s.Emit("echo", "back", 7)
		})
	})
	early, _ := mustDial(t, url, "/", nil)
	_, rec := mustDial(t, url, "/admin", nil)

	// all_sockets lists the sockets already there, with Node's fields.
	all := decode[[]map[string]any](t, rec.next(t, "all_sockets", nil).args[0])
	var found map[string]any
	for _, s := range all {
		if s["id"] == early.ID() {
			found = s
		}
	}
	if found == nil || found["nsp"] != "/" || found["transport"] == nil || len(found["clientId"].(string)) != 12 {
		t.Fatalf("all_sockets %v: %s missing or incomplete", all, early.ID())
	}
	hs := found["handshake"].(map[string]any)
	if hs["address"] != "127.0.0.1" || hs["auth"] != nil || hs["headers"] == nil {
		t.Fatalf("handshake %v", hs)
	}

	user, _ := mustDial(t, url, "/", nil)
	id := user.ID()
	is := func(i int, want string) func([]json.RawMessage) bool {
		return func(a []json.RawMessage) bool { return len(a) > i && str(a[i]) == want }
	}
	c := rec.next(t, "socket_connected", func(a []json.RawMessage) bool {
		return decode[map[string]any](t, a[0])["id"] == id
	})
	if len(c.args) != 2 || str(c.args[1]) == "" {
		t.Fatalf("socket_connected args %s", c.args)
	}
	if err := user.Emit("join", "lobby"); err != nil {
		t.Fatal(err)
	}
	j := rec.next(t, "room_joined", is(1, "lobby"))
	if str(j.args[0]) != "/" || str(j.args[2]) != id {
		t.Fatalf("room_joined %s", j.args)
	}
	r := rec.next(t, "event_received", is(1, id))
	if string(r.args[2]) != `["join","lobby"]` {
		t.Fatalf("event_received args %s", r.args[2])
	}
	if err := user.Emit("data"); err != nil {
		t.Fatal(err)
	}
	u := rec.next(t, "socket_updated", func(a []json.RawMessage) bool {
		m := decode[map[string]any](t, a[0])
		return m["id"] == id && m["data"] != nil
	})
	if d := decode[map[string]any](t, u.args[0])["data"].(map[string]any); d["user"] != "ann" {
		t.Fatalf("socket_updated %s", u.args[0])
	}
	sent := rec.next(t, "event_sent", is(1, id))
	if string(sent.args[2]) != `["echo","back",7]` {
		t.Fatalf("event_sent args %s", sent.args[2])
	}
	if err := user.Emit("leave", "lobby"); err != nil {
		t.Fatal(err)
	}
	rec.next(t, "room_left", is(1, "lobby"))
	user.Close()
	d := rec.next(t, "socket_disconnected", is(1, id))
	if str(d.args[0]) != "/" || str(d.args[2]) != "client namespace disconnect" {
		t.Fatalf("socket_disconnected %s", d.args)
	}
}

func TestUpgradeUpdates(t *testing.T) {
	_, _, url := instrumented(t, admin.Options{Auth: admin.NoAuth(), Mode: admin.Development})
	_, rec := mustDial(t, url, "/admin", nil)
	rec.next(t, "all_sockets", nil)
	// A raw client: connected over polling, then upgraded.
	c := integrationtest.NewClient(t, url+"/socket.io/", nil)
	c.Open()
	c.Send("40")
	connect := c.Expect("40")
	id := decode[map[string]string](t, json.RawMessage(connect[2:]))["sid"]
	conn := rec.next(t, "socket_connected", func(a []json.RawMessage) bool {
		return decode[map[string]any](t, a[0])["id"] == id
	})
	if tr := decode[map[string]any](t, conn.args[0])["transport"]; tr != "polling" {
		t.Fatalf("transport %v, want polling", tr)
	}
	c.OpenWS()
	rec.next(t, "socket_updated", func(a []json.RawMessage) bool {
		u := decode[map[string]any](t, a[0])
		return u["id"] == id && u["nsp"] == "/" && u["transport"] == "websocket"
	})
}

func TestCommands(t *testing.T) {
	srv, _, url := instrumented(t, admin.Options{Auth: admin.NoAuth(), Mode: admin.Production})
	ui, _ := mustDial(t, url, "/admin", nil)
	a, arec := mustDial(t, url, "/", nil)
	b, brec := mustDial(t, url, "/", nil)
	local := func(id string) *core.Socket {
		s, ok := srv.Of("/").Socket(id)
		if !ok {
			t.Fatalf("socket %s gone", id)
		}
		return s
	}
	waitRooms := func(id string, want bool, room string) {
		t.Helper()
		deadline := time.Now().Add(waitFor)
		for slices.Contains(local(id).Rooms(), room) != want {
			if time.Now().After(deadline) {
				t.Fatalf("socket %s in %q: %v, want %v", id, room, !want, want)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}

	// emit to one socket (its id is the filter), then to all.
	if err := ui.Emit("emit", "/", a.ID(), "hello", "one", 1); err != nil {
		t.Fatal(err)
	}
	if got := arec.next(t, "hello", nil); string(got.args[0]) != `"one"` || string(got.args[1]) != "1" {
		t.Fatalf("hello %s", got.args)
	}
	if err := ui.Emit("emit", "/", nil, "all", true); err != nil {
		t.Fatal(err)
	}
	arec.next(t, "all", nil)
	brec.next(t, "all", nil)
	select {
	case e := <-brec.chanFor("hello"):
		t.Fatalf("b got %v, sent to a only", e)
	default:
	}

	// join and leave, one socket and all of them.
	if err := ui.Emit("join", "/", "vip", a.ID()); err != nil {
		t.Fatal(err)
	}
	waitRooms(a.ID(), true, "vip")
	if slices.Contains(local(b.ID()).Rooms(), "vip") {
		t.Fatal("b joined vip")
	}
	if err := ui.Emit("join", "/", "everyone"); err != nil {
		t.Fatal(err)
	}
	waitRooms(b.ID(), true, "everyone")
	if err := ui.Emit("leave", "/", "vip", a.ID()); err != nil {
		t.Fatal(err)
	}
	waitRooms(a.ID(), false, "vip")
	if err := ui.Emit("leave", "/", "everyone"); err != nil {
		t.Fatal(err)
	}
	waitRooms(a.ID(), false, "everyone")

	// _disconnect one socket.
	gone := make(chan string, 1)
	a.OnDisconnect(func(_ *client.Socket, reason string) { gone <- reason })
	if err := ui.Emit("_disconnect", "/", false, a.ID()); err != nil {
		t.Fatal(err)
	}
	select {
	case reason := <-gone:
		if reason != "io server disconnect" {
			t.Fatalf("reason %q", reason)
		}
	case <-time.After(waitFor):
		t.Fatal("a not disconnected")
	}
	if !b.Connected() {
		t.Fatal("b disconnected too")
	}
}

func TestReadOnlyIgnoresCommands(t *testing.T) {
	_, _, url := instrumented(t, admin.Options{Auth: admin.NoAuth(), ReadOnly: true, Mode: admin.Production})
	ui, _ := mustDial(t, url, "/admin", nil)
	a, arec := mustDial(t, url, "/", nil)
	if err := ui.Emit("emit", "/", a.ID(), "hello"); err != nil {
		t.Fatal(err)
	}
	// An emit from a is answered after anything the UI's command caused.
	if err := ui.Emit("emit", "/", nil, "nothing"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	select {
	case e := <-arec.chanFor("hello"):
		t.Fatalf("read-only admin ran emit: %v", e)
	case <-ctx.Done():
	}
}
