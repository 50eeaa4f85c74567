package sioredis

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"sync"
	"time"

	"github.com/gosio/gosio/core/adapter"
	"github.com/gosio/gosio/core/parser"
)

// Sessions of the Streams adapter, kept in Redis so that a client recovers
// on any server, even when its server was killed.
//
// Node writes a session only when its socket goes away (PersistSession),
// so a killed server leaves nothing to recover. Here, with recovery on,
// the adapter also writes the session of each live socket, in Node's
// value format, when it connects, joins or leaves rooms or changes its
// data, and again every half window (SET <prefix><pid> … PX 1.5 × window):
// when its server dies the last state stays for one to one and a half
// windows. PersistSession writes the final state with Node's lifetime (PX
// window); a socket that leaves for good (a disconnect that is not
// recoverable) has its key deleted. The writes are made in order on the
// adapter's publisher goroutine, coalesced: each reads the socket's state
// when it runs, so the last one written is the newest.

const (
	sessLive = iota
	sessPersisted
	sessGone
	sessForget // the socket was restored elsewhere: forget its key, keep it
)

// msgSessionTaken is gosio's own message (Node's servers ignore unknown
// types): published after a session was restored, so that a server where
// the socket still looks connected (its client came back elsewhere before
// this server noticed the loss) lets its stale copy go without writing or
// deleting the session any more.
const msgSessionTaken = 100

type dirtySession struct {
	state int
	s     *adapter.SocketState // sessPersisted
}

// liveSessions tracks the sessions to write. dirty is shared; pids is the
// publisher goroutine's own.
type liveSessions struct {
	mu         sync.Mutex
	dirty      map[string]dirtySession // by socket id
	refreshAll bool
	moved      map[string]bool   // sockets restored elsewhere, until their DelAll
	pids       map[string]string // socket id → pid of the keys written for live sockets
}

func (l *liveSessions) init() {
	l.dirty = make(map[string]dirtySession)
	l.moved = make(map[string]bool)
	l.pids = make(map[string]string)
}

// mark records a change of socket id; a session persisted stays so until
// flushed, whatever follows (its DelAll).
func (a *StreamsAdapter) mark(id string, state int, s *adapter.SocketState) {
	if !a.recovery() {
		return
	}
	a.sessions.mu.Lock()
	if a.sessions.moved[id] {
		if state == sessGone {
			delete(a.sessions.moved, id)
		}
		a.sessions.mu.Unlock()
		return
	}
	if d, ok := a.sessions.dirty[id]; !ok || d.state != sessPersisted {
		a.sessions.dirty[id] = dirtySession{state: state, s: s}
	}
	a.sessions.mu.Unlock()
	a.wake()
}

// sessionTaken lets the local copy of socket id go: its session was
// restored on another server.
func (a *StreamsAdapter) sessionTaken(id string) {
	s, ok := a.nsp.Socket(id)
	if !ok || !a.recovery() {
		return
	}
	a.sessions.mu.Lock()
	a.sessions.moved[id] = true
	a.sessions.dirty[id] = dirtySession{state: sessForget}
	a.sessions.mu.Unlock()
	a.wake()
	s.Disconnect(false)
}

// AddAll adds the socket to the rooms (and, with recovery, writes its
// session soon).
func (a *StreamsAdapter) AddAll(id adapter.SocketID, rooms ...adapter.Room) {
	a.Memory.AddAll(id, rooms...)
	if slices.Contains(rooms, id) { // it connects here: its own again
		a.sessions.mu.Lock()
		delete(a.sessions.moved, id)
		a.sessions.mu.Unlock()
	}
	a.mark(id, sessLive, nil)
}

// Del removes the socket from the room.
func (a *StreamsAdapter) Del(id adapter.SocketID, room adapter.Room) {
	a.Memory.Del(id, room)
	a.mark(id, sessLive, nil)
}

// DelAll removes the socket from every room; with recovery, its session
// key is deleted unless PersistSession kept it.
func (a *StreamsAdapter) DelAll(id adapter.SocketID) {
	a.Memory.DelAll(id)
	a.mark(id, sessGone, nil)
}

// DataChanged writes the socket's session again, with recovery on.
func (a *StreamsAdapter) DataChanged(id adapter.SocketID) { a.mark(id, sessLive, nil) }

func (a *StreamsAdapter) addLocal(opts adapter.BroadcastOptions, rooms []string) {
	for _, id := range a.Memory.Sockets(opts) {
		if a.Memory.AddPresent(id, rooms...) {
			a.mark(id, sessLive, nil)
		}
	}
}

func (a *StreamsAdapter) delLocal(opts adapter.BroadcastOptions, rooms []string) {
	for _, id := range a.Memory.Sockets(opts) {
		for _, r := range rooms {
			a.Del(id, r)
		}
	}
}

// PersistSession writes the session of a socket that went away, as Node
// does: SET <SessionKeyPrefix><pid> base64(msgpack({sid,pid,rooms,data}))
// PX <window>. It returns at once; the write follows on the adapter's
// goroutine.
func (a *StreamsAdapter) PersistSession(s *adapter.SocketState) { a.mark(s.SID, sessPersisted, s) }

func (a *StreamsAdapter) startRefresh() {
	a.stopTicker = make(chan struct{})
	a.tickerDone = make(chan struct{})
	go func() {
		defer close(a.tickerDone)
		for {
			w := a.nsp.RecoveryWindow()
			if w <= 0 {
				w = time.Minute // recovery off: nothing to refresh; look again later
			}
			t := time.NewTimer(w / 2)
			select {
			case <-t.C:
				if a.recovery() {
					a.sessions.mu.Lock()
					a.sessions.refreshAll = true
					a.sessions.mu.Unlock()
					a.wake()
				}
			case <-a.stopTicker:
				t.Stop()
				return
			}
		}
	}()
}

// flushSessions writes the sessions marked since the last flush. It runs
// on the publisher goroutine only.
func (a *StreamsAdapter) flushSessions() {
	a.sessions.mu.Lock()
	dirty := a.sessions.dirty
	a.sessions.dirty = make(map[string]dirtySession)
	if a.sessions.refreshAll {
		a.sessions.refreshAll = false
		for id := range a.sessions.pids {
			if _, ok := dirty[id]; !ok {
				dirty[id] = dirtySession{state: sessLive}
			}
		}
	}
	a.sessions.mu.Unlock()
	w := a.nsp.RecoveryWindow()
	for id, d := range dirty {
		ctx, cancel := context.WithTimeout(context.Background(), a.opts.RequestsTimeout)
		var err error
		switch d.state {
		case sessLive:
			s, ok := a.nsp.SocketState(id)
			if !ok || s.PID == "" {
				break
			}
			err = a.writeSession(ctx, s, w+w/2)
			a.sessions.pids[id] = s.PID
		case sessPersisted:
			err = a.writeSession(ctx, d.s, w)
			delete(a.sessions.pids, id)
		case sessForget:
			delete(a.sessions.pids, id)
		case sessGone:
			if pid, ok := a.sessions.pids[id]; ok {
				err = a.c.Del(ctx, a.opts.SessionKeyPrefix+pid)
				delete(a.sessions.pids, id)
			}
		}
		cancel()
		if err != nil {
			a.report(fmt.Errorf("sioredis: writing the session of %s: %w", id, err))
		}
	}
}

func (a *StreamsAdapter) writeSession(ctx context.Context, s *adapter.SocketState, ttl time.Duration) error {
	v, err := encodeSession(s)
	if err != nil {
		return err
	}
	return a.c.SetPX(ctx, a.opts.SessionKeyPrefix+s.PID, v, ttl)
}

var offsetPattern = regexp.MustCompile(`^[0-9]+-[0-9]+$`)

// restorePage is how many entries one XRANGE of a restore asks for.
const restorePage = 1000

// RestoreSession reads the session pid from Redis (GET; Node also deletes
// it, here the restored socket's state replaces it) and the namespace's
// broadcasts after offset from the stream (XRANGE), as Node does, and
// calls fn with them between two entries of
// the stream's reader: the packets up to the last entry delivered here are
// in Missed, the later ones reach the restored socket from the reader, so
// none is lost or doubled, whichever server broadcast them. It returns
// ErrNoSession when recovery is off, the offset is not a stream id or is
// no longer in the stream, or the session is unknown or expired.
func (a *StreamsAdapter) RestoreSession(pid, offset string, fn func(*adapter.SocketState)) error {
	if !a.recovery() || !offsetPattern.MatchString(offset) {
		return adapter.ErrNoSession
	}
	from, err := parseStreamID(offset)
	if err != nil {
		return adapter.ErrNoSession
	}
	ctx, cancel := context.WithTimeout(context.Background(), a.opts.RequestsTimeout)
	defer cancel()
	select {
	case <-a.reader.ready:
	case <-ctx.Done():
		return adapter.ErrNoSession
	}
	// Node takes the key (GET and DEL); here it stays, and the restored
	// socket's state replaces it: a server that dies right after a restore
	// leaves a session behind all the same.
	raw, ok, err := a.c.Get(ctx, a.opts.SessionKeyPrefix+pid)
	if err != nil || !ok {
		return adapter.ErrNoSession
	}
	if at, err := a.c.XRange(ctx, a.stream, offset, offset, 1); err != nil || len(at) == 0 {
		return adapter.ErrNoSession
	}
	s, err := decodeSession(raw)
	if err != nil || s.PID != pid {
		return adapter.ErrNoSession
	}
	// Most of the range is read before the reader is held back; the rest,
	// up to the last entry it delivered, while it is.
	entries, upTo, err := a.rangeAfter(ctx, from, streamID{^uint64(0), ^uint64(0)}, nil)
	if err != nil {
		return adapter.ErrNoSession
	}
	// The client may come from a server whose reader was ahead of ours:
	// the entries up to its offset must not reach it again from ours.
	r := a.reader
	if err := r.reach(ctx, from); err != nil {
		return adapter.ErrNoSession
	}
	r.deliverMu.Lock()
	defer r.deliverMu.Unlock()
	last := r.last
	i := len(entries)
	for i > 0 {
		id, _ := parseStreamID(entries[i-1].ID)
		if !last.less(id) {
			break
		}
		i--
	}
	entries = entries[:i]
	if upTo.less(last) {
		if entries, _, err = a.rangeAfter(ctx, upTo, last, entries); err != nil {
			return adapter.ErrNoSession
		}
	}
	s.Missed = a.missed(s.Rooms, entries)
	fn(s)
	a.mark(s.SID, sessLive, nil) // the key now describes the restored socket
	d := &object{}
	d.set("sid", s.SID)
	a.background(func() {
		if err := a.publish(context.Background(), a.channel, msgSessionTaken, d); err != nil {
			a.report(fmt.Errorf("sioredis: announcing the restore of %s: %w", s.SID, err))
		}
	})
	return nil
}

// rangeAfter appends to out the entries after from, up to to included,
// page by page, and returns the last id read (from when none).
func (a *StreamsAdapter) rangeAfter(ctx context.Context, from, to streamID, out []StreamEntry) ([]StreamEntry, streamID, error) {
	maxPages := int(a.opts.MaxLen/restorePage) + 10
	end := "+"
	if to.ms != ^uint64(0) {
		end = to.String()
	}
	for range maxPages {
		if !from.less(to) {
			break
		}
		page, err := a.c.XRange(ctx, a.stream, from.next().String(), end, restorePage)
		if err != nil {
			return nil, from, err
		}
		for _, e := range page {
			if id, err := parseStreamID(e.ID); err == nil {
				from = id
				out = append(out, e)
			}
		}
		if len(page) < restorePage {
			break
		}
	}
	return out, from, nil
}

// missed picks the namespace's broadcasts a socket in rooms was a target
// of, each with its stream id as offset.
func (a *StreamsAdapter) missed(rooms []string, entries []StreamEntry) []*parser.Packet {
	in := make(map[string]struct{}, len(rooms))
	for _, r := range rooms {
		in[r] = struct{}{}
	}
	var out []*parser.Packet
	for _, e := range entries {
		if e.Fields["nsp"] != a.nsp.Name() || e.Fields["type"] != "3" {
			continue
		}
		m, err := decodeEntry(e.Fields)
		if err != nil {
			continue
		}
		d := getObject(m, "data")
		if d == nil || getString(d, "requestId") != "" {
			continue
		}
		p, _, err := readPacket(getObject(d, "packet"))
		if err != nil {
			continue
		}
		opts := readOpts(getObject(d, "opts"))
		if !adapter.Recordable(p, opts.Flags) || !targets(in, opts) {
			continue
		}
		p.Nsp = a.nsp.Name()
		out = append(out, adapter.WithOffset(p, e.ID))
	}
	return out
}

// targets reports whether a socket in rooms was a target of a broadcast
// with opts (Node's shouldIncludePacket).
func targets(rooms map[string]struct{}, opts adapter.BroadcastOptions) bool {
	for _, r := range opts.Except {
		if _, ok := rooms[r]; ok {
			return false
		}
	}
	if len(opts.Rooms) == 0 {
		return true
	}
	for _, r := range opts.Rooms {
		if _, ok := rooms[r]; ok {
			return true
		}
	}
	return false
}
