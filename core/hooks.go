package core

import (
	"context"

	"github.com/gosio/gosio/core/adapter"
	"github.com/gosio/gosio/core/parser"
)

// Hooks observe a server's activity, for metrics, tracing and audit logs.
// Every field is optional. Hooks are called synchronously, from whatever
// goroutine does the work (handlers, readers, broadcasters), possibly
// concurrently: keep them fast and safe for concurrent use.
type Hooks struct {
	// OnConnect is called when a socket is connected (or recovered),
	// before the connection handlers run.
	OnConnect func(s *Socket)
	// OnConnectError is called when a client is refused a namespace.
	OnConnectError func(nsp string, err error)
	// OnDisconnect is called when a socket disconnected, before its
	// disconnect handlers run.
	OnDisconnect func(s *Socket, reason string)
	// OnEventIn is called for each event received, before its handler;
	// size counts the packet's payload and binary attachments in bytes.
	OnEventIn func(s *Socket, event string, size int)
	// OnEventOut is called once per event sent, when it is queued: by a
	// socket's emit (targets 1) or by a broadcast delivered on this server
	// (targets = local sockets reached; broadcasts from other servers of a
	// cluster included). size is the encoded packet's size in bytes, sent
	// to each target. ctx is the context given to EmitContext or
	// EmitWithAck (so a trace span started by the handler that emits is
	// found there), context.Background() for Emit and for broadcasts from
	// other servers; never nil.
	OnEventOut func(ctx context.Context, nsp, event string, size, targets int)
}

// encodedSize is the size of an encoded packet: text and attachments.
func encodedSize(text []byte, att [][]byte) int {
	n := len(text)
	for _, a := range att {
		n += len(a)
	}
	return n
}

// eventName returns the event name of an outgoing event packet.
func eventName(p *parser.Packet) string {
	if args, ok := p.Data.([]any); ok && len(args) > 0 {
		if name, ok := args[0].(string); ok {
			return name
		}
	}
	return ""
}

// sent reports to the OnEventOut hook a packet delivered to n local
// sockets, with the context of the call that made it (nil for none).
func (n *Namespace) sent(ctx context.Context, p *adapter.EncodedPacket, targets int) {
	h := n.srv.opts.Hooks.OnEventOut
	if h == nil || p.Packet.Type != parser.Event {
		return
	}
	if ctx == nil {
		ctx = context.Background()
	}
	h(ctx, n.name, eventName(p.Packet), encodedSize(p.Text, p.Attachments), targets)
}
