package collector

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/branchready/branchready/collector/branches"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/collector/store/postgres"
	"github.com/branchready/branchready/collector/store/sqlite"
	"github.com/branchready/branchready/version"
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

// Check loads and validates the configuration file without serving: the
// certificate and key must load too. It is serve --config.check and validate.
func Check(path string) (*Config, error) {
	cfg, err := LoadConfig(path)
	if err != nil {
		return nil, err
	}
	if cfg.TLS.CertFile != "" {
		if _, err := tls.LoadX509KeyPair(cfg.TLS.CertFile, cfg.TLS.KeyFile); err != nil {
			return nil, fmt.Errorf("%s: tls: %w", path, err)
		}
	}
	return cfg, nil
}

// Run loads the configuration, opens the store and serves until ctx ends.
// SIGHUP and POST /-/reload re-read the configuration (see reloader).
func Run(ctx context.Context, o Options) error {
	cfg, err := LoadConfig(o.ConfigPath)
	if err != nil {
		return err
	}
	if o.Listen != "" {
		cfg.Listen = o.Listen
	}
	alertOpts := AlertOptions{Config: cfg.Alerts, Dir: cfg.dir}
	if err := CheckAlerts(alertOpts); err != nil {
		return fmt.Errorf("%s: %w", o.ConfigPath, err)
	}
	var certs *certificate
	if cfg.TLS.CertFile != "" {
		if certs, err = newCertificate(cfg.TLS.CertFile, cfg.TLS.KeyFile, o.Log); err != nil {
			return err
		}
	}
	recordKey, err := cfg.Records.SigningKey()
	if err != nil {
		return err
	}
	st, err := OpenStore(ctx, cfg.Store, o.Log)
	if err != nil {
		return err
	}
	defer st.Close()
	tokens, users := cfg.tokens(), cfg.users()
	rl := &reloader{path: o.ConfigPath, log: o.Log, tokens: tokens, users: users, certs: certs, running: cfg}
	srv := NewServer(ServerOptions{
		Store: st, Tokens: tokens, Users: users, Log: o.Log,
		SkewThreshold: cfg.ClockSkewThreshold, MaxBodyBytes: cfg.MaxBodyBytes, MaxResults: cfg.MaxBatchResults, Retention: cfg.Retention, SLARetention: cfg.SLARetention, IncidentRetention: cfg.IncidentRetention,
		Alerts:         alertOpts,
		Reload:         rl.Reload,
		SLA:            cfg.SLA.Settings(),
		MaxDecodeBytes: cfg.MaxDecodeBytes, MetricsApart: cfg.Metrics.Listen != "", MetricsLogin: cfg.metricsLogin(),
		RecordKey: recordKey, TrustedProxies: cfg.proxies(),
	})
	rl.srv = srv
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
	if certs != nil {
		ln = tls.NewListener(ln, &tls.Config{GetCertificate: certs.GetCertificate, MinVersion: tls.VersionTLS12})
	}
	o.Log.Info("collector listening", "addr", ln.Addr().String(), "tls", certs != nil, "store", cfg.Store.Driver,
		"config_tokens", len(cfg.Agents), "store_branches_with_tokens", storeBranchesWithTokens(ctx, st, o.Log),
		"trusted_proxies", len(cfg.TrustedProxies), "version", version.Get().Version)
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
				_ = rl.Reload() // logged there
			}
		}
	}()
	return srv.Serve(ctx, ln)
}

// OpenStore opens the configured store.
func OpenStore(ctx context.Context, c StoreConfig, log *slog.Logger) (store.Store, error) {
	switch c.Driver {
	case "postgres":
		dsn, err := c.dsn()
		if err != nil {
			return nil, err
		}
		return postgres.Open(ctx, dsn, log)
	default:
		return sqlite.Open(ctx, c.Path, log)
	}
}

// dsn reads the PostgreSQL connection string from where the config says.
func (c StoreConfig) dsn() (string, error) {
	if c.DSNFile != "" {
		b, err := os.ReadFile(c.DSNFile)
		if err != nil {
			// The path, not the content: the file holds a password.
			return "", fmt.Errorf("store.dsn_file: %w", err)
		}
		dsn := strings.TrimSpace(string(b))
		if dsn == "" {
			return "", fmt.Errorf("store.dsn_file: %s is empty", c.DSNFile)
		}
		return dsn, nil
	}
	dsn := os.Getenv(c.DSNEnv)
	if dsn == "" {
		return "", fmt.Errorf("store.dsn_env: environment variable %s is empty or not set", c.DSNEnv)
	}
	return dsn, nil
}

// storeBranchesWithTokens is, for the start-up log, how many branches have
// a token in the store (since issue 11 most do; the configuration's
// agents: list is for small installs): "-" when the store keeps no
// registry or cannot say.
func storeBranchesWithTokens(ctx context.Context, st store.Store, log *slog.Logger) any {
	reg, ok := st.(store.Registry)
	if !ok {
		return "-"
	}
	n, err := branches.WithLiveTokens(ctx, reg, time.Now())
	if err != nil {
		log.Warn("counting the branches with tokens in the store", "err", err)
		return "-"
	}
	return n
}
