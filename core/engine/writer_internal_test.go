package engine

import (
	"net"
	"strings"
	"testing"
	"time"
)

// discardConn is a net.Conn whose writes succeed at once; it counts them.
type discardConn struct {
	net.Conn
	writes, bytes int
}

func (c *discardConn) Write(p []byte) (int, error)      { c.writes++; c.bytes += len(p); return len(p), nil }
func (c *discardConn) SetWriteDeadline(time.Time) error { return nil }

// BenchmarkWriteBatch frames a writer round of 64 queued messages of 140
// bytes (a backlog, as in a broadcast burst) into one write.
func BenchmarkWriteBatch(b *testing.B) {
	nc := &discardConn{}
	w := &wsConn{nc: nc, writeTimeout: time.Second}
	batch := make([]Packet, 64)
	for i := range batch {
		batch[i] = Packet{Type: PacketMessage, Data: []byte(`2["bench:msg",{"i":1,"ts":12345,"p":"` + strings.Repeat("x", 100) + `"}]`)}
	}
	b.ReportAllocs()
	b.SetBytes(int64(64 * (len(batch[0].Data) + 3)))
	for i := 0; i < b.N; i++ {
		if err := w.writeBatch(batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(nc.writes)/float64(b.N), "writes/op")
}
