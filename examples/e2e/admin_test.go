package e2e

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/crypto/bcrypt"

	"github.com/gosio/gosio/admin"
	"github.com/gosio/gosio/clientdist"
	sioredis "github.com/gosio/gosio/cluster/redis"
	"github.com/gosio/gosio/core"
)

// adminServer starts a gosio server on net/http instrumented for the Admin
// UI (basic auth admin/admin-pass, development mode), the UI at /admin-ui/
// and the test page www/admin-user.html; adapter nil is the in-memory one.
func adminServer(t *testing.T, id string, adapter core.AdapterFactory) string {
	t.Helper()
	io := core.NewServer(&core.Options{ServeClient: clientdist.Bundle, Adapter: adapter})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = io.Close(ctx)
	})
	hash, err := bcrypt.GenerateFromPassword([]byte("admin-pass"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	a, err := admin.Instrument(io, admin.Options{Auth: admin.BasicAuth("admin", string(hash)), Mode: admin.Development, ServerID: id})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	io.OnConnection(func(s *core.Socket) {
		s.SetData(map[string]any{"page": id})
		s.On("rooms", func(s *core.Socket, e *core.Event) error { return e.Ack(s.Rooms()) })
	})
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", io)
	mux.Handle("/admin-ui/", admin.UIHandler("/admin-ui/"))
	mux.Handle("/", pageFiles())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: mux}
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { _ = hs.Close() })
	return "http://" + ln.Addr().String()
}

// artifactDir is where the browser tests keep their screenshots:
// $E2E_ARTIFACTS, or a temporary folder of the test.
func artifactDir(t *testing.T) string {
	if d := os.Getenv("E2E_ARTIFACTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// TestAdminUI runs admin.test.mjs: headless Chromium logs into the real
// Admin UI (the npm package's page, served by gosio), watches the sockets
// of a second page and acts on them, on one server and on two gosio
// servers joined by Redis.
func TestAdminUI(t *testing.T) {
	requireNode(t)
	requireChromium(t)
	single := adminServer(t, "single", nil)
	rdb := redis.NewClient(&redis.Options{Addr: startRedisE2E(t)})
	t.Cleanup(func() { _ = rdb.Close() })
	factory := func() core.AdapterFactory {
		return sioredis.Factory(sioredis.NewGoRedis(rdb, nil), &sioredis.Options{RequestsTimeout: 3 * time.Second})
	}
	nodeA := adminServer(t, "node-a", factory())
	nodeB := adminServer(t, "node-b", factory())
	js, _ := json.Marshal(map[string]string{"single": single, "nodeA": nodeA, "nodeB": nodeB})
	dir := artifactDir(t)
	runNode(t, "admin.test.mjs", map[string]string{
		"E2E_SERVERS":   string(js),
		"E2E_CHROMIUM":  chromiumPath(),
		"E2E_ARTIFACTS": dir,
	}, 3*time.Minute)
	if _, err := os.Stat(filepath.Join(dir, "admin-ui.png")); err != nil {
		t.Errorf("no dashboard screenshot: %v", err)
	} else {
		t.Logf("screenshots in %s", dir)
	}
}

// startRedisE2E starts redis-server on a free loopback port, stopped by its
// PID when the test ends; it skips the test when redis-server is missing,
// unless under CI.
func startRedisE2E(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		if inCI() {
			t.Fatalf("redis-server is required under CI: %v", err)
		}
		t.Skip("redis-server not installed")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	_ = l.Close()
	cmd := exec.Command("redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--loglevel", "warning")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addr := "127.0.0.1:" + port
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	deadline := time.Now().Add(10 * time.Second)
	for rdb.Ping(context.Background()).Err() != nil {
		if time.Now().After(deadline) {
			t.Fatalf("redis-server on %s did not start", addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return addr
}
