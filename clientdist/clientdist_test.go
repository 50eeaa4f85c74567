package clientdist_test

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gosio/gosio/clientdist"
)

// nodeFiles are the files Node's socket.io serves (CLIENT_FILES in its
// lib/index.ts), sorted.
var nodeFiles = []string{
	"socket.io.esm.min.js", "socket.io.esm.min.js.map",
	"socket.io.js", "socket.io.js.map",
	"socket.io.min.js", "socket.io.min.js.map",
	"socket.io.msgpack.min.js", "socket.io.msgpack.min.js.map",
}

func TestFilesAreNodes(t *testing.T) {
	if got := clientdist.Bundle.Names(); !reflect.DeepEqual(got, nodeFiles) {
		t.Fatalf("files %v, want %v", got, nodeFiles)
	}
	for _, bad := range []string{"SHA256SUMS", "../clientdist.go", "dist/socket.io.js", ""} {
		if _, ok := clientdist.Bundle.File(bad); ok {
			t.Errorf("File(%q) found", bad)
		}
	}
}

// TestHashes checks every file against dist/SHA256SUMS, written by
// scripts/refresh-clientdist from the npm tarball it checked.
func TestHashes(t *testing.T) {
	f, err := os.Open(filepath.Join("dist", "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok {
			t.Fatalf("bad line %q", sc.Text())
		}
		b, ok := clientdist.Bundle.File(name)
		if !ok {
			t.Errorf("%s is listed but not embedded", name)
			continue
		}
		got := sha256.Sum256(b)
		if hex.EncodeToString(got[:]) != sum {
			t.Errorf("%s: sha256 %x, SHA256SUMS says %s", name, got, sum)
		}
		seen[name] = true
	}
	for _, n := range nodeFiles {
		if !seen[n] {
			t.Errorf("%s is not in SHA256SUMS", n)
		}
	}
	if !strings.Contains(string(mustFile(t, "socket.io.min.js")), clientdist.Version) {
		t.Errorf("socket.io.min.js does not name version %s", clientdist.Version)
	}
}

// TestPinnedVersion checks that the files are those of the socket.io-client
// the end-to-end tests pin: same version, same tarball integrity.
func TestPinnedVersion(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "examples", "e2e", "package-lock.json"))
	if err != nil {
		t.Skip("examples/e2e is not beside this module")
	}
	var lock struct {
		Packages map[string]struct {
			Version   string `json:"version"`
			Integrity string `json:"integrity"`
		} `json:"packages"`
	}
	if err := json.Unmarshal(b, &lock); err != nil {
		t.Fatal(err)
	}
	p := lock.Packages["node_modules/socket.io-client"]
	if p.Version != clientdist.Version || p.Integrity != clientdist.Integrity {
		t.Fatalf("examples/e2e pins socket.io-client %s (%s), the files are %s (%s): run scripts/refresh-clientdist",
			p.Version, p.Integrity, clientdist.Version, clientdist.Integrity)
	}
	// Where npm ci installed that package, its files are ours.
	dir := filepath.Join("..", "examples", "e2e", "node_modules", "socket.io-client", "dist")
	if _, err := os.Stat(dir); err != nil {
		return
	}
	for _, n := range nodeFiles {
		npm, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil || string(npm) != string(mustFile(t, n)) {
			t.Errorf("%s differs from the installed package's (%v)", n, err)
		}
	}
}

func mustFile(t *testing.T, name string) []byte {
	t.Helper()
	b, ok := clientdist.Bundle.File(name)
	if !ok {
		t.Fatalf("no %s", name)
	}
	return b
}
