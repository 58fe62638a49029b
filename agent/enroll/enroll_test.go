package enroll

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

func TestAThrottledEnrollmentSaysWhenToTryAgain(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "840")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(`{"error":"too many failed enrollment attempts from this address; try again later"}`))
	}))
	t.Cleanup(srv.Close)
	path := filepath.Join(t.TempDir(), "token")
	_, err := Enroll(context.Background(), Options{Collector: srv.URL, Code: "ABCD-EFGH-JKLM", TokenPath: path, Client: srv.Client()})
	want := "enrollment refused: too many failed enrollment attempts from this address; try again in 14m"
	if err == nil || err.Error() != want || !errors.Is(err, ErrRefused) {
		t.Fatalf("Enroll = %v\nwant %q", err, want)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("a token file was written after a refusal: %v", err)
	}
}

func TestWhenAgain(t *testing.T) {
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	const msg = "too many failed enrollment attempts from this address; try again later"
	for _, c := range []struct{ name, retryAfter, want string }{
		{"seconds are worded as whole minutes, rounded up", "781", "too many failed enrollment attempts from this address; try again in 14m"},
		{"under a minute is worded in seconds", "45", "too many failed enrollment attempts from this address; try again in 45s"},
		{"an hour and more keeps its minutes", "3901", "too many failed enrollment attempts from this address; try again in 1h6m"},
		{"whole hours have no minutes", "7200", "too many failed enrollment attempts from this address; try again in 2h"},
		{"a wait of years is taken as a day", "999999999999", "too many failed enrollment attempts from this address; try again in 24h"},
		{"an HTTP date is counted from now", "Fri, 27 Nov 2026 09:14:00 GMT", "too many failed enrollment attempts from this address; try again in 14m"},
		{"no Retry-After leaves the message as it is", "", msg},
		{"a date in the past leaves it too", "Fri, 27 Nov 2026 08:00:00 GMT", msg},
		{"garbage leaves it too", "soon", msg},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := whenAgain(msg, c.retryAfter, now); got != c.want {
				t.Errorf("whenAgain(%q) = %q\nwant %q", c.retryAfter, got, c.want)
			}
		})
	}
	t.Run("a message without try again later gets the wait added", func(t *testing.T) {
		if got := whenAgain("slow down", "60", now); got != "slow down; try again in 1m" {
			t.Errorf("got %q", got)
		}
	})
}

func FuzzWhenAgain(f *testing.F) {
	for _, s := range []string{"840", "45", "3901", "", "-5", "soon", "Fri, 27 Nov 2026 09:14:00 GMT", "99999999999999999999"} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, retryAfter string) {
		const msg = "too many failed enrollment attempts; try again later"
		got := whenAgain(msg, retryAfter, now)
		if got != msg && !regexp.MustCompile(`^too many failed enrollment attempts; try again in (\d+s|(\d+h)?(\d+m)?)$`).MatchString(got) {
			t.Fatalf("whenAgain(%q) = %q", retryAfter, got)
		}
	})
}
