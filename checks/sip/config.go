package sip

import (
	"crypto/tls"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/branchready/branchready/checks"
)

// Config is the sip kind's options.
type Config struct {
	Server    string `yaml:"server" doc:"PBX or SBC as host or host:port; the port defaults to 5060 (5061 over TLS)."`
	Transport string `yaml:"transport" doc:"udp (default), tcp or tls."`
	Domain    string `yaml:"domain" doc:"SIP domain in request URIs and the address of record; default the server's host."`
	// DegradedCodes are answers that show the server alive but unwilling.
	DegradedCodes []int         `yaml:"degraded_codes" doc:"OPTIONS status codes that mean degraded rather than fail; default 401, 403, 404, 405, 407, 501."`
	SlowAfter     time.Duration `yaml:"slow_after" doc:"OPTIONS round-trip time above which the check is degraded."`
	CAFile        string        `yaml:"ca_file" doc:"PEM file of CA certificates to trust for tls besides the system ones."`
	TLSServerName string        `yaml:"tls_server_name" doc:"Name the server's TLS certificate must carry; default the server's host."`
	Register      *Register     `yaml:"register" doc:"Also register a monitoring extension with digest authentication, then unregister it."`
}

// Register is the monitoring extension the check registers.
type Register struct {
	Extension    string        `yaml:"extension" doc:"The monitoring extension, the user part of the address of record, e.g. 900."`
	AuthUser     string        `yaml:"auth_user" doc:"Digest user name; default the extension."`
	PasswordEnv  string        `yaml:"password_env" doc:"Environment variable holding the extension's password."`
	PasswordFile string        `yaml:"password_file" doc:"File holding the extension's password (trailing newline ignored)."`
	Expires      time.Duration `yaml:"expires" doc:"Lifetime asked for the registration, should unregistering fail; default 60s."`
}

// Defaults for unset options.
var (
	DefaultDegradedCodes = []int{401, 403, 404, 405, 407, 501}
	DefaultExpires       = 60 * time.Second
)

// Timers of RFC 3261 for UDP retransmission.
const (
	defaultT1 = 500 * time.Millisecond
	t2        = 4 * time.Second
)

// Check is a compiled sip check.
type Check struct {
	server    string // as configured, for reasons
	host      string
	port      string
	transport string // udp, tcp or tls
	domain    string
	degraded  map[int]bool
	slowAfter time.Duration
	tls       *tls.Config
	register  *registration
	t1        time.Duration
}

type registration struct {
	extension, authUser, password string
	expires                       int // seconds
}

// New validates c and builds a Check. caPEM is the content of ca_file and
// password the extension's password, both read by the caller (see
// ReadPassword) so that New does no I/O.
func New(c Config, caPEM []byte, password string) (*Check, error) {
	var p checks.Problems
	chk := &Check{server: c.Server, transport: strings.ToLower(c.Transport), slowAfter: c.SlowAfter, t1: defaultT1}
	switch chk.transport {
	case "":
		chk.transport = "udp"
	case "udp", "tcp", "tls":
	default:
		p.Addf("transport", "%q: must be udp, tcp or tls", c.Transport)
	}
	chk.host, chk.port = hostPort(&p, c.Server, chk.transport)
	chk.domain = c.Domain
	if chk.domain == "" {
		chk.domain = chk.host
	}
	chk.degraded = degradedCodes(&p, c.DegradedCodes)
	if c.SlowAfter < 0 {
		p.Addf("slow_after", "%v: must not be negative", c.SlowAfter)
	}
	chk.tls = tlsConfig(&p, c, chk.transport, chk.host, caPEM)
	chk.register = compileRegister(&p, c.Register, password)
	if err := p.Err(); err != nil {
		return nil, err
	}
	return chk, nil
}

func hostPort(p *checks.Problems, server, transport string) (string, string) {
	if server == "" {
		p.Addf("server", "must be set to the PBX's host or host:port")
		return "", ""
	}
	host, port, err := net.SplitHostPort(server)
	if err != nil {
		host, port = strings.Trim(server, "[]"), "5060"
		if transport == "tls" {
			port = "5061"
		}
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		p.Addf("server", "%q: port must be 1-65535", server)
	}
	if host == "" || strings.ContainsAny(host, " /") {
		p.Addf("server", "%q: must be host or host:port", server)
	}
	return host, port
}

func degradedCodes(p *checks.Problems, codes []int) map[int]bool {
	if codes == nil {
		codes = DefaultDegradedCodes
	}
	out := map[int]bool{}
	for i, c := range codes {
		switch {
		case c < 100 || c > 699:
			p.Addf("degraded_codes["+strconv.Itoa(i)+"]", "%d: must be a SIP status code, 100-699", c)
		case c < 300:
			p.Addf("degraded_codes["+strconv.Itoa(i)+"]", "%d: a 1xx or 2xx answer cannot be degraded", c)
		}
		out[c] = true
	}
	return out
}

func tlsConfig(p *checks.Problems, c Config, transport, host string, caPEM []byte) *tls.Config {
	if transport != "tls" {
		if c.CAFile != "" || c.TLSServerName != "" {
			p.Addf("transport", "ca_file and tls_server_name need transport: tls")
		}
		return nil
	}
	conf := checks.TLSConfig(p, caPEM, c.CAFile)
	conf.ServerName = c.TLSServerName
	if conf.ServerName == "" {
		conf.ServerName = host
	}
	return conf
}

func compileRegister(p *checks.Problems, r *Register, password string) *registration {
	if r == nil {
		return nil
	}
	reg := &registration{extension: r.Extension, authUser: r.AuthUser, password: password, expires: int(DefaultExpires / time.Second)}
	if r.Extension == "" || strings.ContainsAny(r.Extension, " @:;<>\"") {
		p.Addf("register.extension", "%q: must be the extension's user part, e.g. 900", r.Extension)
	}
	if reg.authUser == "" {
		reg.authUser = r.Extension
	}
	if r.PasswordEnv != "" && r.PasswordFile != "" {
		p.Addf("register.password_file", "set either password_env or password_file, not both")
	}
	switch {
	case r.Expires < 0, r.Expires > 0 && r.Expires < time.Second:
		p.Addf("register.expires", "%v: must be at least 1s", r.Expires)
	case r.Expires > 0:
		reg.expires = int(r.Expires / time.Second)
	}
	return reg
}
