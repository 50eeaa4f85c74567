package adapter

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"sync"
	"time"

	"github.com/gosio/gosio/core/parser"
)

// RecoveryOptions configure connection state recovery in the in-memory
// adapter. Immutable once passed to the adapter.
type RecoveryOptions struct {
	// MaxDisconnectionDuration is how long a session and the packets it may
	// miss are kept. Default 2 minutes.
	MaxDisconnectionDuration time.Duration
	// MaxPackets caps the packets kept for recovery; the oldest go first,
	// and a client whose offset is gone gets a new session. Default 10,000.
	MaxPackets int
}

func (o RecoveryOptions) withDefaults() RecoveryOptions {
	if o.MaxDisconnectionDuration <= 0 {
		o.MaxDisconnectionDuration = 2 * time.Minute
	}
	if o.MaxPackets <= 0 {
		o.MaxPackets = 10000
	}
	return o
}

// recovery keeps recent broadcast packets and the sessions of sockets that
// went away, bounded in time and count.
type recovery struct {
	opts RecoveryOptions
	boot string // distinguishes this process's offsets from a previous one's
	now  func() time.Time
	mu   sync.Mutex
	seq  uint64
	kept []keptPacket // oldest first
	sess map[string]keptSession
}

type keptPacket struct {
	offset string
	at     time.Time
	opts   BroadcastOptions
	packet *parser.Packet
}

type keptSession struct {
	s       *SocketState
	expires time.Time
}

func newRecovery(opts RecoveryOptions) *recovery {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return &recovery{
		opts: opts.withDefaults(),
		boot: hex.EncodeToString(b[:]),
		now:  time.Now,
		sess: make(map[string]keptSession),
	}
}

// Recordable reports whether a packet sent with flags is kept for
// connection state recovery, and so gets an offset: an event without ack
// id, not volatile, with an argument list (Node's rule). An adapter that
// keeps packets for recovery asks it of every packet it broadcasts or
// emits to a socket.
func Recordable(p *parser.Packet, flags BroadcastFlags) bool {
	_, ok := p.Data.([]any)
	return p.Type == parser.Event && !p.HasID && !flags.Volatile && ok
}

// WithOffset returns a copy of p, a [Recordable] packet, with offset
// appended to its arguments, where socket.io-client finds it (its last
// argument) and reports it when it reconnects. p and its arguments are not
// modified.
func WithOffset(p *parser.Packet, offset string) *parser.Packet {
	args := p.Data.([]any)
	q := *p
	q.Data = append(args[:len(args):len(args)], offset)
	return &q
}

// record gives a recordable packet its offset (appended as last argument)
// and keeps it; the caller checked Recordable.
func (r *recovery) record(p *parser.Packet, opts BroadcastOptions) *parser.Packet {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seq++
	offset := r.boot + "-" + strconv.FormatUint(r.seq, 10)
	q := WithOffset(p, offset)
	now := r.now()
	r.prune(now)
	if len(r.kept) >= r.opts.MaxPackets {
		r.kept = r.kept[len(r.kept)-r.opts.MaxPackets+1:]
	}
	r.kept = append(r.kept, keptPacket{offset: offset, at: now, opts: opts, packet: q})
	return q
}

// prune drops packets and sessions older than the window. r.mu is held.
func (r *recovery) prune(now time.Time) {
	cut := now.Add(-r.opts.MaxDisconnectionDuration)
	i := 0
	for i < len(r.kept) && r.kept[i].at.Before(cut) {
		r.kept[i] = keptPacket{}
		i++
	}
	if i > 0 {
		r.kept = append(r.kept[:0], r.kept[i:]...)
	}
	for pid, k := range r.sess {
		if now.After(k.expires) {
			delete(r.sess, pid)
		}
	}
}

func (r *recovery) persist(s *SocketState) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	r.prune(now)
	r.sess[s.PID] = keptSession{s: s, expires: now.Add(r.opts.MaxDisconnectionDuration)}
}

func (r *recovery) restore(pid, offset string) (*SocketState, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	r.prune(now)
	k, ok := r.sess[pid]
	if !ok {
		return nil, ErrNoSession
	}
	// The client's offset is that of the last event it got: the packets
	// after it are what it missed. Without one (it got no event since it
	// connected), or with one no longer kept, what it missed is unknown
	// (the packets sent between the network's failure and the server's
	// noticing it went to the dead transport): no recovery, as with Node.
	start := -1
	for i := len(r.kept) - 1; i >= 0 && offset != ""; i-- {
		if r.kept[i].offset == offset {
			start = i + 1
			break
		}
	}
	if start < 0 {
		return nil, ErrNoSession
	}
	delete(r.sess, pid)
	s := *k.s
	s.Missed = nil
	rooms := make(map[Room]struct{}, len(s.Rooms))
	for _, room := range s.Rooms {
		rooms[room] = struct{}{}
	}
	for _, kp := range r.kept[start:] {
		if includes(rooms, kp.opts) {
			s.Missed = append(s.Missed, kp.packet)
		}
	}
	return &s, nil
}

// includes reports whether a socket in rooms was a target of a broadcast
// with opts.
func includes(rooms map[Room]struct{}, opts BroadcastOptions) bool {
	for _, r := range opts.Except {
		if _, in := rooms[r]; in {
			return false
		}
	}
	if len(opts.Rooms) == 0 {
		return true
	}
	for _, r := range opts.Rooms {
		if _, in := rooms[r]; in {
			return true
		}
	}
	return false
}
