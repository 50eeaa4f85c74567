package admin_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gosio/gosio/admin"
	"github.com/gosio/gosio/admin/ui"
)

// The page and every file it loads are served under the prefix, from the
// embedded files; the page asks no other host for anything.
func TestUIHandler(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/ops/admin/", admin.UIHandler("/ops/admin/"))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	get := func(path string) (int, string, http.Header) {
		t.Helper()
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b), res.Header
	}
	code, page, hdr := get("/ops/admin/")
	if code != 200 || !strings.Contains(page, "Socket.IO Admin UI") || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") {
		t.Fatalf("page: %d %s", code, hdr.Get("Content-Type"))
	}
	if strings.Contains(page, "https://") || strings.Contains(page, "<base") {
		t.Fatalf("page loads from the network or has a base: %s", page)
	}
	for _, ref := range []string{"mdi/css/materialdesignicons.min.css", "favicon.png"} {
		if !strings.Contains(page, ref) {
			t.Fatalf("page does not load %s", ref)
		}
	}
	// Every file of the page is there, with the font the CSS asks for.
	for _, p := range []string{"mdi/css/materialdesignicons.min.css", "mdi/fonts/materialdesignicons-webfont.woff2", "favicon.png"} {
		if code, _, _ := get("/ops/admin/" + p); code != 200 {
			t.Fatalf("%s: %d", p, code)
		}
	}
	for _, attr := range strings.Split(page, `"`) {
		if strings.HasPrefix(attr, "js/") || strings.HasPrefix(attr, "css/") {
			code, _, hdr := get("/ops/admin/" + attr)
			if code != 200 || !strings.Contains(hdr.Get("Cache-Control"), "immutable") {
				t.Fatalf("%s: %d %q", attr, code, hdr.Get("Cache-Control"))
			}
		}
	}
	// Without the trailing slash: the page with a base, no redirect.
	// (as a router that strips trailing slashes hands it over).
	rec := httptest.NewRecorder()
	admin.UIHandler("/ops/admin/").ServeHTTP(rec, httptest.NewRequest("GET", "/ops/admin", nil))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `<base href="/ops/admin/">`) {
		t.Fatalf("slashless: %d", rec.Code)
	}
	if ui.Version != "0.5.1" {
		t.Fatalf("UI version %s", ui.Version)
	}
}
