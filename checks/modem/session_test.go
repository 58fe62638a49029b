package modem

import (
	"context"
	"errors"
	"io"
	"reflect"
	"syscall"
	"testing"
	"time"
)

var errNoSuchPort = syscall.ENOENT

// chunkPort hands out its bytes in the given chunks, then times out.
type chunkPort struct {
	chunks [][]byte
	io.Writer
}

func (p *chunkPort) Read(b []byte) (int, error) {
	if len(p.chunks) == 0 {
		return 0, nil
	}
	n := copy(b, p.chunks[0])
	p.chunks = p.chunks[1:]
	return n, nil
}
func (p *chunkPort) Close() error                       { return nil }
func (p *chunkPort) SetReadTimeout(time.Duration) error { return nil }

func TestReplies(t *testing.T) {
	cases := []struct {
		name   string
		chunks []string
		want   reply
		err    error
	}{
		{"a plain OK is the result", []string{"\r\nOK\r\n"}, reply{final: "OK"}, nil},
		{"information lines come before the result", []string{"\r\nU.S. Robotics\r\n\r\nOK\r\n"}, reply{final: "OK", info: []string{"U.S. Robotics"}}, nil},
		{"a reply split across reads is put back together", []string{"\r\nNO DIAL", "TONE\r", "\n"}, reply{final: "NO DIALTONE"}, nil},
		{"the echo of the command is skipped", []string{"ATI\r", "\r\n5601\r\n\r\nOK\r\n"}, reply{final: "OK", info: []string{"5601"}}, nil},
		{"an unfinished line is not a result", []string{"\r\nOK"}, reply{}, errSilent},
		{"CONNECT with a speed ends a command", []string{"\r\nCONNECT 33600\r\n"}, reply{final: "CONNECT 33600"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := &chunkPort{Writer: io.Discard}
			for _, c := range tc.chunks {
				p.chunks = append(p.chunks, []byte(c))
			}
			s := &session{port: p}
			got, err := s.command(context.Background(), "ATI", 50*time.Millisecond)
			if !errors.Is(err, tc.err) {
				t.Fatalf("got error %v, want %v", err, tc.err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}
