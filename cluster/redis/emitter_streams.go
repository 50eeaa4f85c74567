package sioredis

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/gosio/gosio/core/adapter"
	"github.com/gosio/gosio/core/parser"
)

// StreamsEmitterOptions configure a [StreamsEmitter]. The zero value gives
// the defaults of Node's @socket.io/redis-streams-emitter.
// A plain value: fill it in before passing it on; it is not to be changed afterwards.
type StreamsEmitterOptions struct {
	// StreamName is the servers' stream. Default "socket.io".
	StreamName string
	// StreamCount is the servers' StreamCount (see [StreamsOptions]); the
	// emitter writes to each namespace's stream. Node's emitter has no
	// such option and always writes to StreamName. Default 1.
	StreamCount int
	// MaxLen caps the stream approximately (XADD MAXLEN ~). Default 10,000.
	MaxLen int64
}

// StreamsEmitter sends events and room operations to the sockets of a
// cluster on the Streams adapter (gosio's [StreamsAdapter] or Node's
// @socket.io/redis-streams-adapter) from a process that is not a server,
// in the format of Node's @socket.io/redis-streams-emitter: every
// operation, server-side emits included, is an entry of the stream, with
// uid "emitter". Broadcasts so made are kept like the servers' own, with
// their offsets, for connection state recovery. Acknowledgements are not
// supported.
//
// A StreamsEmitter is a value: To, Except, Of and the flag methods return
// modified copies, so one may be shared between goroutines and reused.
// Each operation is one XADD with the given context; its error is
// returned.
type StreamsEmitter struct {
	c    StreamsClient
	o    StreamsEmitterOptions
	nsp  string
	opts adapter.BroadcastOptions
}

// NewStreamsEmitter returns an emitter on the main namespace "/". c must
// implement [StreamsClient] (the client of [NewGoRedis] does); it panics
// otherwise. opts may be nil.
func NewStreamsEmitter(c Client, opts *StreamsEmitterOptions) StreamsEmitter {
	sc, ok := c.(StreamsClient)
	if !ok {
		panic("sioredis: NewStreamsEmitter needs a StreamsClient (stream commands)")
	}
	var o StreamsEmitterOptions
	if opts != nil {
		o = *opts
	}
	if o.StreamName == "" {
		o.StreamName = "socket.io"
	}
	if o.StreamCount <= 0 {
		o.StreamCount = 1
	}
	if o.MaxLen <= 0 {
		o.MaxLen = 10000
	}
	return StreamsEmitter{c: sc, o: o, nsp: "/"}
}

// Of returns an emitter on another namespace; a leading slash is added
// when missing. Room selections and flags are reset.
func (e StreamsEmitter) Of(nsp string) StreamsEmitter {
	if !strings.HasPrefix(nsp, "/") {
		nsp = "/" + nsp
	}
	return StreamsEmitter{c: e.c, o: e.o, nsp: nsp}
}

// To selects the sockets in any of the rooms (In is the same).
func (e StreamsEmitter) To(rooms ...string) StreamsEmitter {
	e.opts.Rooms = append(slices.Clip(e.opts.Rooms), rooms...)
	return e
}

// In is the same as To.
func (e StreamsEmitter) In(rooms ...string) StreamsEmitter { return e.To(rooms...) }

// Except leaves out the sockets in any of the rooms.
func (e StreamsEmitter) Except(rooms ...string) StreamsEmitter {
	e.opts.Except = append(slices.Clip(e.opts.Except), rooms...)
	return e
}

// Volatile lets the event be dropped for clients that cannot take it
// right away (and keeps it out of recovery).
func (e StreamsEmitter) Volatile() StreamsEmitter { e.opts.Flags.Volatile = true; return e }

// Compress sets the compress flag (meaningful to Node servers).
func (e StreamsEmitter) Compress(c bool) StreamsEmitter { e.opts.Flags.Compress = &c; return e }

func (e StreamsEmitter) add(ctx context.Context, typ int, data *object) error {
	f, err := entryFields(emitterUID, e.nsp, typ, data)
	if err != nil {
		return err
	}
	_, err = e.c.XAdd(ctx, streamFor(e.o.StreamName, e.o.StreamCount, e.nsp), e.o.MaxLen, f)
	return err
}

// Emit broadcasts an event to the selected sockets of every server.
func (e StreamsEmitter) Emit(ctx context.Context, event string, args ...any) error {
	if reservedEvents[event] {
		return fmt.Errorf("%w: %q", ErrReservedEvent, event)
	}
	pkt, err := packetTree(&parser.Packet{Type: parser.Event, Data: append([]any{event}, args...)}, e.nsp)
	if err != nil {
		return err
	}
	o := &object{} // the emitter's order: rooms, flags, except
	o.set("rooms", uniqueRooms(e.opts.Rooms))
	o.set("flags", flagsTree(e.opts.Flags))
	o.set("except", uniqueRooms(e.opts.Except))
	d := &object{}
	d.set("packet", pkt)
	d.set("opts", o)
	return e.add(ctx, msgBroadcast, d)
}

func (e StreamsEmitter) roomsData(rooms []string) *object {
	d := &object{}
	d.set("opts", optsTree(adapter.BroadcastOptions{Rooms: e.opts.Rooms, Except: e.opts.Except}, true))
	d.set("rooms", uniqueRooms(rooms))
	return d
}

// SocketsJoin makes the selected sockets join the rooms.
func (e StreamsEmitter) SocketsJoin(ctx context.Context, rooms ...string) error {
	return e.add(ctx, msgSocketsJoin, e.roomsData(rooms))
}

// SocketsLeave makes the selected sockets leave the rooms.
func (e StreamsEmitter) SocketsLeave(ctx context.Context, rooms ...string) error {
	return e.add(ctx, msgSocketsLeave, e.roomsData(rooms))
}

// DisconnectSockets disconnects the selected sockets; close also closes
// their connections.
func (e StreamsEmitter) DisconnectSockets(ctx context.Context, close bool) error {
	d := &object{}
	d.set("opts", optsTree(adapter.BroadcastOptions{Rooms: e.opts.Rooms, Except: e.opts.Except}, true))
	d.set("close", close)
	return e.add(ctx, msgDisconnectSockets, d)
}

// ServerSideEmit sends an event to every server of the namespace (their
// OnServerSide handlers, with a nil ack).
func (e StreamsEmitter) ServerSideEmit(ctx context.Context, event string, args ...any) error {
	packet, err := toTree(append([]any{event}, args...))
	if err != nil {
		return err
	}
	d := &object{}
	d.set("packet", packet)
	return e.add(ctx, msgServerSideEmit, d)
}
