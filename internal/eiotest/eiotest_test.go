package eiotest

import (
	"slices"
	"testing"
)

func TestCodec(t *testing.T) {
	ps := []Packet{Message("héllo"), {Type: Ping, Data: "probe"}, BinaryMessage([]byte{1, 2, 3, 4}), {Type: Noop}}
	enc := EncodePayload(ps...)
	if enc != "4héllo\x1e2probe\x1ebAQIDBA==\x1e6" {
		t.Fatalf("EncodePayload = %q", enc)
	}
	got, err := DecodePayload(enc)
	if err != nil || !slices.Equal(got, ps) {
		t.Fatalf("DecodePayload = %+v, %v", got, err)
	}
	for _, bad := range []string{"", "9", "b!!", "4a\x1e"} {
		if _, err := DecodePayload(bad); err == nil {
			t.Errorf("DecodePayload(%q) accepted", bad)
		}
	}
}

func TestErrorBody(t *testing.T) {
	code, msg, err := (&Response{Body: `{"code":1,"message":"Session ID unknown"}`}).ErrorBody()
	if err != nil || code != 1 || msg != "Session ID unknown" {
		t.Fatal(code, msg, err)
	}
	if _, _, err := (&Response{Body: `ok`}).ErrorBody(); err == nil {
		t.Fatal("non-JSON accepted")
	}
}

func TestQueryAndURL(t *testing.T) {
	c := New("http://127.0.0.1:1/engine.io/")
	defer c.Close()
	if q := c.Query("polling"); q != "EIO=4&transport=polling" {
		t.Fatal(q)
	}
	c.SID = "abc"
	if u := c.WSURL(c.Query("websocket")); u != "ws://127.0.0.1:1/engine.io/?EIO=4&transport=websocket&sid=abc" {
		t.Fatal(u)
	}
}
