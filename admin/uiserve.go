package admin

import (
	"net/http"
	"strings"

	"github.com/gosio/gosio/admin/ui"
)

// UIHandler serves the Admin UI's page (embedded, see package ui) under
// prefix, e.g. "/admin-ui/": mount it there on your mux or router, behind
// your own login if you have one. A request for the prefix without its
// trailing slash is redirected to it. The page asks for the server's URL;
// served by the same server, it needs no CORS. The handler is safe for
// concurrent use.
func UIHandler(prefix string) http.Handler {
	if !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	files := http.StripPrefix(prefix, http.FileServer(http.FS(ui.FS())))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path+"/" == prefix {
			http.Redirect(w, r, prefix, http.StatusMovedPermanently)
			return
		}
		if strings.HasPrefix(r.URL.Path, prefix+"js/") || strings.HasPrefix(r.URL.Path, prefix+"css/") || strings.HasPrefix(r.URL.Path, prefix+"mdi/") {
			// Content-hashed or versioned names.
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		}
		files.ServeHTTP(w, r)
	})
}
