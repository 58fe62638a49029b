package failover

import (
	"net/http"
	"strings"
	"testing"

	"github.com/branchready/branchready/alerts/slack/slacktest"
)

// A rolling restart of every collector while the wave is shipped: each in
// turn gets SIGTERM (as systemctl stop sends), must exit cleanly, hands
// leadership over when it leads, and is started again, while agents keep
// posting through the round-robin balancer. Slack fails throughout, so the
// decided notifications wait in the outbox across every restart. At the
// end every acknowledged result is stored once and every incident was
// posted to Slack once.
func TestARollingRestartDuringAWaveLosesNothingAndSendsNothingTwice(t *testing.T) {
	c := startCluster(t, 3, branches)
	c.slack.Fail(slacktest.Fault{Method: "chat.postMessage", Status: http.StatusInternalServerError})
	c.leader(t)

	// The agents ship round after round until told to stop (after at least
	// rounds rounds), saying after each round that they did.
	type shipped struct {
		ids []string
		err error
	}
	done, stop := make(chan shipped, 1), make(chan struct{})
	progress := make(chan struct{}, 1)
	go func() {
		var all []string
		next := 0
		for round := 0; ; round++ {
			select {
			case <-stop:
				if round >= rounds {
					done <- shipped{ids: all}
					return
				}
			default:
			}
			for i := range branches {
				ids, err := postRoundRobin(c.cs, &next, batchOf(i, round), tokenOf(i))
				if err != nil {
					done <- shipped{err: err}
					return
				}
				all = append(all, ids...)
			}
			select {
			case progress <- struct{}{}:
			default:
			}
		}
	}()
	var wasLeading []string
	for _, p := range c.cs {
		<-progress // a round shipped since the last restart: the wave is on
		led := p.leads()
		p.stop(t)
		if led {
			wasLeading = append(wasLeading, p.name)
			if !strings.Contains(p.logs.String(), "leadership lost") {
				t.Errorf("%s led, was stopped, and did not log handing leadership over:\n%s", p.name, p.logs.String())
			}
			c.leader(t) // another takes over
		}
		p.run(t)
	}
	close(stop)
	s := <-done
	if s.err != nil {
		t.Fatalf("%v\n%s", s.err, c.logs())
	}
	if len(wasLeading) == 0 {
		t.Fatalf("no collector led when it was stopped: the restart never moved leadership\n%s", c.logs())
	}
	c.leader(t)
	c.slack.Heal()
	acked := map[string]bool{}
	for _, id := range s.ids {
		acked[id] = true
	}
	if len(acked) != len(s.ids) {
		t.Errorf("%d acknowledgements for %d distinct results", len(s.ids), len(acked))
	}
	c.checkEverythingOnce(t, acked, len(acked))
}
