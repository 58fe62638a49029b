package checks

import (
	"crypto/tls"
	"testing"
	"time"
)

func TestASessionIsResumedOnlyUntilItsFullHandshakeIsAnHourOld(t *testing.T) {
	now := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	c := NewSessionCache(time.Hour, func() time.Time { return now })
	first, renewed := &tls.ClientSessionState{}, &tls.ClientSessionState{}
	c.Put("bank:443", first)
	now = now.Add(50 * time.Minute)
	if s, ok := c.Get("bank:443"); !ok || s != first {
		t.Fatal("a 50-minute-old session is not resumed")
	}
	c.Put("bank:443", renewed) // a ticket renewed on resumption
	now = now.Add(11 * time.Minute)
	if _, ok := c.Get("bank:443"); ok {
		t.Fatal("a renewed ticket extended the session past an hour after its full handshake")
	}
}
