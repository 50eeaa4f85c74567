package admin

import (
	"bytes"
	"io/fs"
	"net/http"
	"strings"

	"github.com/gosio/gosio/admin/ui"
)

// UIHandler serves the Admin UI's page (embedded, see package ui) under
// prefix, e.g. "/admin-ui/": mount it there on your mux or router, behind
// your own login if you have one. The page asks for the server's URL;
// served by the same server, it needs no CORS. The handler is safe for
// concurrent use.
//
// The prefix without its trailing slash gets the page too, with a <base>
// element so that its relative links still resolve under prefix: routers
// that strip trailing slashes (Echo's RemoveTrailingSlash) would turn a
// redirect to the slashed form into a loop.
func UIHandler(prefix string) http.Handler {
	if !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	files := ui.FS()
	index, err := fs.ReadFile(files, "index.html")
	if err != nil {
		panic(err)
	}
	based := bytes.Replace(index, []byte("<head>"), []byte(`<head><base href="`+prefix+`">`), 1)
	static := http.StripPrefix(prefix, http.FileServer(http.FS(files)))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path+"/" == prefix:
			serveIndex(w, r, based)
		case r.URL.Path == prefix || r.URL.Path == prefix+"index.html":
			serveIndex(w, r, index)
		default:
			if strings.HasPrefix(r.URL.Path, prefix+"js/") || strings.HasPrefix(r.URL.Path, prefix+"css/") {
				// Content-hashed names.
				w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
			}
			static.ServeHTTP(w, r)
		}
	})
}

func serveIndex(w http.ResponseWriter, r *http.Request, page []byte) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	if r.Method != http.MethodHead {
		_, _ = w.Write(page)
	}
}
