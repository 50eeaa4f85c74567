package chatweb

import (
	_ "embed"
)

// Index is the chat page. It loads the socket.io client from the server
// (Options.ServeClient), at /socket.io/socket.io.min.js.
//
//go:embed index.html
var Index []byte
