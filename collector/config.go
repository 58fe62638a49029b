package collector

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/branchready/branchready/collector/alerting"
	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/sla"
	"github.com/branchready/branchready/strictyaml"
)

// Config is the collector's configuration file.
type Config struct {
	Listen string      `yaml:"listen" doc:"Address to serve on; default 127.0.0.1:8080."`
	Store  StoreConfig `yaml:"store"`
	// TLS serves HTTPS; without it the collector refuses to listen beyond
	// loopback unless insecure_listen is set (tokens must not cross a WAN in clear).
	TLS            TLSConfig `yaml:"tls" doc:"Serve HTTPS with this certificate and key (PEM files)."`
	InsecureListen bool      `yaml:"insecure_listen" doc:"Allow plain HTTP on a non-loopback address (behind a TLS-terminating proxy)."`
	// TrustedProxies are load balancers whose X-Forwarded-For is believed:
	// behind one, every client has its address, and the per-address login
	// and enrollment limits would lock everybody out at once.
	TrustedProxies []string `yaml:"trusted_proxies" doc:"Addresses or CIDR networks of the load balancers or reverse proxies in front of the collector (e.g. [10.0.0.5, 10.1.0.0/16]): for a request from one of them, the client is the address its X-Forwarded-For names, for login and enrollment limits and logs. Others' X-Forwarded-For is ignored. Default: none trusted."`
	// Agents lists each branch and the SHA-256 of its token (the token
	// itself never sits in the collector's config).
	Agents []AgentToken `yaml:"agents" doc:"Branch tokens, as SHA-256 hashes (branchready-collector token prints one)."`
	Users  []User       `yaml:"users" doc:"People who may log in to the board and API, each with a role and scope."`
	// ClockSkewThreshold flags agents whose clock is off by more than this.
	ClockSkewThreshold time.Duration `yaml:"clock_skew_threshold" doc:"Agents whose clock is off by more than this are flagged; default 2m."`
	Retention          time.Duration `yaml:"retention" doc:"Raw results older than this are removed (PostgreSQL drops whole days); SLA reports read the rollups, which are kept for sla_retention. Default 720h (30 days), at least 24h."`
	SLARetention       time.Duration `yaml:"sla_retention" doc:"SLA rollups (per branch-day and device-day) older than this are deleted. Default 43800h (5 years); at least retention."`
	IncidentRetention  time.Duration `yaml:"incident_retention" doc:"Incidents resolved longer ago than this are deleted with their messages' records and threads (never one with a message still to deliver). Default 8760h (1 year), at least 24h."`
	MaxBodyBytes       int64         `yaml:"max_body_bytes" doc:"Largest ingest request body; default 8 MiB."`
	MaxBatchResults    int           `yaml:"max_batch_results" doc:"Most results per ingest request; default 5000."`
	MaxDecodeBytes     int64         `yaml:"max_decode_bytes" doc:"Most ingest bytes decoded at once across all requests (decoding holds a few times this in memory); past it agents are told to retry (503). Default 256 MiB."`
	// Metrics protects /metrics, which lists branch ids.
	Metrics MetricsConfig `yaml:"metrics" doc:"Where /metrics is served and who may read it."`
	// Alerts turns results into incidents and chat messages.
	Alerts alerting.Config `yaml:"alerts" doc:"Incidents and chat alerts: thresholds, deadline escalation, routing, Slack and webhooks."`
	// dir is the config file's folder, for files named relative to it.
	dir string
	SLA SLAConfig `yaml:"sla" doc:"Service-level objectives the SLA reports judge against."`
	// Records signs the daily pre-opening records.
	Records RecordsConfig `yaml:"records" doc:"Signed daily pre-opening records."`
}

// RecordsConfig names the key the collector signs pre-opening records with.
type RecordsConfig struct {
	SigningKeyFile string `yaml:"signing_key_file" doc:"Ed25519 private key (PEM, PKCS #8) that signs the daily pre-opening records; branchready-collector keygen makes one. Without it records are not served."`
}

// SLAConfig sets the objectives of the SLA reports, each with the two levels
// of the zone of tolerance.
type SLAConfig struct {
	CountDegradedAsReady bool          `yaml:"count_degraded_as_ready" doc:"Count ready_degraded branch-days as on time; default false."`
	Objectives           SLAObjectives `yaml:"objectives"`
}

// SLAObjectives are the objectives with a desired and an adequate level.
type SLAObjectives struct {
	OnTimeReadiness sla.Objective `yaml:"on_time_readiness" doc:"Share of due branch-days ready by the deadline; default desired 0.98, adequate 0.95."`
	Availability    sla.Objective `yaml:"availability" doc:"Share of business hours devices work; default desired 0.995, adequate 0.98."`
}

// Default SLA objectives.
var (
	DefaultOnTimeObjective       = sla.Objective{Desired: 0.98, Adequate: 0.95}
	DefaultAvailabilityObjective = sla.Objective{Desired: 0.995, Adequate: 0.98}
)

// Settings returns the objectives as the SLA engine takes them.
func (c SLAConfig) Settings() sla.Settings {
	return sla.Settings{OnTime: c.Objectives.OnTimeReadiness, Availability: c.Objectives.Availability, CountDegraded: c.CountDegradedAsReady}
}

// MetricsConfig moves /metrics to its own address and/or puts a login on it.
type MetricsConfig struct {
	Listen         string `yaml:"listen" doc:"Serve /metrics on this address (plain HTTP, e.g. 127.0.0.1:9464) instead of on listen."`
	Username       string `yaml:"username" doc:"Require this basic-auth user for /metrics (Prometheus basic_auth)."`
	PasswordBcrypt string `yaml:"password_bcrypt" doc:"bcrypt hash of the /metrics password (branchready-collector hash-password prints one)."`
}

// TLSConfig names the collector's certificate and key.
type TLSConfig struct {
	CertFile string `yaml:"cert_file" doc:"PEM certificate chain."`
	KeyFile  string `yaml:"key_file" doc:"PEM private key."`
}

// StoreConfig selects the store.
type StoreConfig struct {
	Driver  string `yaml:"driver" doc:"sqlite (default) or postgres."`
	Path    string `yaml:"path" doc:"SQLite file; default branchready.db next to the config."`
	DSNEnv  string `yaml:"dsn_env" doc:"Environment variable holding the PostgreSQL connection string."`
	DSNFile string `yaml:"dsn_file" doc:"File holding the PostgreSQL connection string (e.g. a systemd credential: /run/credentials/branchready-collector.service/dsn)."`
}

// DefaultRetention keeps raw results for 30 days: the readiness judgements
// and the SLA roll-up need the last few days (the roll-up looks back 35
// days at most, and no further than the retention), reports only the rollups.
const DefaultRetention = 30 * 24 * time.Hour

// DefaultSLARetention keeps the SLA rollups for five years: year-on-year
// trends for a few hundred bytes per branch-day (docs/capacity.md). There
// is no "forever": set a longer duration.
const DefaultSLARetention = 5 * 365 * 24 * time.Hour

// DefaultIncidentRetention keeps resolved incidents, the messages sent
// about them and their threads for a year, as Zabbix keeps its events and
// alerts by default: last month's incidents answer "what happened", and
// the SLA reports read their own rollups, not incidents.
const DefaultIncidentRetention = 365 * 24 * time.Hour

// AgentToken authorises one branch's agent.
type AgentToken struct {
	Branch      string `yaml:"branch"`
	TokenSHA256 string `yaml:"token_sha256"`
}

// User is a person who may log in, with what they are responsible for.
type User struct {
	Name           string `yaml:"name"`
	PasswordBcrypt string `yaml:"password_bcrypt" doc:"bcrypt hash (branchready-collector hash-password prints one)."`
	// Role defaults to operations, so configurations from before roles
	// keep every user's view of the whole bank.
	Role     auth.Role `yaml:"role" doc:"branch_staff, region_manager, operations (default: every branch) or admin (reload: users and tokens)."`
	Branches []string  `yaml:"branches" doc:"branch_staff: the branch ids they see, confirm and acknowledge for."`
	Regions  []string  `yaml:"regions" doc:"region_manager: the regions (as agents' descriptors name them) they see and silence."`
}

// LoadConfig reads and validates a collector configuration file.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	var c Config
	lines, errs := strictyaml.Decode(path, data, &c)
	if len(errs) > 0 {
		return nil, errs.Err()
	}
	p := &strictyaml.Problems{File: path, Lines: lines}
	c.defaults(filepath.Dir(path))
	c.validate(p)
	c.Alerts.Validate(p, "alerts", c.dir)
	if err := p.Errs.Err(); err != nil {
		return nil, err
	}
	return &c, nil
}

func (c *Config) defaults(dir string) {
	c.dir = dir
	c.Alerts.Config = c.Alerts.Config.WithDefaults()
	if c.Listen == "" {
		c.Listen = "127.0.0.1:8080"
	}
	if c.Store.Driver == "" {
		c.Store.Driver = "sqlite"
	}
	if c.Store.Path == "" {
		c.Store.Path = "branchready.db"
	}
	if !filepath.IsAbs(c.Store.Path) {
		c.Store.Path = filepath.Join(dir, c.Store.Path)
	}
	for _, f := range []*string{&c.TLS.CertFile, &c.TLS.KeyFile, &c.Store.DSNFile, &c.Records.SigningKeyFile} {
		if *f != "" && !filepath.IsAbs(*f) {
			*f = filepath.Join(dir, *f)
		}
	}
	if c.Retention == 0 {
		c.Retention = DefaultRetention
	}
	if c.SLARetention == 0 {
		c.SLARetention = DefaultSLARetention
	}
	if c.IncidentRetention == 0 {
		c.IncidentRetention = DefaultIncidentRetention
	}
	if c.ClockSkewThreshold == 0 {
		c.ClockSkewThreshold = 2 * time.Minute
	}
	if c.SLA.Objectives.OnTimeReadiness == (sla.Objective{}) {
		c.SLA.Objectives.OnTimeReadiness = DefaultOnTimeObjective
	}
	if c.SLA.Objectives.Availability == (sla.Objective{}) {
		c.SLA.Objectives.Availability = DefaultAvailabilityObjective
	}
}

// validateSLA holds each objective to 0 < adequate <= desired <= 1 and
// adequate < 1 (an adequate level of 100% leaves no error budget to report).
func (c *Config) validateSLA(p *strictyaml.Problems) {
	for _, o := range []struct {
		path string
		obj  sla.Objective
	}{
		{"sla.objectives.on_time_readiness", c.SLA.Objectives.OnTimeReadiness},
		{"sla.objectives.availability", c.SLA.Objectives.Availability},
	} {
		switch {
		case o.obj.Desired <= 0 || o.obj.Desired > 1:
			p.Addf(o.path+".desired", "%v: must be a ratio above 0 and at most 1 (0.98 is 98%%)", o.obj.Desired)
		case o.obj.Adequate <= 0 || o.obj.Adequate >= 1:
			p.Addf(o.path+".adequate", "%v: must be a ratio above 0 and below 1 (0.95 is 95%%)", o.obj.Adequate)
		case o.obj.Adequate > o.obj.Desired:
			p.Addf(o.path+".adequate", "%v: must not be above desired (%v)", o.obj.Adequate, o.obj.Desired)
		}
	}
}

func (c *Config) validate(p *strictyaml.Problems) {
	switch c.Store.Driver {
	case "sqlite":
	case "postgres":
		switch {
		case c.Store.DSNEnv == "" && c.Store.DSNFile == "":
			p.Addf("store.dsn_env", "must name the environment variable holding the PostgreSQL connection string (or set dsn_file)")
		case c.Store.DSNEnv != "" && c.Store.DSNFile != "":
			p.Addf("store", "set only one of dsn_env and dsn_file")
		}
	default:
		p.Addf("store.driver", "%q: must be sqlite or postgres", c.Store.Driver)
	}
	if (c.TLS.CertFile == "") != (c.TLS.KeyFile == "") {
		p.Addf("tls", "set both cert_file and key_file, or neither")
	}
	if c.TLS.CertFile == "" && !c.InsecureListen && !loopback(c.Listen) {
		p.Addf("listen", "%q: agents' tokens would cross the network in clear; set tls (cert_file, key_file), or insecure_listen: true behind a TLS proxy", c.Listen)
	}
	for i, tp := range c.TrustedProxies {
		if _, err := auth.ParseProxies([]string{tp}); err != nil {
			p.Addf(strictyaml.Index("trusted_proxies", i), "%v", err)
		}
	}
	c.validateSLA(p)
	if c.MaxDecodeBytes < 0 {
		p.Addf("max_decode_bytes", "%d: must not be negative", c.MaxDecodeBytes)
	}
	if m := c.Metrics; (m.Username == "") != (m.PasswordBcrypt == "") {
		p.Addf("metrics", "set both username and password_bcrypt, or neither")
	} else if m.Username != "" {
		if _, err := auth.NewUsers(map[string]string{m.Username: m.PasswordBcrypt}); err != nil {
			p.Addf("metrics.password_bcrypt", "must be a bcrypt hash")
		}
	}
	if c.Metrics.Listen != "" && c.Metrics.Listen == c.Listen {
		p.Addf("metrics.listen", "%q: must differ from listen", c.Metrics.Listen)
	}
	if c.Retention < 24*time.Hour {
		p.Addf("retention", "%v: must be at least 24h", c.Retention)
	}
	if c.IncidentRetention < 24*time.Hour {
		p.Addf("incident_retention", "%v: must be at least 24h", c.IncidentRetention)
	}
	if c.SLARetention < c.Retention {
		p.Addf("sla_retention", "%v: must be at least retention (%v): the rollups of days whose results are kept would be rolled up again", c.SLARetention, c.Retention)
	}
	hashes := map[string]string{}
	for i, a := range c.Agents {
		path := strictyaml.Index("agents", i)
		if a.Branch == "" {
			p.Addf(path+".branch", "must be set")
		}
		if _, dup := hashes[a.Branch]; dup {
			p.Addf(path+".branch", "%q: listed twice", a.Branch)
		}
		hashes[a.Branch] = a.TokenSHA256
		if _, err := auth.NewTokens(map[string]string{a.Branch: a.TokenSHA256}); err != nil {
			p.Addf(path+".token_sha256", "must be 64 hex digits (the SHA-256 of the token)")
		}
	}
	c.validateUsers(p)
}

// loopback reports whether addr listens on this machine only.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// proxies are the trusted proxies of a validated config.
func (c *Config) proxies() auth.Proxies {
	p, _ := auth.ParseProxies(c.TrustedProxies) // validate checked each
	return p
}

// tokens and users build the auth tables from a validated config.
func (c *Config) tokens() *auth.Tokens {
	m := map[string]string{}
	for _, a := range c.Agents {
		m[a.Branch] = a.TokenSHA256
	}
	t, _ := auth.NewTokens(m)
	return t
}

func (c *Config) users() *auth.Users {
	accounts := make([]auth.Account, 0, len(c.Users))
	for _, u := range c.Users {
		accounts = append(accounts, auth.Account{PasswordBcrypt: u.PasswordBcrypt,
			Person: auth.Person{Name: u.Name, Role: u.Role, Branches: u.Branches, Regions: u.Regions}})
	}
	u, _ := auth.NewAccounts(accounts)
	return u
}

// metricsLogin returns the guard of /metrics, or nil when it has none.
func (c *Config) metricsLogin() func(http.Handler) http.Handler {
	if c.Metrics.Username == "" {
		return nil
	}
	u, _ := auth.NewUsers(map[string]string{c.Metrics.Username: c.Metrics.PasswordBcrypt})
	return u.Require
}
