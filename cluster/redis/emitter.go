package sioredis

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/gosio/gosio/core/adapter"
	"github.com/gosio/gosio/core/parser"
)

// ErrReservedEvent is returned by Emitter.Emit for event names Socket.IO
// keeps for itself (connect, connect_error, disconnect, disconnecting,
// newListener, removeListener).
var ErrReservedEvent = errors.New("sioredis: reserved event name")

var reservedEvents = map[string]bool{
	"connect": true, "connect_error": true, "disconnect": true,
	"disconnecting": true, "newListener": true, "removeListener": true,
}

// EmitterOptions configure an [Emitter]. The zero value is valid.
// A plain value: fill it in before passing it on; it is not to be changed afterwards.
type EmitterOptions struct {
	// Key prefixes every channel; the servers' Key. Default "socket.io".
	Key string
}

// Emitter sends events and room operations to the sockets of a Socket.IO
// cluster (gosio or Node servers on the classic Redis adapter) from a
// process that is not a server, in the format of Node's
// @socket.io/redis-emitter 5. It does not subscribe, so it is not counted
// as a server, and acknowledgements are not supported.
//
// An Emitter is a value: To, Except, Of and the flag methods return
// modified copies, so one may be shared between goroutines and reused.
// Operations are published with the given context and return the Redis
// error, if any.
type Emitter struct {
	c    Client
	key  string
	nsp  string
	opts adapter.BroadcastOptions
}

// NewEmitter returns an emitter on the main namespace "/". opts may be
// nil.
func NewEmitter(c Client, opts *EmitterOptions) Emitter {
	key := "socket.io"
	if opts != nil && opts.Key != "" {
		key = opts.Key
	}
	return Emitter{c: c, key: key, nsp: "/"}
}

// Of returns an emitter on another namespace; a leading slash is added
// when missing. Room selections and flags are reset.
func (e Emitter) Of(nsp string) Emitter {
	if !strings.HasPrefix(nsp, "/") {
		nsp = "/" + nsp
	}
	return Emitter{c: e.c, key: e.key, nsp: nsp}
}

// To selects the sockets in any of the rooms (In is the same).
func (e Emitter) To(rooms ...string) Emitter {
	e.opts.Rooms = append(slices.Clip(e.opts.Rooms), rooms...)
	return e
}

// In is the same as To.
func (e Emitter) In(rooms ...string) Emitter { return e.To(rooms...) }

// Except leaves out the sockets in any of the rooms.
func (e Emitter) Except(rooms ...string) Emitter {
	e.opts.Except = append(slices.Clip(e.opts.Except), rooms...)
	return e
}

// Volatile lets the event be dropped for clients that cannot take it
// right away.
func (e Emitter) Volatile() Emitter { e.opts.Flags.Volatile = true; return e }

// Compress sets the compress flag (meaningful to Node servers).
func (e Emitter) Compress(c bool) Emitter { e.opts.Flags.Compress = &c; return e }

func (e Emitter) requestChannel() string { return e.key + "-request#" + e.nsp + "#" }

// Emit broadcasts an event to the selected sockets of every server.
func (e Emitter) Emit(ctx context.Context, event string, args ...any) error {
	if reservedEvents[event] {
		return fmt.Errorf("%w: %q", ErrReservedEvent, event)
	}
	data := append([]any{event}, args...)
	msg, err := encodeBroadcast(emitterUID, &parser.Packet{Type: parser.Event, Data: data}, e.nsp, e.opts, true)
	if err != nil {
		return err
	}
	return e.c.Publish(ctx, broadcastChannel(e.key+"#"+e.nsp+"#", e.opts.Rooms), msg)
}

// SocketsJoin makes the selected sockets join the rooms.
func (e Emitter) SocketsJoin(ctx context.Context, rooms ...string) error {
	return e.c.Publish(ctx, e.requestChannel(), roomsRequest("", typeRemoteJoin, e.opts, rooms))
}

// SocketsLeave makes the selected sockets leave the rooms.
func (e Emitter) SocketsLeave(ctx context.Context, rooms ...string) error {
	return e.c.Publish(ctx, e.requestChannel(), roomsRequest("", typeRemoteLeave, e.opts, rooms))
}

// DisconnectSockets disconnects the selected sockets; close also closes
// their connections.
func (e Emitter) DisconnectSockets(ctx context.Context, close bool) error {
	return e.c.Publish(ctx, e.requestChannel(), disconnectRequest("", e.opts, close))
}

// ServerSideEmit sends an event to every server of the namespace (their
// OnServerSide handlers). Replies cannot be received: handlers get a nil
// ack.
func (e Emitter) ServerSideEmit(ctx context.Context, event string, args ...any) error {
	msg, err := serverSideEmitRequest(emitterUID, "", append([]any{event}, args...))
	if err != nil {
		return err
	}
	return e.c.Publish(ctx, e.requestChannel(), msg)
}
