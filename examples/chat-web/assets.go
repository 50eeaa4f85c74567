package chatweb

import (
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// Index is the chat page.
//
//go:embed index.html
var Index []byte

// clientJS is socket.io-client's browser bundle, as `npm ci` installs it.
const clientJS = "node_modules/socket.io-client/dist/socket.io.min.js"

// ClientJS returns the path of the official browser client, served at
// /socket.io.min.js. It is not in git: `npm ci` in this folder installs it,
// and the error says so when it is missing.
func ClientJS() (string, error) {
	dirs := []string{"chat-web", "../chat-web"} // from examples/ or examples/chat-*/
	if _, file, _, ok := runtime.Caller(0); ok {
		dirs = append([]string{filepath.Dir(file)}, dirs...)
	}
	for _, d := range dirs {
		p := filepath.Join(d, clientJS)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("socket.io-client is not installed: run `npm ci --prefix chat-web` in the examples folder (it reads chat-web/package-lock.json), then start again")
}
