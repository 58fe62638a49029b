package http

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/branchready/branchready/checks"
)

// Config is the http kind's options. Without steps, url, method, status,
// body_regex and headers describe a single request (the one-step shorthand).
type Config struct {
	URL    string `yaml:"url" doc:"http:// or https:// URL to request (one-step shorthand for steps)."`
	Method string `yaml:"method" doc:"HTTP method; default GET."`
	// Status lists the accepted status codes; default any 2xx.
	Status    []int             `yaml:"status" doc:"Accepted status codes; default any 2xx."`
	BodyRegex string            `yaml:"body_regex" doc:"Regular expression the body must match."`
	Headers   map[string]string `yaml:"headers" doc:"Request headers."`

	// Transaction names the steps as a whole in reasons.
	Transaction string `yaml:"transaction" doc:"Name of the transaction in reasons, e.g. \"online banking login\"."`
	Steps       []Step `yaml:"steps" doc:"A scripted transaction: requests made in order with one cookie jar; replaces url, method, status, body_regex and headers."`
	// Username and the password are what ${username} and ${password} expand to.
	Username     string `yaml:"username" doc:"Value of ${username} in steps."`
	PasswordEnv  string `yaml:"password_env" doc:"Environment variable holding the value of ${password}."`
	PasswordFile string `yaml:"password_file" doc:"File holding the value of ${password} (trailing newline ignored)."`

	// CertDegradedUnder and CertFailUnder bound the certificate's remaining life.
	CertDegradedUnder time.Duration `yaml:"cert_degraded_under" doc:"Degraded when the TLS certificate expires within this; default 336h (14 days)."`
	CertFailUnder     time.Duration `yaml:"cert_fail_under" doc:"Fail when the TLS certificate expires within this; default 72h."`
	// CAFile trusts an extra CA (a private online-banking test site).
	CAFile    string        `yaml:"ca_file" doc:"PEM file of CA certificates to trust besides the system ones."`
	SlowAfter time.Duration `yaml:"slow_after" doc:"Response time (of all steps together) above which the check is degraded."`
}

// Step is one request of a transaction and what its response must show.
type Step struct {
	Name   string `yaml:"name" doc:"What the step does, for reasons (e.g. \"submit credentials\"); default \"step N\"."`
	Method string `yaml:"method" doc:"HTTP method; default GET, or POST when form or body is set."`
	URL    string `yaml:"url" doc:"Absolute URL, or relative to the previous step's URL; the first step's must be absolute."`
	// Form is sent URL-encoded; its values may use ${name}.
	Form            map[string]string `yaml:"form" doc:"Form fields sent as application/x-www-form-urlencoded; values may use ${name}."`
	Body            string            `yaml:"body" doc:"Raw request body; may use ${name}. Exclusive with form."`
	Headers         map[string]string `yaml:"headers" doc:"Request headers; values may use ${name}."`
	FollowRedirects bool              `yaml:"follow_redirects" doc:"Follow redirects and judge the final page; by default a redirect is the response."`
	Status          []int             `yaml:"status" doc:"Accepted status codes; default any 3xx when location is set, else any 2xx."`
	Location        string            `yaml:"location" doc:"Regular expression the Location header must match; implies a redirect."`
	BodyRegex       string            `yaml:"body_regex" doc:"Regular expression the body must match."`
	Extract         []Extract         `yaml:"extract" doc:"Values taken from the response into variables for later steps."`
}

// Extract takes one value from a response body into a variable.
type Extract struct {
	Var   string `yaml:"var" doc:"Variable name, used later as ${var}."`
	Regex string `yaml:"regex" doc:"Regular expression with one capture group; the group is the value."`
	Input string `yaml:"input" doc:"Name of an HTML <input>; its value attribute is the value (hidden CSRF fields)."`
}

// SecretResolver returns the value of a secret held in the environment
// variable env or in file (exactly one is set). It is called at run time so
// that a rotated password is picked up; its errors must not quote the value.
type SecretResolver func(env, file string) (string, error)

// Option adjusts how New builds a Check.
type Option func(*options)

type options struct {
	secrets SecretResolver
	now     func() time.Time
}

// WithSecrets sets how password_env and password_file are resolved; the
// default reads the process environment and the file system (OSSecrets).
func WithSecrets(r SecretResolver) Option { return func(o *options) { o.secrets = r } }

// Check is a compiled http check.
type Check struct {
	transaction   string
	shorthand     bool
	steps         []*step
	username      string
	passwordEnv   string
	passwordFile  string
	certDeg, cert time.Duration
	slowAfter     time.Duration
	transport     http.RoundTripper
	// needsJar is set when a cookie could matter: a later step, or a
	// redirect followed within a step, may be sent one an earlier response
	// set. A single request that does not follow redirects (every
	// shorthand check) has no use for a jar: making one and asking it for
	// cookies was 2-3% of the agent's CPU on 500 plain HTTP probes (issue
	// 11).
	needsJar bool
	secrets  SecretResolver
	now      func() time.Time
}

// New validates c and builds a Check. caPEM is the content of CAFile, read
// by the caller so that New does no I/O.
func New(c Config, caPEM []byte, opts ...Option) (*Check, error) {
	o := options{secrets: OSSecrets, now: time.Now}
	for _, opt := range opts {
		opt(&o)
	}
	var p checks.Problems
	chk := &Check{
		transaction: c.Transaction, username: c.Username,
		passwordEnv: c.PasswordEnv, passwordFile: c.PasswordFile,
		slowAfter: c.SlowAfter, secrets: o.secrets, now: o.now,
	}
	if c.PasswordEnv != "" && c.PasswordFile != "" {
		p.Addf("password_file", "set either password_env or password_file, not both")
	}
	chk.steps, chk.shorthand = compileSteps(&p, c, chk.known())
	chk.certDeg, chk.cert = certBounds(&p, c)
	if c.SlowAfter < 0 {
		p.Addf("slow_after", "%v: must not be negative", c.SlowAfter)
	}
	tlsConf := checks.TLSConfig(&p, caPEM, c.CAFile)
	if err := p.Err(); err != nil {
		return nil, err
	}
	tlsConf.ClientSessionCache = checks.NewSessionCache(checks.DefaultSessionMaxAge, o.now)
	if c.PasswordEnv == "" && c.PasswordFile == "" {
		// A probe that sends no password carries nothing worth recording
		// now to decrypt in the post-quantum future, so it skips the hybrid
		// X25519MLKEM768 key exchange Go offers by default: its ML-KEM half
		// was a quarter of the agent's CPU on a sweep of 500 HTTPS devices
		// (issue 11). A check that logs in keeps the default.
		tlsConf.CurvePreferences = classicCurves
	}
	chk.transport = &direct{
		// A probe's connection lives for one request: keep-alive probes
		// would never fire.
		dialer: net.Dialer{KeepAlive: -1},
		proxy:  http.ProxyFromEnvironment,
		next:   &http.Transport{TLSClientConfig: tlsConf, DisableKeepAlives: true, Proxy: http.ProxyFromEnvironment},
	}
	chk.needsJar = needsJar(chk.steps)
	return chk, nil
}

// needsJar reports whether a cookie set by one response can be sent with a
// later request of the same run.
func needsJar(steps []*step) bool {
	if len(steps) > 1 {
		return true
	}
	for _, st := range steps {
		if st.follow {
			return true
		}
	}
	return false
}

// classicCurves are the key exchanges of a probe that sends no secret.
var classicCurves = []tls.CurveID{tls.X25519, tls.CurveP256}

// known lists the variables defined before any step runs.
func (c *Check) known() map[string]bool {
	k := map[string]bool{}
	if c.username != "" {
		k["username"] = true
	}
	if c.passwordEnv != "" || c.passwordFile != "" {
		k["password"] = true
	}
	return k
}

func certBounds(p *checks.Problems, c Config) (degraded, fail time.Duration) {
	degraded, fail = c.CertDegradedUnder, c.CertFailUnder
	if degraded == 0 {
		degraded = 14 * 24 * time.Hour
	}
	if fail == 0 {
		fail = 72 * time.Hour
	}
	if fail > degraded {
		p.Addf("cert_fail_under", "%v: must not exceed cert_degraded_under (%v)", fail, degraded)
	}
	return degraded, fail
}

// stepField names an option of step i for a config error.
func stepField(shorthand bool, i int, field string) string {
	if shorthand {
		return field
	}
	return fmt.Sprintf("steps[%d].%s", i, field)
}
