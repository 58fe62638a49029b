package xfs4iot

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/coder/websocket"
)

// fakeATM is an in-process XFS4IoT endpoint: a service publisher at
// /xfs4iot/v1.0 and one WebSocket service per entry of its device file,
// answering each command with the payload the file holds for it (null: the
// service acknowledges and never completes; absent: unsupportedCommand).
type fakeATM struct {
	srv      *httptest.Server
	services map[string]map[string]json.RawMessage
	mu       sync.Mutex
	log      []string
}

func startFake(t *testing.T, deviceFile string) *fakeATM {
	t.Helper()
	data, err := os.ReadFile(deviceFile)
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeATM{}
	if err := json.Unmarshal(data, &f.services); err != nil {
		t.Fatalf("%s: %v", deviceFile, err)
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeATM) serve(w http.ResponseWriter, r *http.Request) {
	name, ok := strings.CutPrefix(r.URL.Path, publisherURI)
	name = strings.TrimPrefix(name, "/")
	if _, known := f.services[name]; !ok || (name != "" && !known) {
		http.NotFound(w, r)
		return
	}
	conn, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer conn.CloseNow()
	for {
		_, data, err := conn.Read(r.Context())
		if err != nil {
			return
		}
		var cmd message
		if err := json.Unmarshal(data, &cmd); err != nil || cmd.Header.Type != typeCommand {
			return
		}
		f.answer(r.Context(), conn, name, cmd)
	}
}

// answer acknowledges cmd and completes it, unless the service is silent.
func (f *fakeATM) answer(ctx context.Context, conn *websocket.Conn, service string, cmd message) {
	who := service
	if who == "" {
		who = "publisher"
	}
	f.mu.Lock()
	f.log = append(f.log, fmt.Sprintf("%s <- %s (version %s)", who, cmd.Header.Name, cmd.Header.Version))
	f.mu.Unlock()
	h := cmd.Header
	// Noise a real service sends: an unsolicited event, then the acknowledge.
	send(ctx, conn, message{Header: header{Type: "unsolicited", Name: "Common.StatusChangedEvent"}, Payload: json.RawMessage(`{}`)})
	send(ctx, conn, message{Header: header{Type: typeAcknowledge, Name: h.Name, RequestID: h.RequestID, Version: h.Version}})
	payload, ok := f.payload(service, h.Name)
	if ok && payload == nil {
		return
	}
	done := header{Type: typeCompletion, Name: h.Name, RequestID: h.RequestID, Version: h.Version, CompletionCode: "success"}
	if !ok {
		done.CompletionCode, payload = "unsupportedCommand", json.RawMessage(`{}`)
	}
	send(ctx, conn, message{Header: done, Payload: payload})
}

func (f *fakeATM) payload(service, command string) (json.RawMessage, bool) {
	if service == "" && command == "ServicePublisher.GetServices" {
		return f.publisherList(), true
	}
	p, ok := f.services[service][command]
	if ok && string(p) == "null" {
		return nil, true
	}
	return p, ok
}

func (f *fakeATM) publisherList() json.RawMessage {
	names := make([]string, 0, len(f.services))
	for n := range f.services {
		names = append(names, n)
	}
	sort.Strings(names)
	var list []map[string]string
	for _, n := range names {
		list = append(list, map[string]string{"serviceURI": "ws://" + f.srv.Listener.Addr().String() + publisherURI + "/" + n})
	}
	out, _ := json.Marshal(map[string]any{"vendorName": "ACME ATM Hardware GmbH", "services": list})
	return out
}

func send(ctx context.Context, conn *websocket.Conn, m message) {
	data, _ := json.Marshal(m)
	_ = conn.Write(ctx, websocket.MessageText, data)
}

// transcript returns the commands the fake received, sorted because the
// check asks services concurrently.
func (f *fakeATM) transcript() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	lines := append([]string(nil), f.log...)
	sort.Strings(lines)
	return strings.Join(lines, "\n") + "\n"
}
