package tcp

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// peer is a scripted text device on loopback: it answers each line it
// receives from a script and records the exchange.
type peer struct {
	ln     net.Listener
	script map[string]string // request line -> reply; "(connect)" greets
	mu     sync.Mutex
	log    []string
	done   chan struct{}
}

const (
	silence = "(silence)"
	hangUp  = "(close)"
)

// startPeer serves one connection with the script in file.
func startPeer(t *testing.T, file string) *peer {
	t.Helper()
	script, err := readScript(file)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &peer{ln: ln, script: script, done: make(chan struct{})}
	t.Cleanup(func() { _ = ln.Close() })
	go p.serve()
	return p
}

// readScript parses lines of `request => "reply"` (a Go-quoted string, or
// (silence) or (close)); # starts a comment.
func readScript(file string) (map[string]string, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	script := map[string]string{}
	for i, line := range strings.Split(string(data), "\n") {
		if line = strings.TrimSpace(line); line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		req, reply, ok := strings.Cut(line, " => ")
		if !ok {
			return nil, fmt.Errorf("%s:%d: want `request => reply`", file, i+1)
		}
		if reply != silence && reply != hangUp {
			if reply, err = strconv.Unquote(reply); err != nil {
				return nil, fmt.Errorf("%s:%d: reply: %w", file, i+1, err)
			}
		}
		script[req] = reply
	}
	return script, nil
}

func (p *peer) addr() string { return p.ln.Addr().String() }

func (p *peer) serve() {
	defer close(p.done)
	conn, err := p.ln.Accept()
	if err != nil {
		return
	}
	defer conn.Close()
	if !p.answer(conn, "(connect)") {
		return
	}
	r := bufio.NewReader(conn)
	for {
		line, err := r.ReadString('\n')
		if line != "" {
			p.record("> %q", line)
			if !p.answer(conn, strings.TrimRight(line, "\r\n")) {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// answer sends the scripted reply; false means the peer hung up.
func (p *peer) answer(conn net.Conn, req string) bool {
	reply, ok := p.script[req]
	switch {
	case !ok && req == "(connect)", reply == silence:
		return true
	case !ok:
		reply = "ERR unknown command\r\n"
	case reply == hangUp:
		p.record("< (close)")
		return false
	}
	p.record("< %q", reply)
	_, err := conn.Write([]byte(reply))
	return err == nil
}

func (p *peer) record(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.log = append(p.log, fmt.Sprintf(format, args...))
}

// transcript waits for the connection to end and returns the exchange.
func (p *peer) transcript() string {
	<-p.done
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.log, "\n") + "\n"
}
