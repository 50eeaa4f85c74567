package core_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/gosio/gosio/core"
)

// The real socket.io-client 2.5.0 (Engine.IO 3, Socket.IO protocol 4) from
// testdata/eio3 (npm ci there) against a server with AllowEIO3, driven by
// testdata/eio3/client.js.

func inCI() bool {
	v := os.Getenv("CI")
	return v != "" && v != "false" && v != "0"
}

// eio3Dir returns testdata/eio3 once node and its packages are there; the
// test is skipped otherwise, or fails under CI.
func eio3Dir(t *testing.T) string {
	t.Helper()
	dir, _ := filepath.Abs("testdata/eio3")
	_, errNode := exec.LookPath("node")
	_, errPkg := os.Stat(filepath.Join(dir, "node_modules", "socket.io-client", "package.json"))
	if errNode == nil && errPkg == nil {
		return dir
	}
	msg := "socket.io-client 2.5.0: node or testdata/eio3/node_modules missing (npm ci in " + dir + ")"
	if inCI() {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// cutListener is a loopback listener whose connections (hijacked ones
// included) cut closes at once, as a network loss would; for a while after,
// it closes new connections as soon as they come, so that a polling client
// between two requests notices too.
type cutListener struct {
	net.Listener
	mu        sync.Mutex
	conns     []net.Conn
	downUntil time.Time
}

func (l *cutListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		l.mu.Lock()
		down := time.Now().Before(l.downUntil)
		if !down {
			l.conns = append(l.conns, c)
		}
		l.mu.Unlock()
		if !down {
			return c, nil
		}
		_ = c.Close()
	}
}

func (l *cutListener) cut() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.downUntil = time.Now().Add(300 * time.Millisecond)
	for _, c := range l.conns {
		_ = c.Close()
	}
	l.conns = nil
}

// startEIO3Server serves io on a cutListener; both close when the test ends.
func startEIO3Server(t *testing.T, io *core.Server) (string, *cutListener) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cl := &cutListener{Listener: ln}
	hs := &http.Server{Handler: io, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = hs.Serve(cl) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := io.Close(ctx); err != nil {
			t.Errorf("close: %v", err)
		}
		_ = hs.Close()
		cl.cut()
	})
	return "http://" + ln.Addr().String(), cl
}

// nodeClient is one run of client.js; its lines come on steps.
type nodeClient struct {
	steps chan map[string]any
	cmd   *exec.Cmd
	errb  lockedBuffer
}

// lockedBuffer is the client's stderr, written by exec's copier.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func runClient(t *testing.T, args ...string) *nodeClient {
	t.Helper()
	dir := eio3Dir(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	c := &nodeClient{steps: make(chan map[string]any, 32)}
	c.cmd = exec.CommandContext(ctx, "node", append([]string{"client.js"}, args...)...)
	c.cmd.Dir = dir
	c.cmd.Stderr = &c.errb
	stdout, err := c.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var m map[string]any
			if json.Unmarshal(sc.Bytes(), &m) == nil {
				c.steps <- m
			}
		}
	}()
	t.Cleanup(func() {
		<-done
		_ = c.cmd.Wait()
		cancel()
	})
	return c
}

// step waits for the client's next line, which must be step name. The
// "error" events of the main socket (a cut polling request's, say) are
// skipped.
func (c *nodeClient) step(t *testing.T, name string) map[string]any {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case m := <-c.steps:
			if m["step"] == "error" && name != "error" {
				continue
			}
			if m["step"] != name {
				t.Fatalf("client: want step %q, got %v (stderr: %s)", name, m, c.errb.String())
			}
			return m
		case <-deadline:
			t.Fatalf("client: no step %q (stderr: %s)", name, c.errb.String())
			return nil
		}
	}
}

type eio3Conn struct {
	nsp, id, connID, transport string
	auth                       string
}

// eio3TestServer is the server of TestEIO3Client: echo and ask on "/",
// rooms, "/custom" whose middleware checks the auth of the query string,
// and "/private" that refuses with data.
func eio3TestServer(t *testing.T) (*core.Server, chan eio3Conn) {
	conns := make(chan eio3Conn, 16)
	io := core.NewServer(&core.Options{Engine: core.EngineOptions{AllowEIO3: true}})
	record := func(s *core.Socket) {
		conns <- eio3Conn{s.Namespace().Name(), s.ID(), s.ConnID(), s.Transport(), string(s.Handshake().Auth)}
	}
	io.OnConnection(func(s *core.Socket) {
		record(s)
		s.On("echo", func(s *core.Socket, e *core.Event) error {
			vals, err := e.Values()
			if err != nil {
				return err
			}
			return e.Ack(vals...)
		})
		s.On("ping-me", func(s *core.Socket, e *core.Event) error {
			go func() {
				ctx, cancel := context.WithTimeout(s.Context(), 10*time.Second)
				defer cancel()
				a, err := s.EmitWithAck(ctx, "question", 21)
				if err != nil {
					return
				}
				n, _ := core.Decode[int](a)
				_ = e.Ack(n)
			}()
			return nil
		})
		s.On("join", func(s *core.Socket, e *core.Event) error {
			room, err := core.Decode[string](&e.Args)
			if err != nil {
				return err
			}
			s.Join(room)
			return e.Ack()
		})
		s.On("shout", func(s *core.Socket, e *core.Event) error {
			var room, text string
			if err := e.Bind(&room, &text); err != nil {
				return err
			}
			return io.To(room).Emit("shouted", text, []byte{9})
		})
	})
	custom := io.Of("/custom")
	custom.Use(core.ConnectFunc(func(s *core.Socket) error {
		var auth struct{ Token string }
		if err := core.DecodeAuth(s, &auth); err != nil || auth.Token != "abc" {
			return core.NewConnectError("bad token", nil)
		}
		return nil
	}))
	custom.OnConnection(func(s *core.Socket) {
		record(s)
		_ = s.Emit("auth", json.RawMessage(s.Handshake().Auth))
	})
	io.Of("/private").Use(core.ConnectFunc(func(*core.Socket) error {
		return core.NewConnectError("nope", map[string]any{"code": 42})
	}))
	return io, conns
}

func TestEIO3Client(t *testing.T) {
	for _, tc := range []struct {
		name, transports string
		b64              bool
		want             []string // transports of the first connection: at connect, after the upgrade
	}{
		{"polling", "polling", false, []string{"polling"}},
		{"websocket", "websocket", false, []string{"websocket"}},
		{"websocket-base64", "websocket", true, []string{"websocket"}},
		{"upgrade", "polling,websocket", false, []string{"polling", "websocket"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			io, conns := eio3TestServer(t)
			url, ln := startEIO3Server(t, io)
			args := []string{"full", url, tc.transports}
			if tc.b64 {
				args = append(args, "b64")
			}
			c := runClient(t, args...)

			// "/" is joined without a CONNECT, with no auth (the query is
			// the handshake's), and the socket id is the session's.
			main := recv(t, conns)
			m := c.step(t, "connect")
			if main.nsp != "/" || main.id != main.connID || main.auth != "{}" || m["id"] != main.id || main.transport != tc.want[0] {
				t.Fatalf("main socket %+v, client %v", main, m)
			}
			// (a loaded machine may finish the upgrade before the client
			// reports the connect)
			if len(tc.want) > 1 && m["transport"] != tc.want[1] {
				if m := c.step(t, "upgrade"); m["transport"] != tc.want[1] {
					t.Fatalf("upgrade: %v", m)
				}
			}
			m = c.step(t, "echo")
			want := `["hé €😀",{"bin":"AQID"},{"b":{"bin":"BA=="},"n":1}]`
			if got, _ := json.Marshal(m["args"]); string(got) != want {
				t.Fatalf("echo: got %s, want %s", got, want)
			}
			if m := c.step(t, "ask"); m["answer"] != float64(42) {
				t.Fatalf("ask: %v", m)
			}
			m = c.step(t, "room")
			if got, _ := json.Marshal(m["args"]); string(got) != `["hello",{"bin":"CQ=="}]` {
				t.Fatalf("room broadcast: %s", got)
			}
			cs := recv(t, conns)
			m = c.step(t, "custom")
			if got, _ := json.Marshal(m["auth"]); cs.nsp != "/custom" || cs.auth != `{"token":"abc","x":"1"}` || string(got) != cs.auth ||
				cs.id != "/custom#"+main.connID || m["id"] != cs.id {
				t.Fatalf("custom socket %+v, client %v", cs, m)
			}
			m = c.step(t, "private")
			if got, _ := json.Marshal(m["err"]); string(got) != `{"code":42}` {
				t.Fatalf("private: connect error %s", got)
			}

			c.step(t, "ready")
			ln.cut()
			again := recv(t, conns)
			for again.nsp != "/" { // "/custom" reconnects too
				again = recv(t, conns)
			}
			m = c.step(t, "reconnected")
			if again.id == main.id || m["id"] != again.id || m["changed"] != true {
				t.Fatalf("after the cut: server %+v, client %v", again, m)
			}
			m = c.step(t, "echo-again")
			if got, _ := json.Marshal(m["args"]); string(got) != `["again"]` {
				t.Fatalf("echo after reconnect: %s", got)
			}
			c.step(t, "done")
		})
	}
}

// TestEIO3MixedRoom: socket.io-client 2.5.0 and 4.8.4 clients in one room
// receive the same broadcasts (text and binary).
func TestEIO3MixedRoom(t *testing.T) {
	io, _ := eio3TestServer(t)
	url, _ := startEIO3Server(t, io)
	var clients []*nodeClient
	for _, v := range []string{"2", "4", "2", "4"} {
		c := runClient(t, "room", v, url, "mixed")
		c.step(t, "joined")
		clients = append(clients, c)
	}
	if err := io.To("mixed").Emit("news", "héllo", []byte{1, 2, 3}, map[string]any{"n": 7}); err != nil {
		t.Fatal(err)
	}
	for i, c := range clients {
		m := c.step(t, "news")
		if got, _ := json.Marshal(m["args"]); string(got) != `["héllo",{"bin":"AQID"},{"n":7}]` {
			t.Fatalf("client %d got %s", i, got)
		}
		c.step(t, "done")
	}
}
