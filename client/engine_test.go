package client_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	io2 "io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/gosio/gosio/client"
	"github.com/gosio/gosio/core"
)

// TestHeartbeat: the client answers the server's pings (the connection
// outlives several ping intervals), and closes with "ping timeout" when
// the pings stop coming, on each transport.
func TestHeartbeat(t *testing.T) {
	for _, tc := range transportCases {
		t.Run(tc.name, func(t *testing.T) {
			serverGone := make(chan string, 1)
			g := startGosio(t, nil, func(io *core.Server) {
				io.OnConnection(func(s *core.Socket) {
					s.OnDisconnect(func(s *core.Socket, reason string) { serverGone <- reason })
				})
			})
			p := newProxy(t, g.Addr())
			opts := tc.opts
			opts.NoReconnection = true
			s := dial(t, p.URL(), &opts)
			pings := make(chan struct{}, 16)
			s.Manager().OnPing(func() { pings <- struct{}{} })
			if tc.name == "upgrade" {
				waitFor(t, "the upgrade", func() bool { return s.Manager().Transport() == client.TransportWebSocket })
			}
			id := s.ID()
			for range 3 { // 3 pings answered: 3 × 300 ms, the server's timeout is 300 ms
				recv(t, pings)
			}
			if !s.Connected() || s.ID() != id {
				t.Fatalf("connection lost while answering pings")
			}
			select {
			case r := <-serverGone:
				t.Fatalf("server closed the socket: %s", r)
			default:
			}

			reasons := make(chan string, 1)
			s.OnDisconnect(func(s *client.Socket, reason string) { reasons <- reason })
			start := time.Now()
			p.Hold() // the network goes silent
			if r := recv(t, reasons); r != client.ReasonPingTimeout {
				t.Fatalf("reason %q, want %q", r, client.ReasonPingTimeout)
			}
			// pingInterval + pingTimeout is 600 ms after the last ping.
			if d := time.Since(start); d > 5*time.Second {
				t.Fatalf("ping timeout took %v", d)
			}
			p.Up()
		})
	}
}

// TestMaxPayload: an emit over the server's maxPayload is refused, and
// many emits queued together over polling are split into POSTs that fit.
func TestMaxPayload(t *testing.T) {
	const limit = 2000
	got := make(chan int, 64)
	g := startGosio(t, &core.Options{Engine: core.EngineOptions{MaxHTTPBufferSize: limit}}, func(io *core.Server) {
		io.OnConnection(func(s *core.Socket) {
			s.On("chunk", core.Handle(func(s *core.Socket, n int) error {
				got <- n
				return nil
			}))
		})
	})
	var posts, big atomic.Int32
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.Method == http.MethodPost {
			posts.Add(1)
			if r.ContentLength > limit {
				big.Add(1)
			}
		}
		return http.DefaultTransport.RoundTrip(r)
	})}
	defer hc.CloseIdleConnections()
	s := dial(t, g.URL(), &client.Options{Transports: []string{client.TransportPolling}, HTTPClient: hc})
	pad := strings.Repeat("x", 500)
	if err := s.Emit("chunk", 0, strings.Repeat("y", limit)); !errors.Is(err, client.ErrPayloadTooLarge) {
		t.Fatalf("oversized emit: %v", err)
	}
	const n = 20
	for i := 1; i <= n; i++ {
		if err := s.Emit("chunk", i, pad); err != nil {
			t.Fatal(err)
		}
	}
	for i := 1; i <= n; i++ {
		if v := recv(t, got); v != i {
			t.Fatalf("got chunk %d, want %d", v, i)
		}
	}
	if big.Load() != 0 {
		t.Fatalf("%d POSTs above maxPayload", big.Load())
	}
	if p := posts.Load(); p < n*520/limit {
		t.Fatalf("only %d POSTs for %d bytes", p, n*520)
	}
	if !s.Connected() {
		t.Fatal("disconnected")
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestRequestOptions: Header, Query and Path reach the server on every
// transport; the HTTPClient and Dialer hooks are used.
func TestRequestOptions(t *testing.T) {
	for _, tc := range transportCases {
		t.Run(tc.name, func(t *testing.T) {
			type seen struct{ header, query, auth string }
			got := make(chan seen, 1)
			io := core.NewServer(&core.Options{Path: "/rt/"})
			io.OnConnection(func(s *core.Socket) {
				hs := s.Handshake()
				got <- seen{hs.Header.Get("X-Token"), hs.Query.Get("room"), string(hs.Auth)}
			})
			mux := http.NewServeMux()
			var hits atomic.Int32
			mux.Handle("/rt/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("X-Token") != "t1" || r.URL.Query().Get("room") != "r1" {
					http.Error(w, "missing header or query", http.StatusForbidden)
					return
				}
				hits.Add(1)
				io.ServeHTTP(w, r)
			}))
			hs := httptest.NewServer(mux)
			defer hs.Close()
			defer func() {
				ctx, cancel := context.WithTimeout(context.Background(), wait)
				defer cancel()
				_ = io.Close(ctx)
			}()
			var rts, dials atomic.Int32
			tr := http.DefaultTransport.(*http.Transport).Clone()
			defer tr.CloseIdleConnections()
			opts := tc.opts
			opts.Path = "/rt"
			opts.Header = http.Header{"X-Token": {"t1"}}
			opts.Query = url.Values{"room": {"r1"}}
			opts.HTTPClient = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
				rts.Add(1)
				return tr.RoundTrip(r)
			})}
			opts.Dialer = &websocket.Dialer{NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				dials.Add(1)
				return (&net.Dialer{}).DialContext(ctx, network, addr)
			}}
			opts.SocketOptions.Auth = map[string]int{"v": 1}
			s := dial(t, hs.URL, &opts)
			if v := recv(t, got); v != (seen{"t1", "r1", `{"v":1}`}) {
				t.Fatalf("server saw %+v", v)
			}
			if tc.name == "upgrade" {
				waitFor(t, "the upgrade", func() bool { return s.Manager().Transport() == client.TransportWebSocket })
			}
			if tc.name != "websocket" && rts.Load() == 0 {
				t.Fatal("the HTTPClient was not used")
			}
			if tc.name != "polling" && dials.Load() == 0 {
				t.Fatal("the Dialer was not used")
			}

			// Without the header, the app's middleware answers 403.
			ctx, cancel := context.WithTimeout(context.Background(), wait)
			defer cancel()
			bad := tc.opts
			bad.Path = "/rt/"
			bad.NoReconnection = true
			_, err := client.Dial(ctx, hs.URL, &bad)
			var he *client.HTTPError
			if !errors.As(err, &he) || he.StatusCode != http.StatusForbidden {
				t.Fatalf("without header: %v", err)
			}
		})
	}
}

// TestTLS connects over https:// and wss:// with Options.TLSConfig.
func TestTLS(t *testing.T) {
	io := core.NewServer(nil)
	io.OnConnection(func(s *core.Socket) {
		s.On("secure", func(s *core.Socket, e *core.Event) error { return e.Ack(s.Handshake().Secure) })
	})
	hs := httptest.NewUnstartedServer(io)
	hs.Config.ErrorLog = log.New(io2.Discard, "", 0) // the failed handshake below
	hs.StartTLS()
	defer hs.Close()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		_ = io.Close(ctx)
	}()
	pool := x509.NewCertPool()
	pool.AddCert(hs.Certificate())
	for _, tc := range transportCases {
		t.Run(tc.name, func(t *testing.T) {
			opts := tc.opts
			opts.TLSConfig = &tls.Config{RootCAs: pool}
			s := dial(t, hs.URL, &opts)
			if tc.name == "upgrade" {
				waitFor(t, "the upgrade", func() bool { return s.Manager().Transport() == client.TransportWebSocket })
			}
			ctx, cancel := context.WithTimeout(context.Background(), wait)
			defer cancel()
			ans, err := s.EmitWithAck(ctx, "secure")
			if err != nil {
				t.Fatal(err)
			}
			if ok, _ := client.Decode[bool](ans); !ok {
				t.Fatal("the server saw no TLS")
			}
		})
	}
	// Without the CA, the handshake fails.
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if _, err := client.Dial(ctx, hs.URL, &client.Options{NoReconnection: true}); err == nil {
		t.Fatal("connected without trusting the certificate")
	}
}
