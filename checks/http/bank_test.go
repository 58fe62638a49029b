package http

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"sync"
)

// bank is a fake online-banking site with a CSRF-protected login form, the
// flow the branch's banking PCs must be able to complete.
type bank struct {
	user, password string
	mu             sync.Mutex
	tokens         map[string]string // pre-session cookie -> CSRF token
	sessions       map[string]bool
	posted         []string // raw login bodies, to prove what was sent
}

func newBank(user, password string) *bank {
	return &bank{user: user, password: password, tokens: map[string]string{}, sessions: map[string]bool{}}
}

func (b *bank) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", b.form)
	mux.HandleFunc("POST /login", b.login)
	mux.HandleFunc("GET /home", b.home)
	return mux
}

func token() string {
	buf := make([]byte, 12)
	_, _ = rand.Read(buf)
	return hex.EncodeToString(buf)
}

func (b *bank) form(w http.ResponseWriter, _ *http.Request) {
	pre, csrf := token(), token()
	b.mu.Lock()
	b.tokens[pre] = csrf
	b.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: "pre", Value: pre, Path: "/", HttpOnly: true})
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, `<!doctype html><html><head><title>Bank</title><script>var x = 1;</script></head>
<body><h1>Sign in to online banking</h1>
<form method="post" action="/login">
  <input type="hidden" name="_csrf" value="%s">
  <input name="username"> <input type="password" name="password">
  <button>Sign in</button>
</form></body></html>`, csrf)
}

func (b *bank) login(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	b.mu.Lock()
	defer b.mu.Unlock()
	b.posted = append(b.posted, r.PostForm.Encode())
	pre, err := r.Cookie("pre")
	if err != nil || b.tokens[pre.Value] == "" || r.PostForm.Get("_csrf") != b.tokens[pre.Value] {
		http.Error(w, "Invalid CSRF token", http.StatusForbidden)
		return
	}
	if r.PostForm.Get("username") != b.user || r.PostForm.Get("password") != b.password {
		w.Header().Set("Content-Type", "text/html")
		// A careless site echoes what it was sent: the check must not
		// repeat the password in its reason.
		fmt.Fprintf(w, `<html><body><p class="error">Invalid credentials (you typed %s)</p></body></html>`, r.PostForm.Get("password"))
		return
	}
	sid := token()
	b.sessions[sid] = true
	http.SetCookie(w, &http.Cookie{Name: "session", Value: sid, Path: "/", HttpOnly: true, Secure: true})
	http.Redirect(w, r, "/home", http.StatusFound)
}

func (b *bank) home(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie("session")
	b.mu.Lock()
	ok := err == nil && b.sessions[c.Value]
	b.mu.Unlock()
	if !ok {
		http.Redirect(w, r, "/login?expired=1", http.StatusFound)
		return
	}
	fmt.Fprint(w, `<html><body><h1>Welcome, Alice</h1><p>Balance: 1,024.00 EUR</p></body></html>`)
}
