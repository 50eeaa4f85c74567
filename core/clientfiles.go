package core

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/gosio/gosio/core/engine"
)

// This file serves the socket.io client's browser files under the server's
// path, as Node's serveClient does: /socket.io/socket.io.min.js and the
// others of clientFileNames, with an ETag of the client's version, a 304 to
// a matching If-None-Match, Node's cache and type headers, the CORS headers
// of the engine, and gzip or deflate when the browser accepts it.

// ClientBundle holds the socket.io client's browser files, for
// Options.ServeClient. The module github.com/gosio/gosio/clientdist
// provides the files of the client version gosio is tested with
// (clientdist.Bundle). Its methods must be safe for concurrent use and
// File's result must not change.
type ClientBundle interface {
	// Version is the client's version, such as "4.8.4": the files' ETag.
	Version() string
	// File returns the named file ("socket.io.min.js"), or false.
	File(name string) ([]byte, bool)
}

// clientFileNames are the files Node's socket.io serves (CLIENT_FILES in
// its lib/index.ts).
var clientFileNames = []string{
	"socket.io.js", "socket.io.js.map",
	"socket.io.min.js", "socket.io.min.js.map",
	"socket.io.msgpack.min.js", "socket.io.msgpack.min.js.map",
	"socket.io.esm.min.js", "socket.io.esm.min.js.map",
}

// clientServer serves a ClientBundle; it caches the compressed files.
type clientServer struct {
	bundle ClientBundle
	dir    string // the server's path without its trailing slash
	etag   string

	mu   sync.Mutex
	zips map[string][]byte // "gzip:socket.io.js" → compressed content
}

func newClientServer(b ClientBundle, path string) *clientServer {
	return &clientServer{
		bundle: b,
		dir:    strings.TrimRight(path, "/"),
		etag:   `"` + b.Version() + `"`,
		zips:   map[string][]byte{},
	}
}

// paths returns the routes of the files, for Server.Paths.
func (c *clientServer) paths() []string {
	out := make([]string, 0, len(clientFileNames))
	for _, n := range clientFileNames {
		if _, ok := c.bundle.File(n); ok {
			out = append(out, c.dir+"/"+n)
		}
	}
	return out
}

// match returns the client file a request path names: one of
// clientFileNames right under the server's path (which may itself be
// mounted under a prefix).
func (c *clientServer) match(path string) (string, bool) {
	i := strings.LastIndexByte(path, '/')
	if i < 0 || !strings.HasSuffix(path[:i], c.dir) {
		return "", false
	}
	name := path[i+1:]
	if !slices.Contains(clientFileNames, name) {
		return "", false
	}
	if _, ok := c.bundle.File(name); !ok {
		return "", false
	}
	return name, true
}

// serve writes the response for the client file name.
func (c *clientServer) serve(req engine.Request, res engine.Response, name string) {
	h := res.Header()
	if m := req.Method(); m != http.MethodGet && m != http.MethodHead {
		h.Set("Allow", "GET, HEAD, OPTIONS")
		res.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	h.Set("Cache-Control", "public, max-age=0")
	h.Set("ETag", c.etag)
	if inm := req.Header("If-None-Match"); inm == c.etag || inm == "W/"+c.etag {
		res.WriteHeader(http.StatusNotModified)
		return
	}
	typ := "application/javascript; charset=utf-8"
	if strings.HasSuffix(name, ".map") {
		typ = "application/json; charset=utf-8"
	}
	h.Set("Content-Type", typ)
	h.Add("Vary", "Accept-Encoding")
	body, _ := c.bundle.File(name)
	if enc := pickEncoding(req.Header("Accept-Encoding")); enc != "" {
		body = c.compressed(enc, name, body)
		h.Set("Content-Encoding", enc)
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	res.WriteHeader(http.StatusOK)
	_, _ = res.Write(body) // both stacks drop the body of a HEAD response
}

// compressed returns body compressed with enc, made once per file.
func (c *clientServer) compressed(enc, name string, body []byte) []byte {
	key := enc + ":" + name
	c.mu.Lock()
	defer c.mu.Unlock()
	if z, ok := c.zips[key]; ok {
		return z
	}
	var buf bytes.Buffer
	if enc == "gzip" {
		w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		_, _ = w.Write(body)
		_ = w.Close()
	} else {
		w, _ := zlib.NewWriterLevel(&buf, flate.BestCompression)
		_, _ = w.Write(body)
		_ = w.Close()
	}
	z := buf.Bytes()
	c.zips[key] = z
	return z
}

// pickEncoding chooses the content coding of a client file from an
// Accept-Encoding header, as Node's accepts(req).encodings() does with our
// codings in order of preference: gzip, then deflate (Node prefers br,
// which the standard library cannot write), else none ("").
func pickEncoding(accept string) string {
	best, bestQ := "", 0.0
	for _, enc := range []string{"gzip", "deflate"} {
		if q := acceptQ(accept, enc); q > bestQ {
			best, bestQ = enc, q
		}
	}
	return best
}

// acceptQ returns the quality Accept-Encoding gives enc: its own entry's,
// else the wildcard's, else 0.
func acceptQ(accept, enc string) float64 {
	q, wild := -1.0, -1.0
	for _, part := range strings.Split(accept, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		v := 1.0
		for _, p := range strings.Split(params, ";") {
			k, val, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(val), 64); err == nil {
					v = f
				}
			}
		}
		switch name {
		case enc:
			q = v
		case "*":
			wild = v
		}
	}
	if q >= 0 {
		return q
	}
	if wild >= 0 {
		return wild
	}
	return 0
}
