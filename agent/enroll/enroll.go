package enroll

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ErrRefused is wrapped by errors for a code the collector refused (used,
// expired, unknown, revoked branch, too many attempts); trying again with
// the same code will not help.
var ErrRefused = errors.New("enrollment refused")

// Options say where to enroll and where the token goes.
type Options struct {
	// Collector is the collector's base URL.
	Collector string
	Code      string
	// TokenPath is the file the token is written to (mode 0600).
	TokenPath string
	// Client makes the request (http.DefaultClient when nil).
	Client *http.Client
}

// Result is what an enrollment gave: the branch, and where its token is.
type Result struct {
	Branch    string
	TokenPath string
}

// Enroll exchanges o.Code for the branch's token and writes it to
// o.TokenPath. Nothing is written unless the collector gave a token.
func Enroll(ctx context.Context, o Options) (Result, error) {
	if o.Code == "" || o.Collector == "" || o.TokenPath == "" {
		return Result{}, errors.New("enroll: collector URL, code and token path are all needed")
	}
	u, err := url.Parse(o.Collector)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Result{}, fmt.Errorf("enroll: collector %q: must be an http(s) URL", o.Collector)
	}
	client := o.Client
	if client == nil {
		client = http.DefaultClient
	}
	body, _ := json.Marshal(map[string]string{"code": o.Code})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.JoinPath("api/v1/enroll").String(), bytes.NewReader(body))
	if err != nil {
		return Result{}, fmt.Errorf("enroll: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return Result{}, fmt.Errorf("enroll: reach the collector: %w", err)
	}
	defer resp.Body.Close()
	var answer struct {
		Branch string `json:"branch"`
		Token  string `json:"token"`
		Error  string `json:"error"`
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return Result{}, fmt.Errorf("enroll: read the collector's answer: %w", err)
	}
	_ = json.Unmarshal(data, &answer)
	if resp.StatusCode != http.StatusOK {
		msg := answer.Error
		if msg == "" {
			msg = strings.TrimSpace(string(data))
		}
		if resp.StatusCode >= 500 {
			return Result{}, fmt.Errorf("enroll: the collector failed (%s): %s", resp.Status, msg)
		}
		if resp.StatusCode == http.StatusTooManyRequests {
			msg = whenAgain(msg, resp.Header.Get("Retry-After"), time.Now())
		}
		return Result{}, fmt.Errorf("%w: %s", ErrRefused, msg)
	}
	if answer.Token == "" || answer.Branch == "" {
		return Result{}, errors.New("enroll: the collector's answer has no token (is the URL the collector's?)")
	}
	if err := WriteToken(o.TokenPath, answer.Token); err != nil {
		return Result{}, err
	}
	return Result{Branch: answer.Branch, TokenPath: o.TokenPath}, nil
}

// WriteToken writes token to path with mode 0600, creating its folder
// (mode 0700) if needed. It writes a temporary file beside it and renames
// it, so a crash leaves either the old token or the new, never half of one.
func WriteToken(path, token string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("enroll: token folder: %w", err)
	}
	f, err := os.CreateTemp(dir, ".token-*")
	if err != nil {
		return fmt.Errorf("enroll: write token: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // after a successful rename there is nothing left to remove
	if err := f.Chmod(0o600); err != nil && !isWindows() {
		f.Close()
		return fmt.Errorf("enroll: write token: %w", err)
	}
	if _, err := f.WriteString(token + "\n"); err != nil {
		f.Close()
		return fmt.Errorf("enroll: write token: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("enroll: write token: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("enroll: write token: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("enroll: write token: %w", err)
	}
	return nil
}

// whenAgain puts the wait a 429's Retry-After asks for in msg, in place of
// the collector's "try again later": a person at the branch can wait 14
// minutes, not "later". msg is unchanged without a usable Retry-After.
func whenAgain(msg, retryAfter string, now time.Time) string {
	const longest = 24 * time.Hour // more is a broken header, not a wait
	var d time.Duration
	if secs, err := strconv.Atoi(strings.TrimSpace(retryAfter)); err == nil {
		d = time.Duration(min(secs, int(longest/time.Second))) * time.Second
	} else if t, err := http.ParseTime(retryAfter); err == nil {
		d = min(t.Sub(now), longest)
	}
	if d <= 0 {
		return msg
	}
	msg = strings.TrimSuffix(strings.TrimSuffix(msg, "try again later"), "; ")
	return msg + "; try again in " + roundUp(d)
}

// roundUp words d for a person: whole seconds under a minute, else whole
// minutes, rounded up so that trying again then is not too early.
func roundUp(d time.Duration) string {
	if d < time.Minute {
		return strconv.Itoa(int((d+time.Second-1)/time.Second)) + "s"
	}
	s := ((d + time.Minute - 1) / time.Minute * time.Minute).String() // "14m0s", "1h5m0s", "2h0m0s"
	s = strings.TrimSuffix(s, "0s")
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
