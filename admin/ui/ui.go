// Package ui holds the Socket.IO Admin UI's page, from the
// @socket.io/admin-ui npm package's ui/dist (version [Version]), with the
// icon font its page fetches from a CDN (@mdi/font [IconFontVersion]), so
// that it works offline. scripts/refresh-admin-ui writes dist/ and
// version.go; the files are the package's, except index.html, whose CDN
// links point at the embedded font (the Roboto stylesheet from Google Fonts
// is dropped: the page falls back to the browser's sans-serif font).
package ui

import (
	"embed"
	"io/fs"
)

//go:embed dist
var dist embed.FS

// FS returns the page's files, index.html at the root. It is safe for
// concurrent use.
func FS() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err)
	}
	return sub
}
