package chatweb

import (
	"log"
	"net/http"

	"github.com/gosio/gosio/admin"
	"github.com/gosio/gosio/core"
)

// AdminPath is where the chat examples serve the Socket.IO Admin UI.
const AdminPath = "/admin-ui/"

// AdminUI instruments io for the Socket.IO Admin UI and returns the
// handler of the UI's page, to mount at AdminPath behind the app's session
// middleware, and the function that stops the instrumentation.
//
// The admin namespace asks no password of its own (admin.NoAuth): the
// UI's connection is a Socket.IO connection like the chat's, so its
// handshake passes the same session middleware, and only a logged-in user
// gets the page or the namespace. This demo's login takes any nickname; a
// real app would also check that the user is an operator (in that
// middleware, or with admin.BasicAuth).
func AdminUI(io *core.Server) (http.Handler, func()) {
	a, err := admin.Instrument(io, admin.Options{Auth: admin.NoAuth(), Mode: admin.Development})
	if err != nil {
		log.Fatal(err) // NoAuth cannot fail
	}
	return admin.UIHandler(AdminPath), func() { _ = a.Close() }
}
