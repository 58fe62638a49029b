package collector

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/collector/store/postgres"
	"github.com/branchready/branchready/collector/store/sqlite"
)

// Options are the command line's choices for Run.
type Options struct {
	ConfigPath string
	// Listen overrides the config's listen address when set.
	Listen string
	Log    *slog.Logger
	// Ready is called with the bound address once the server listens.
	Ready func(addr string)
}

// Run loads the configuration, opens the store and serves until ctx ends.
func Run(ctx context.Context, o Options) error {
	cfg, err := LoadConfig(o.ConfigPath)
	if err != nil {
		return err
	}
	if o.Listen != "" {
		cfg.Listen = o.Listen
	}
	st, err := OpenStore(ctx, cfg.Store, o.Log)
	if err != nil {
		return err
	}
	defer st.Close()
	tokens, users := cfg.tokens(), cfg.users()
	srv := NewServer(ServerOptions{
		Store: st, Tokens: tokens, Users: users, Log: o.Log,
		SkewThreshold: cfg.ClockSkewThreshold, MaxBodyBytes: cfg.MaxBodyBytes, MaxResults: cfg.MaxBatchResults, Retention: cfg.Retention,
		MaxDecodeBytes: cfg.MaxDecodeBytes, MetricsApart: cfg.Metrics.Listen != "", MetricsLogin: cfg.metricsLogin(),
	})
	if cfg.Metrics.Listen != "" {
		mln, err := net.Listen("tcp", cfg.Metrics.Listen)
		if err != nil {
			return fmt.Errorf("metrics.listen: %w", err)
		}
		o.Log.Info("metrics listening", "addr", mln.Addr().String(), "login", cfg.Metrics.Username != "")
		go func() {
			if err := srv.ServeMetrics(ctx, mln); err != nil {
				o.Log.Error("metrics server", "err", err)
			}
		}()
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	if cfg.TLS.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLS.CertFile, cfg.TLS.KeyFile)
		if err != nil {
			ln.Close()
			return fmt.Errorf("tls: %w", err)
		}
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	}
	o.Log.Info("collector listening", "addr", ln.Addr().String(), "tls", cfg.TLS.CertFile != "", "store", cfg.Store.Driver, "branches_with_tokens", len(cfg.Agents))
	if o.Ready != nil {
		o.Ready(ln.Addr().String())
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				_ = ReloadAuth(o.ConfigPath, tokens, users, o.Log)
			}
		}
	}()
	return srv.Serve(ctx, ln)
}

// ReloadAuth re-reads the configuration and swaps in its branch tokens and
// users, so that a new branch or a changed password needs no restart. An
// invalid file changes nothing. Other settings (listen, store, tls) need a
// restart.
func ReloadAuth(path string, tokens *auth.Tokens, users *auth.Users, log *slog.Logger) error {
	cfg, err := LoadConfig(path)
	if err != nil {
		log.Error("configuration reload refused; tokens and users unchanged", "err", err)
		return err
	}
	tokens.Swap(cfg.tokens())
	users.Swap(cfg.users())
	log.Info("configuration reloaded: branch tokens and users", "branches_with_tokens", tokens.Len(), "users", len(cfg.Users))
	return nil
}

// OpenStore opens the configured store.
func OpenStore(ctx context.Context, c StoreConfig, log *slog.Logger) (store.Store, error) {
	switch c.Driver {
	case "postgres":
		dsn := os.Getenv(c.DSNEnv)
		if dsn == "" {
			return nil, fmt.Errorf("store.dsn_env: environment variable %s is empty or not set", c.DSNEnv)
		}
		return postgres.Open(ctx, dsn, log)
	default:
		return sqlite.Open(ctx, c.Path, log)
	}
}
