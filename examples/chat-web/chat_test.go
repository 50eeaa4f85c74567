package chatweb

import (
	"fmt"
	"strings"
	"testing"
)

func TestSession(t *testing.T) {
	value, err := Login("  alice ")
	if err != nil {
		t.Fatal(err)
	}
	if user, ok := User(value); !ok || user != "alice" {
		t.Errorf("User(%q) = %q, %v", value, user, ok)
	}
	forged := strings.Replace(value, value[:strings.Index(value, ".")], "Ym9i", 1) // "bob"
	for _, bad := range []string{"", "x", forged, value + "x"} {
		if user, ok := User(bad); ok {
			t.Errorf("User(%q) = %q, want rejected", bad, user)
		}
	}
	for _, bad := range []string{"", "   ", strings.Repeat("a", 21), "a;b"} {
		if _, err := Login(bad); err == nil {
			t.Errorf("Login(%q) accepted", bad)
		}
	}
}

func TestHistory(t *testing.T) {
	r := &rooms{history: map[string][]Message{}}
	for i := range historySize + 5 {
		r.add("a", Message{Text: fmt.Sprint(i)})
	}
	h := r.last("a")
	if len(h) != historySize || h[0].Text != "5" || len(r.last("b")) != 0 {
		t.Errorf("history: %d messages from %q", len(h), h[0].Text)
	}
}
