package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/gosio/gosio/core/engine"
)

// pollingTransport is HTTP long-polling: a GET waits for the server's
// packets, a POST carries the client's, each body a payload of packets
// joined by 0x1e, binary ones as "b" + base64.
type pollingTransport struct {
	o    *Options
	base *url.URL
	sid  string
}

// errTooLarge is the error of a response above Options.MaxMessageSize.
var errTooLarge = errors.New("socket.io client: message above MaxMessageSize")

func (t *pollingTransport) name() string { return TransportPolling }

// close has nothing to do: the requests end with the connection's context.
func (t *pollingTransport) close() {}

// openPolling sends the handshake GET and returns the transport, the
// handshake and the packets that came with the open packet.
func openPolling(ctx context.Context, o *Options, base *url.URL) (*pollingTransport, handshake, []engine.Packet, error) {
	t := &pollingTransport{o: o, base: base}
	pkts, err := t.request(ctx, http.MethodGet, nil)
	if err != nil {
		return nil, handshake{}, nil, err
	}
	if len(pkts) == 0 {
		return nil, handshake{}, nil, errors.New("socket.io client: empty handshake response")
	}
	hs, err := parseOpen(pkts[0])
	if err != nil {
		return nil, handshake{}, nil, err
	}
	return t, hs, pkts[1:], nil
}

// poll sends one GET and returns the packets of its response.
func (t *pollingTransport) poll(ctx context.Context) ([]engine.Packet, error) {
	return t.request(ctx, http.MethodGet, nil)
}

// write sends pkts in one POST.
func (t *pollingTransport) write(ctx context.Context, pkts []engine.Packet) error {
	_, err := t.request(ctx, http.MethodPost, engine.AppendPayload(nil, pkts))
	return err
}

func (t *pollingTransport) request(ctx context.Context, method string, body []byte) ([]engine.Packet, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, engineURL(t.o, t.base, false, TransportPolling, t.sid), rd)
	if err != nil {
		return nil, err
	}
	for k, vs := range t.o.Header {
		req.Header[k] = append([]string(nil), vs...)
	}
	if body != nil {
		req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	}
	res, err := t.o.HTTPClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, t.o.MaxMessageSize+1))
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		return nil, &HTTPError{StatusCode: res.StatusCode, Body: bodyExcerpt(data)}
	}
	if int64(len(data)) > t.o.MaxMessageSize {
		return nil, errTooLarge
	}
	if method == http.MethodPost {
		return nil, nil
	}
	var pkts []engine.Packet
	err = engine.DecodePayload(data, func(p engine.Packet) error {
		pkts = append(pkts, p)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("socket.io client: polling response: %w", err)
	}
	return pkts, nil
}

// bodyExcerpt returns the start of an error response's body.
func bodyExcerpt(b []byte) string {
	const max = 512
	if len(b) > max {
		b = b[:max]
	}
	return strings.TrimSpace(string(b))
}
