package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Status is what the agent knows about itself, served at /status.
type Status struct {
	Branch     string    `json:"branch"`
	Name       string    `json:"name"`
	Timezone   string    `json:"timezone"`
	Version    string    `json:"version"`
	ConfigPath string    `json:"config_path"`
	ConfigHash string    `json:"config_hash"`
	Started    time.Time `json:"started"`
	// LastReloadError says why the last reload was refused (the old
	// configuration stays in force).
	LastReloadError string        `json:"last_reload_error,omitempty"`
	LastSweep       *Sweep        `json:"last_sweep,omitempty"`
	NextSweep       string        `json:"next_sweep"`
	NextSweepKind   string        `json:"next_sweep_kind"`
	Checks          []CheckState  `json:"checks"`
	Spool           SpoolState    `json:"spool"`
	Collector       CollectorLink `json:"collector"`
}

// Sweep summarises the last sweep.
type Sweep struct {
	Kind     string         `json:"kind"`
	At       time.Time      `json:"at"`
	Seconds  float64        `json:"seconds"`
	Ready    bool           `json:"ready"`
	ByStatus map[string]int `json:"by_status"`
}

// CheckState is the latest result of one check.
type CheckState struct {
	Device      string    `json:"device"`
	Check       string    `json:"check"`
	Kind        string    `json:"kind"`
	Criticality string    `json:"criticality"`
	Status      string    `json:"status"`
	Reason      string    `json:"reason"`
	At          time.Time `json:"at"`
}

// SpoolState is the spool's depth and losses.
type SpoolState struct {
	Results int               `json:"results"`
	Bytes   int64             `json:"bytes"`
	Oldest  time.Time         `json:"oldest,omitzero"`
	Dropped map[string]uint64 `json:"dropped"`
	// Held counts results kept in memory while the disk is full.
	Held int `json:"held,omitempty"`
}

// CollectorLink is how shipping goes.
type CollectorLink struct {
	URL         string    `json:"url"`
	Reachable   bool      `json:"reachable"`
	LastSuccess time.Time `json:"last_success,omitzero"`
	LastError   string    `json:"last_error,omitempty"`
	LastErrorAt time.Time `json:"last_error_at,omitzero"`
	// LastErrorCode is the HTTP status of the collector's answer to the
	// last failed request, 0 when none came: 401 or 403 means the
	// collector is reachable but refuses the branch token.
	LastErrorCode       int    `json:"last_error_code,omitempty"`
	ConsecutiveFailures int    `json:"consecutive_failures"`
	Stored              uint64 `json:"stored"`
}

// Server is the agent's local admin endpoint.
type Server struct {
	Status func() Status
	Reload func() error
	// Ready reports why the agent cannot do its work yet (nil: it can):
	// GET /-/ready answers 503 with that reason until then.
	Ready   func() error
	Metrics *Metrics
	Log     *slog.Logger
}

// Handler routes /status, /metrics, POST /-/reload, /-/healthy and /-/ready.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(s.Status())
	})
	mux.Handle("GET /metrics", s.Metrics)
	mux.HandleFunc("POST /-/reload", func(w http.ResponseWriter, _ *http.Request) {
		if err := s.Reload(); err != nil {
			http.Error(w, "reload refused, the previous configuration stays in force:\n"+err.Error(), http.StatusBadRequest)
			return
		}
		fmt.Fprintln(w, "reloaded")
	})
	mux.HandleFunc("GET /-/healthy", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /-/ready", func(w http.ResponseWriter, _ *http.Request) {
		if s.Ready != nil {
			if err := s.Ready(); err != nil {
				http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
				return
			}
		}
		fmt.Fprintln(w, "ok")
	})
	return mux
}

// Serve listens on addr until ctx ends. It refuses a non-loopback address
// unless allowRemote, because reload and status have no login.
func (s *Server) Serve(ctx context.Context, addr string, allowRemote bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("agent.listen %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); !allowRemote && host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("agent.listen %q: the admin endpoint has no login, so it listens on loopback only", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("admin endpoint: %w", err)
	}
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	s.Log.Info("admin endpoint listening", "addr", ln.Addr().String())
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
