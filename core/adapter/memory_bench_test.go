package adapter

import (
	"context"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gosio/gosio/core/parser"
)

// countNsp is a namespace of sockets that only count their deliveries, for
// benchmarks: what remains is the adapter's own work.
type countNsp struct {
	sockets map[SocketID]*countSocket
}

type countSocket struct {
	id SocketID
	n  atomic.Int64
}

func (n *countNsp) Name() string { return "/" }
func (n *countNsp) Socket(id SocketID) (Socket, bool) {
	s, ok := n.sockets[id]
	return s, ok
}
func (n *countNsp) Parser() parser.Parser                        { return parser.JSON }
func (n *countNsp) NextAckID() uint64                            { return 0 }
func (n *countNsp) RecoveryWindow() time.Duration                { return 0 }
func (n *countNsp) SocketState(SocketID) (*SocketState, bool)    { return nil, false }
func (n *countNsp) OnServerSideEmit(string, []any, func(...any)) {}
func (n *countNsp) Deliver(_ context.Context, ids []SocketID, _ *EncodedPacket, _ BroadcastFlags, _ AckFunc) int {
	count := 0
	for _, id := range ids {
		if s, ok := n.sockets[id]; ok {
			s.n.Add(1)
			count++
		}
	}
	return count
}

func (s *countSocket) ID() SocketID          { return s.id }
func (s *countSocket) Disconnect(bool)       {}
func (s *countSocket) Handshake() *Handshake { return nil }
func (s *countSocket) Rooms() []Room         { return nil }
func (s *countSocket) Data() any             { return nil }

// BenchmarkMemoryBroadcast1000 is one broadcast to 1,000 sockets of a
// namespace (each in its own room, as real sockets are): encode once, select
// the targets, hand each the same bytes.
func BenchmarkMemoryBroadcast1000(b *testing.B) {
	nsp := &countNsp{sockets: map[SocketID]*countSocket{}}
	m := NewMemory(nsp, MemoryOptions{})
	for i := range 1000 {
		id := "socket-" + strconv.Itoa(i)
		nsp.sockets[id] = &countSocket{id: id}
		m.AddAll(id, id)
	}
	type msg struct {
		I  int    `json:"i"`
		TS int64  `json:"ts"`
		P  string `json:"p"`
	}
	p := strings.Repeat("x", 100)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		pk := &parser.Packet{Type: parser.Event, Nsp: "/", Data: []any{"bench:msg", msg{I: i, TS: int64(i), P: p}}}
		if err := m.Broadcast(pk, BroadcastOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000, "ns/delivery")
}
