package core_test

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"context"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/gosio/gosio/core"
)

// fakeBundle stands for clientdist.Bundle, which is another module.
type fakeBundle map[string][]byte

func (fakeBundle) Version() string { return "9.8.7" }
func (b fakeBundle) File(name string) ([]byte, bool) {
	f, ok := b[name]
	return f, ok
}

var testBundle = fakeBundle{
	"socket.io.js":             []byte(strings.Repeat("/* the client */ var io;\n", 200)),
	"socket.io.min.js":         []byte("var io;//# sourceMappingURL=socket.io.min.js.map"),
	"socket.io.min.js.map":     []byte(`{"version":3}`),
	"socket.io.msgpack.min.js": []byte("var io=1;"),
	"socket.io.esm.min.js":     []byte("export{};"),
	"other.js":                 []byte("not served"),
}

// serveStacks starts srv on net/http and on fasthttp; each base URL is the
// server root. With viaPaths the net/http server routes srv.Paths() alone
// to srv, as integrations do; otherwise every path reaches srv.
func serveStacks(t *testing.T, srv *core.Server, viaPaths bool) map[string]string {
	t.Helper()
	var mux http.Handler = srv
	if viaPaths {
		m := http.NewServeMux()
		for _, p := range srv.Paths() {
			m.Handle(p, srv)
		}
		mux = m
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: mux}
	go func() { _ = hs.Serve(ln) }()
	fln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fs := &fasthttp.Server{
		Handler:               func(rc *fasthttp.RequestCtx) { srv.ServeFastHTTP(nil, rc) },
		MaxIdleWorkerDuration: 10 * time.Millisecond,
	}
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = fs.Serve(fln)
	}()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Close(ctx); err != nil {
			t.Errorf("close: %v", err)
		}
		_ = hs.Shutdown(ctx)
		_ = fs.ShutdownWithContext(ctx)
		<-served
	})
	return map[string]string{"net/http": "http://" + ln.Addr().String(), "fasthttp": "http://" + fln.Addr().String()}
}

func do(t *testing.T, method, url string, header http.Header) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	// No transparent gzip: the test reads Content-Encoding itself.
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	res, err := (&http.Client{Transport: tr, Timeout: 5 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, body
}

func TestServeClient(t *testing.T) {
	t.Parallel()
	srv := core.NewServer(&core.Options{ServeClient: testBundle, Engine: core.EngineOptions{CORS: &core.CORS{Origins: []string{"*"}}}})
	if p := srv.Paths(); !slices.Contains(p, "/socket.io/socket.io.min.js") || slices.Contains(p, "/socket.io/other.js") ||
		slices.Contains(p, "/socket.io/socket.io.js.map") {
		t.Errorf("Paths() = %v", p)
	}
	for stack, base := range serveStacks(t, srv, true) {
		t.Run(stack, func(t *testing.T) {
			res, body := do(t, "GET", base+"/socket.io/socket.io.min.js?v=1", nil)
			if res.StatusCode != 200 || !bytes.Equal(body, testBundle["socket.io.min.js"]) || res.ContentLength != int64(len(body)) {
				t.Fatalf("GET: %d %q (length %d)", res.StatusCode, body, res.ContentLength)
			}
			for k, v := range map[string]string{
				"Content-Type":                "application/javascript; charset=utf-8",
				"Etag":                        `"9.8.7"`,
				"Cache-Control":               "public, max-age=0",
				"Access-Control-Allow-Origin": "*",
			} {
				if got := res.Header.Get(k); got != v {
					t.Errorf("%s: %q, want %q", k, got, v)
				}
			}
			if res, _ := do(t, "GET", base+"/socket.io/socket.io.min.js.map", nil); res.Header.Get("Content-Type") != "application/json; charset=utf-8" {
				t.Errorf("map Content-Type %q", res.Header.Get("Content-Type"))
			}
			for _, inm := range []string{`"9.8.7"`, `W/"9.8.7"`} {
				res, body := do(t, "GET", base+"/socket.io/socket.io.min.js", http.Header{"If-None-Match": {inm}})
				if res.StatusCode != 304 || len(body) != 0 {
					t.Errorf("If-None-Match %s: %d %q", inm, res.StatusCode, body)
				}
			}
			if res, _ := do(t, "GET", base+"/socket.io/socket.io.min.js", http.Header{"If-None-Match": {`"1.0.0"`}}); res.StatusCode != 200 {
				t.Errorf("stale If-None-Match: %d", res.StatusCode)
			}
			for enc, open := range map[string]func(io.Reader) (io.Reader, error){
				"gzip":    func(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) },
				"deflate": func(r io.Reader) (io.Reader, error) { return zlib.NewReader(r) },
			} {
				res, body := do(t, "GET", base+"/socket.io/socket.io.js", http.Header{"Accept-Encoding": {enc + ", br;q=0"}})
				if res.Header.Get("Content-Encoding") != enc || len(body) >= len(testBundle["socket.io.js"]) {
					t.Errorf("%s: Content-Encoding %q, %d bytes", enc, res.Header.Get("Content-Encoding"), len(body))
					continue
				}
				r, err := open(bytes.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				if plain, err := io.ReadAll(r); err != nil || !bytes.Equal(plain, testBundle["socket.io.js"]) {
					t.Errorf("%s: decompressed %d bytes, %v", enc, len(plain), err)
				}
			}
			if res, body := do(t, "HEAD", base+"/socket.io/socket.io.js", nil); res.StatusCode != 200 || len(body) != 0 || res.ContentLength != int64(len(testBundle["socket.io.js"])) {
				t.Errorf("HEAD: %d, %d bytes, length %d", res.StatusCode, len(body), res.ContentLength)
			}
			if res, _ := do(t, "OPTIONS", base+"/socket.io/socket.io.js", http.Header{"Origin": {"http://a.example"}, "Access-Control-Request-Method": {"GET"}}); res.StatusCode != 204 || res.Header.Get("Access-Control-Allow-Origin") != "*" {
				t.Errorf("preflight: %d %v", res.StatusCode, res.Header)
			}
			if res, _ := do(t, "POST", base+"/socket.io/socket.io.js", nil); res.StatusCode != 405 {
				t.Errorf("POST: %d", res.StatusCode)
			}
			// Not a client file: the engine answers, as Node's does.
			if res, _ := do(t, "GET", base+"/socket.io/other.js", nil); res.StatusCode != 400 && res.StatusCode != 404 {
				t.Errorf("other.js: %d", res.StatusCode)
			}
		})
	}
}

func TestServeClientOff(t *testing.T) {
	t.Parallel()
	srv := core.NewServer(nil)
	if p := srv.Paths(); len(p) != 2 {
		t.Errorf("Paths() = %v", p)
	}
	for stack, base := range serveStacks(t, srv, true) {
		// Without ServeClient the engine answers the request: 400, as Node's
		// engine.io answers a request under its path without a transport.
		if res, body := do(t, "GET", base+"/socket.io/socket.io.min.js", nil); res.StatusCode != 400 || bytes.Contains(body, []byte("var io")) {
			t.Errorf("%s: %d %q", stack, res.StatusCode, body)
		}
	}
}

func TestAddTrailingSlash(t *testing.T) {
	t.Parallel()
	yes, no := true, false
	for _, c := range []struct {
		name       string
		opt        *bool
		paths      []string
		bareStatus int
	}{
		{"default", nil, []string{"/socket.io", "/socket.io/"}, 200},
		{"true", &yes, []string{"/socket.io/"}, 404},
		{"false", &no, []string{"/socket.io", "/socket.io/"}, 200},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := core.NewServer(&core.Options{AddTrailingSlash: c.opt})
			if p := srv.Paths(); !slices.Equal(p, c.paths) {
				t.Errorf("Paths() = %v, want %v", p, c.paths)
			}
			// Every path reaches the server, as with a net/http mux
			// pattern "/" or a framework's catch-all route.
			for stack, direct := range serveStacks(t, srv, false) {
				if res, _ := do(t, "GET", direct+"/socket.io/?EIO=4&transport=polling", nil); res.StatusCode != 200 {
					t.Errorf("%s: with the slash: %d", stack, res.StatusCode)
				}
				if res, _ := do(t, "GET", direct+"/socket.io?EIO=4&transport=polling", nil); res.StatusCode != c.bareStatus {
					t.Errorf("%s: without the slash: %d, want %d", stack, res.StatusCode, c.bareStatus)
				}
			}
		})
	}
}
