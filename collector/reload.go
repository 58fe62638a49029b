package collector

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"

	"github.com/branchready/branchready/collector/auth"
)

// reloader re-reads the configuration file and puts into force everything
// that can change without a restart: branch tokens, users, the clock-skew
// threshold, ingest limits, retention, and the TLS certificate files. The
// listen address, the store and insecure_listen need a restart; a reload
// that changes them says so in the log and leaves them as they are.
type reloader struct {
	path   string
	log    *slog.Logger
	tokens *auth.Tokens
	users  *auth.Users
	srv    *Server
	certs  *certificate // nil without TLS

	mu      sync.Mutex
	running *Config
}

// Reload applies the configuration file, or changes nothing when it is
// invalid (the error says why).
func (r *reloader) Reload() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	cfg, err := LoadConfig(r.path)
	if err != nil {
		r.log.Error("configuration reload refused; the running configuration stays in force", "err", err)
		return err
	}
	if (cfg.TLS.CertFile != "") != (r.certs != nil) {
		err := fmt.Errorf("tls: switching between HTTP and HTTPS needs a restart")
		r.log.Error("configuration reload refused; the running configuration stays in force", "err", err)
		return err
	}
	if r.certs != nil {
		if err := r.certs.use(cfg.TLS.CertFile, cfg.TLS.KeyFile); err != nil {
			r.log.Error("configuration reload refused; the running configuration stays in force", "err", err)
			return err
		}
	}
	for _, c := range []struct {
		key             string
		running, loaded any
	}{
		{"listen", r.running.Listen, cfg.Listen},
		{"store", r.running.Store, cfg.Store},
		{"insecure_listen", r.running.InsecureListen, cfg.InsecureListen},
		{"trusted_proxies", strings.Join(r.running.TrustedProxies, ","), strings.Join(cfg.TrustedProxies, ",")},
	} {
		if c.running != c.loaded {
			r.log.Warn("configuration reload: this setting changes only at the next restart", "setting", c.key)
		}
	}
	r.tokens.Swap(cfg.tokens())
	r.users.Swap(cfg.users())
	r.srv.Apply(cfg.settings())
	r.running = cfg
	r.log.Info("configuration reloaded", "config_tokens", r.tokens.Len(), "users", len(cfg.Users),
		"clock_skew_threshold", cfg.ClockSkewThreshold, "retention", cfg.Retention, "sla_retention", cfg.SLARetention, "incident_retention", cfg.IncidentRetention)
	return nil
}

// settings are the parts of c a running server takes on a reload.
func (c *Config) settings() Settings {
	return Settings{SkewThreshold: c.ClockSkewThreshold, MaxBodyBytes: c.MaxBodyBytes, MaxResults: c.MaxBatchResults, Retention: c.Retention, SLARetention: c.SLARetention, IncidentRetention: c.IncidentRetention}
}

// reloadHandler serves POST /-/reload.
func reloadHandler(reload func() error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if err := reload(); err != nil {
			http.Error(w, "reload refused, the running configuration stays in force:\n"+err.Error(), http.StatusBadRequest)
			return
		}
		fmt.Fprintln(w, "reloaded")
	})
}

// loopbackOr serves requests from this machine with h, and others with
// guarded: an operator on the host may reload without a password, as with
// SIGHUP, while a remote caller must log in with the admin role.
func loopbackOr(h, guarded http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if ip := net.ParseIP(host); err == nil && ip != nil && ip.IsLoopback() && !proxied(r) {
			h.ServeHTTP(w, r)
			return
		}
		guarded.ServeHTTP(w, r)
	})
}

// proxied reports whether a reverse proxy on this machine passed the request
// on, in which case its loopback address says nothing about the caller.
func proxied(r *http.Request) bool {
	return r.Header.Get("X-Forwarded-For") != "" || r.Header.Get("Forwarded") != ""
}
