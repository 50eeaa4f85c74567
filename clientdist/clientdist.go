// Package clientdist embeds the socket.io client's browser files, for a
// gosio server to serve them under its path as Node's serveClient does:
//
//	io := core.NewServer(&core.Options{ServeClient: clientdist.Bundle})
//	// <script src="/socket.io/socket.io.min.js"></script> now works offline
//
// The files are socket.io.js, socket.io.min.js, socket.io.msgpack.min.js
// (the client with socket.io-msgpack-parser built in, for a server with
// parser.MsgPack), socket.io.esm.min.js and their .map source maps, of
// socket.io-client Version, exactly as its npm package ships them
// (scripts/refresh-clientdist brings them in and dist/SHA256SUMS holds
// their hashes). They weigh 1.2 MB: this is a module of its own, which
// only the apps that serve the client download. It imports nothing.
//
// Bundle is read-only and safe for concurrent use.
package clientdist

import (
	"embed"
	"io/fs"
	"strings"
	"sync"
)

//go:embed dist/socket.io*
var dist embed.FS

// Files are the client files of one version. Its methods are safe for
// concurrent use; the bytes File returns are shared and must not be
// modified.
type Files struct{}

// Bundle is the client of version Version: the value for gosio's
// core.Options.ServeClient.
var Bundle Files

var (
	loadOnce sync.Once
	files    map[string][]byte
)

func load() {
	files = map[string][]byte{}
	entries, _ := fs.ReadDir(dist, "dist")
	for _, e := range entries {
		b, err := fs.ReadFile(dist, "dist/"+e.Name())
		if err == nil {
			files[e.Name()] = b
		}
	}
}

// Version returns the client's version, the files' ETag.
func (Files) Version() string { return Version }

// File returns the content of the named file, such as "socket.io.min.js",
// or false when there is none.
func (Files) File(name string) ([]byte, bool) {
	if strings.ContainsRune(name, '/') {
		return nil, false
	}
	loadOnce.Do(load)
	b, ok := files[name]
	return b, ok
}

// Names returns the names of the files, sorted.
func (Files) Names() []string {
	loadOnce.Do(load)
	entries, _ := fs.ReadDir(dist, "dist")
	out := make([]string, 0, len(entries))
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}
