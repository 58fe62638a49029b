package modem

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/branchready/branchready/checks"
)

// TestCancelledDuringDialToneStillHangsUp cancels the check while the modem
// is off-hook waiting for dial tone: the line must be hung up all the same.
func TestCancelledDuringDialToneStillHangsUp(t *testing.T) {
	for _, line := range []struct {
		name string
		open func(*testing.T, *sim) Opener
	}{{"over a pipe", pipeOpener}, {"over a pty", ptyOpener}} {
		t.Run("a cancelled check hangs up "+line.name, func(t *testing.T) {
			m := newSim(script{replies: map[string]string{
				"ATZ": "\r\nOK\r\n", "ATI": "\r\n5601\r\n\r\nOK\r\n", "ATX4": "\r\nOK\r\n",
				"ATDT;": silence, "ATH0": "\r\nOK\r\n",
			}})
			m.heard = make(chan string, 16)
			chk, err := New(Config{Port: "/dev/ttyS0", DialTimeout: time.Minute}, WithOpener(line.open(t, m)))
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go func() {
				for cmd := range m.heard {
					if cmd == "ATDT;" {
						cancel()
						return
					}
				}
			}()
			out := chk.Run(ctx)
			want := `fail: modem "5601" on /dev/ttyS0: the check was cancelled during the dial-tone test`
			if got := string(out.Status) + ": " + out.Reason; got != want {
				t.Errorf("got  %s\nwant %s", got, want)
			}
			if tr := waitHangUp(t, m); !strings.HasSuffix(tr, "> \"ATH0\\r\"\n< \"\\r\\nOK\\r\\n\"\n") {
				t.Errorf("the transcript does not end with a confirmed ATH0:\n%s", tr)
			}
		})
	}
}

func TestAnOpenFailureNamesThePort(t *testing.T) {
	chk, err := New(Config{Port: "/dev/ttyS9"}, WithOpener(func(string, Mode) (Port, error) {
		return nil, errNoSuchPort
	}))
	if err != nil {
		t.Fatal(err)
	}
	out := chk.Run(context.Background())
	want := checks.Fail("the modem's port /dev/ttyS9 does not exist: is the cable or adapter plugged in?")
	if out.Status != want.Status || out.Reason != want.Reason {
		t.Errorf("got %s %q, want %s %q", out.Status, out.Reason, want.Status, want.Reason)
	}
}

func TestTheRealSerialOpenerReportsAMissingPort(t *testing.T) {
	chk, err := New(Config{Port: "/dev/branchready-no-such-modem", ReplyTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	out := chk.Run(context.Background())
	want := "the modem's port /dev/branchready-no-such-modem does not exist: is the cable or adapter plugged in?"
	if out.Status != "fail" || out.Reason != want {
		t.Errorf("got %s %q", out.Status, out.Reason)
	}
}
