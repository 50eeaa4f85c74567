package chatweb

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"unicode/utf8"
)

// CookieName is the session cookie the login form sets.
const CookieName = "chat_session"

// key signs session cookies; a new one per process, so a restart logs
// everybody out (a real app keeps its secret, or its sessions, elsewhere).
var key = func() []byte {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		panic(err)
	}
	return k
}()

func mac(name string) string {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(name))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// Login checks a nickname from the login form and returns the session
// cookie's value for it.
func Login(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 20 || strings.ContainsAny(name, ".;,\"\\") {
		return "", errors.New("a nickname has 1 to 20 characters, without . ; , \" \\")
	}
	return base64.RawURLEncoding.EncodeToString([]byte(name)) + "." + mac(name), nil
}

// User returns the nickname of a session cookie's value, if it is genuine.
func User(cookie string) (string, bool) {
	enc, sig, ok := strings.Cut(cookie, ".")
	name, err := base64.RawURLEncoding.DecodeString(enc)
	if !ok || err != nil || !hmac.Equal([]byte(sig), []byte(mac(string(name)))) {
		return "", false
	}
	return string(name), true
}
