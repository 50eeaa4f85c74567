package client

import (
	"context"
	"sync"
	"time"
)

// Socket is one namespace of a Manager's connection (socket.io-client's
// Socket): it connects to its namespace, emits events and receives them,
// acknowledges and is acknowledged, and reconnects with its manager.
//
// All methods are safe for concurrent use. The socket's handlers (connect,
// disconnect, connect_error, OnAny listeners and event handlers) run one at
// a time, in the order of the packets that caused them, on a goroutine that
// exists only while there is work; handlers of different sockets run
// concurrently. A handler may emit and may wait for an acknowledgement
// (EmitWithAck): acknowledgements do not wait behind handlers. Long work
// belongs in a goroutine of your own: while a socket's handlers lag
// Options.MaxPendingEvents events behind, reading from the server pauses.
type Socket struct {
	m     *Manager
	nsp   string
	opts  SocketOptions
	disp  *dispatcher
	owner bool // Dial made the manager for this socket: Close closes it

	mu         sync.Mutex
	active     bool        // the socket wants to be connected
	connected  bool        // the server accepted the CONNECT
	closed     bool        // the manager closed
	connecting *engineConn // the connection a CONNECT was sent on
	eng        *engineConn // the connection the socket is connected on
	gen        uint64      // counts the connections of the socket
	id         string
	pid        string // the private id, for connection state recovery
	offset     string // the offset of the last event received
	recovered  bool
	lastErr    error
	nextID     uint64
	acks       map[uint64]*pendingAck
	sendBuf    []*outPacket
	recvBuf    []*Event // events that came before the CONNECT answer
	queue      []*retryItem
	waiters    []chan error
	h          socketHandlers
}

type socketHandlers struct {
	events       map[string]EventHandler
	anys         []func(s *Socket, e *Event)
	anyOut       []func(s *Socket, event string, args []any)
	connect      []func(s *Socket)
	disconnect   []func(s *Socket, reason string)
	connectError []func(s *Socket, err error)
}

func newSocket(m *Manager, nsp string, opts SocketOptions) *Socket {
	return &Socket{
		m: m, nsp: nsp, opts: opts,
		disp: newDispatcher(m.o.MaxPendingEvents),
		acks: make(map[uint64]*pendingAck),
		h:    socketHandlers{events: make(map[string]EventHandler)},
	}
}

// Dial connects to the namespace that rawURL's path names ("/" for none)
// on the server at rawURL, with a Manager of its own configured by opts
// (nil for the defaults), and waits until the server accepted the socket:
// it returns what Socket.Connect returns. Close the socket to close its
// manager too.
func Dial(ctx context.Context, rawURL string, opts *Options) (*Socket, error) {
	_, nsp, err := parseServerURL(rawURL)
	if err != nil {
		return nil, err
	}
	m, err := NewManager(rawURL, opts)
	if err != nil {
		return nil, err
	}
	s := m.Socket(nsp, nil)
	s.owner = true
	if err := s.Connect(ctx); err != nil {
		m.Close()
		return nil, err
	}
	return s, nil
}

// ID returns the socket's id on the server, or "" while disconnected.
func (s *Socket) ID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.id
}

// Namespace returns the socket's namespace, such as "/" or "/admin".
func (s *Socket) Namespace() string { return s.nsp }

// Manager returns the manager of the socket's connection.
func (s *Socket) Manager() *Manager { return s.m }

// Connected reports whether the socket is connected to its namespace.
func (s *Socket) Connected() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connected
}

// Active reports whether the socket is connected or trying to be: after
// Connect, until Disconnect, a refusal by the server, a server-side
// disconnect or the end of the reconnection attempts.
func (s *Socket) Active() bool { return s.isActive() }

// Recovered reports whether the last connection restored the socket's
// session (connection state recovery): same id, same rooms, and the
// events missed meanwhile delivered first.
func (s *Socket) Recovered() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.recovered
}

func (s *Socket) isActive() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.active
}

// pendingAck is an acknowledgement the socket waits for. fn is called
// once, by whoever removes the ack from Socket.acks.
type pendingAck struct {
	fn       func(args *Args, err error)
	timer    *time.Timer
	buffered bool // its packet waits in sendBuf
	err      error
}

// outPacket is an emit kept while the socket is disconnected.
type outPacket struct {
	msgs  []enginePacket
	id    uint64
	hasID bool
}
