package engine_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gosio/gosio/core/engine"
)

func TestCORS(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		cors   *engine.CORS
		origin string
		want   map[string]string // "" value: header absent
	}{
		{"off", nil, "http://a.example", map[string]string{
			"Access-Control-Allow-Origin": "", "Access-Control-Allow-Credentials": "", "Vary": "",
		}},
		{"wildcard", &engine.CORS{Origins: []string{"*"}}, "http://a.example", map[string]string{
			"Access-Control-Allow-Origin": "*", "Vary": "", "Access-Control-Allow-Credentials": "",
		}},
		{"listed origin", &engine.CORS{Origins: []string{"http://a.example"}}, "http://a.example", map[string]string{
			"Access-Control-Allow-Origin": "http://a.example", "Vary": "Origin",
		}},
		{"unlisted origin", &engine.CORS{Origins: []string{"http://a.example"}}, "http://b.example", map[string]string{
			"Access-Control-Allow-Origin": "", "Vary": "Origin",
		}},
		{"func with credentials", &engine.CORS{
			AllowOrigin:    func(o string) bool { return strings.HasSuffix(o, ".example") },
			Credentials:    true,
			ExposedHeaders: []string{"X-A", "X-B"},
		}, "http://c.example", map[string]string{
			"Access-Control-Allow-Origin": "http://c.example", "Access-Control-Allow-Credentials": "true",
			"Access-Control-Expose-Headers": "X-A,X-B", "Vary": "Origin",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, engine.Options{CORS: tc.cors})
			c := e.client(t)
			c.Header = http.Header{"Origin": {tc.origin}}
			res, err := c.Do(http.MethodGet, "EIO=4&transport=polling", "", nil)
			if err != nil || res.Status != 200 {
				t.Fatal(res, err)
			}
			for k, v := range tc.want {
				if got := res.Header.Get(k); got != v {
					t.Errorf("handshake %s = %q, want %q", k, got, v)
				}
			}
			e.rec.nextOpen(t)
			// Error responses carry the CORS headers too (the browser must
			// be able to read them).
			res, err = c.Do(http.MethodGet, "EIO=4&transport=polling&sid=unknown", "", nil)
			if err != nil {
				t.Fatal(err)
			}
			wantError(t, res, 400, 1)
			if got := res.Header.Get("Access-Control-Allow-Origin"); got != tc.want["Access-Control-Allow-Origin"] {
				t.Errorf("error response ACAO %q", got)
			}
		})
	}
}

func TestCORSPreflight(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{CORS: &engine.CORS{Origins: []string{"http://a.example"}, Credentials: true, MaxAge: time.Hour}})
	c := e.client(t)
	res, err := c.Do(http.MethodOptions, "EIO=4&transport=polling", "", http.Header{
		"Origin": {"http://a.example"}, "Access-Control-Request-Method": {"POST"}, "Access-Control-Request-Headers": {"content-type,x-custom"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != http.StatusNoContent || res.Body != "" {
		t.Fatalf("preflight %d %q", res.Status, res.Body)
	}
	for k, v := range map[string]string{
		"Access-Control-Allow-Origin":      "http://a.example",
		"Access-Control-Allow-Credentials": "true",
		"Access-Control-Allow-Methods":     "GET,HEAD,PUT,PATCH,POST,DELETE",
		"Access-Control-Allow-Headers":     "content-type,x-custom",
		"Access-Control-Max-Age":           "3600",
	} {
		if got := res.Header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if vary := strings.Join(res.Header.Values("Vary"), ","); !strings.Contains(vary, "Origin") || !strings.Contains(vary, "Access-Control-Request-Headers") {
		t.Errorf("Vary %q", vary)
	}
	if e.srv.Count() != 0 {
		t.Fatal("preflight opened a session")
	}

	e2 := newEnv(t, engine.Options{CORS: &engine.CORS{Origins: []string{"*"}, Methods: []string{"GET", "POST"}, AllowedHeaders: []string{"X-A"}}})
	res, err = e2.client(t).Do(http.MethodOptions, "EIO=4&transport=polling", "", http.Header{"Origin": {"http://z.example"}})
	if err != nil || res.Status != 204 || res.Header.Get("Access-Control-Allow-Methods") != "GET,POST" ||
		res.Header.Get("Access-Control-Allow-Headers") != "X-A" || res.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("%+v %v", res, err)
	}
}

func TestNoCORSPreflightIsBadRequest(t *testing.T) {
	t.Parallel()
	e := newEnv(t, engine.Options{})
	res, err := e.client(t).Do(http.MethodOptions, "EIO=4&transport=polling", "", http.Header{"Origin": {"http://a.example"}})
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, res, 400, 2)
	if res.Header.Get("Access-Control-Allow-Origin") != "" || res.Header.Get("Access-Control-Allow-Methods") != "" {
		t.Fatalf("CORS headers without CORS: %v", res.Header)
	}
}
