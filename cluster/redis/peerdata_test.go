package sioredis_test

import (
	"context"
	"testing"
	"time"

	"github.com/gosio/gosio/core"
)

// Other servers' FetchSockets see the fields an observer adds to a socket's
// data (the Admin UI's "_admin", as Node puts it in socket.data); the
// socket's own server still sees its plain data.
func TestClusterPeerData(t *testing.T) {
	forEachMode(t, 5*time.Second, func(t *testing.T, cfg nodeConfig) {
		tc := newTestCluster(t, 2, cfg)
		remove := tc.nodes[1].IO.Observe(&core.Observer{
			PeerData: func(s *core.Socket) map[string]any {
				return map[string]any{"_admin": map[string]any{"transport": s.Transport()}}
			},
		})
		defer remove()
		ctx := context.Background()
		socks, err := tc.nodes[0].IO.FetchSockets(ctx)
		if err != nil || len(socks) != 4 {
			t.Fatalf("FetchSockets: %v, %d sockets", err, len(socks))
		}
		for _, s := range socks {
			var data struct {
				Node  string
				Admin *struct{ Transport string } `json:"_admin"`
			}
			if err := s.DecodeData(&data); err != nil {
				t.Fatal(err)
			}
			_, local := s.Local()
			switch {
			case local && data.Admin != nil:
				t.Fatalf("socket of the fetching server has _admin: %+v", data)
			case !local && (data.Admin == nil || data.Admin.Transport != "websocket" || data.Node != "node1"):
				t.Fatalf("socket of node1 seen as %+v", data)
			}
		}
		// node1's own view of its sockets is their data, unchanged.
		own, err := tc.nodes[1].IO.Local().FetchSockets(ctx)
		if err != nil || len(own) != 2 {
			t.Fatalf("local FetchSockets: %v, %d", err, len(own))
		}
		for _, s := range own {
			if m, ok := s.Data().(map[string]any); !ok || len(m) != 1 || m["node"] != "node1" {
				t.Fatalf("local data %#v", s.Data())
			}
		}
	})
}
