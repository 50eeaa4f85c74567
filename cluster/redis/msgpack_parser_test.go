package sioredis_test

import (
	"context"
	"reflect"
	"sort"
	"testing"
	"time"

	sioredis "github.com/gosio/gosio/cluster/redis"
	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/core/parser"
	"github.com/gosio/gosio/internal/siotest"
)

// TestClusterMsgPackParser runs two gosio servers on Redis with the
// MessagePack parser: a broadcast from either reaches the clients of both,
// each packet one binary message (the test clients refuse text ones), and
// the clients' acknowledgements of a broadcast come back across Redis. The
// Redis wire keeps Node's format whatever the clients' parser.
func TestClusterMsgPackParser(t *testing.T) {
	forEachMode(t, 5*time.Second, func(t *testing.T, cfg nodeConfig) {
		r := startRedis(t)
		cfg.parser = parser.MsgPack
		cfg.setup = func(io *core.Server) {
			// Joined in a connect middleware, before the CONNECT answer:
			// a connection handler runs after it, and could join after the
			// first broadcast.
			io.Use(core.ConnectFunc(func(s *core.Socket) error { s.Join("room"); return nil }))
		}
		nodes := []*node{newNode(t, r.Addr, cfg), newNode(t, r.Addr, cfg)}
		var clients []*siotest.Client
		var ids []string
		for _, n := range nodes {
			c := siotest.DialParser(t, n.URL, nil, parser.MsgPack)
			ids = append(ids, c.MustConnect("/", nil))
			clients = append(clients, c)
		}
		waitRoomChannel(t, nodes[0], cfg, "room", 2)
		if cfg.sharded != nil && cfg.sharded.SubscriptionMode == sioredis.DynamicPrivate {
			for _, id := range ids {
				waitRoomChannel(t, nodes[0], cfg, id, 1)
			}
		}

		want := []any{"hot", []byte{1, 2, 3}, map[string]any{"n": 1.5, "bin": []byte{}}}
		for i, origin := range nodes {
			if err := origin.IO.To("room").Emit("news", want...); err != nil {
				t.Fatal(err)
			}
			for j, c := range clients {
				ev := c.ExpectEvent()
				if ev.Name != "news" || !reflect.DeepEqual(ev.Args, want) {
					t.Fatalf("from node %d, client %d got %#v", i, j, ev)
				}
			}
		}

		type reply struct {
			acks []*core.Args
			err  error
		}
		done := make(chan reply, 1)
		go func() {
			acks, err := nodes[0].IO.Timeout(3*time.Second).EmitWithAck(context.Background(), "ask", []byte{9})
			done <- reply{acks, err}
		}()
		for i, c := range clients {
			ev := c.ExpectEvent()
			if ev.Name != "ask" || !ev.HasID || !reflect.DeepEqual(ev.Args, []any{[]byte{9}}) {
				t.Fatalf("client %d got %#v", i, ev)
			}
			c.Ack("/", ev.ID, map[string]any{"from": float64(i), "bin": []byte{byte(i)}})
		}
		rep := <-done
		if rep.err != nil || len(rep.acks) != 2 {
			t.Fatalf("EmitWithAck: %v, %d acks", rep.err, len(rep.acks))
		}
		var froms []int
		for _, a := range rep.acks {
			var v struct {
				From int    `json:"from"`
				Bin  []byte `json:"bin"`
			}
			if err := a.Decode(0, &v); err != nil || len(v.Bin) != 1 || int(v.Bin[0]) != v.From {
				t.Fatalf("ack %+v: %v", v, err)
			}
			froms = append(froms, v.From)
		}
		sort.Ints(froms)
		if !reflect.DeepEqual(froms, []int{0, 1}) {
			t.Fatalf("acks from %v", froms)
		}
	})
}
