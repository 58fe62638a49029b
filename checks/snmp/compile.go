package snmp

import (
	"fmt"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/branchready/branchready/checks"
	"github.com/branchready/branchready/result"
	"github.com/gosnmp/gosnmp"
)

// spec is one compiled OID entry.
type spec struct {
	oid      string // numeric, without the leading dot
	name     string
	walk     bool
	optional bool
	detail   string
	observe  string
	labels   map[string]string
	rules    []rule
	// sameRowsAs, set only by presets, keeps the rows whose index also
	// appears under that OID (a printer's own hrDeviceStatus row).
	sameRowsAs string
}

// rule is one compiled Rule.
type rule struct {
	equals, notEquals map[string]bool
	min, max          *float64
	bits              []int
	status            result.Status
	reason            string
}

var (
	numericOID   = regexp.MustCompile(`^\.?[0-9]+(\.[0-9]+)+$`)
	placeholder  = regexp.MustCompile(`\{[^{}]*\}`)
	placeholders = map[string]bool{"{name}": true, "{value}": true, "{label}": true, "{index}": true, "{oid}": true, "{detail}": true, "{bit}": true}
	authProtos   = map[string]gosnmp.SnmpV3AuthProtocol{"MD5": gosnmp.MD5, "SHA": gosnmp.SHA, "SHA224": gosnmp.SHA224, "SHA256": gosnmp.SHA256, "SHA384": gosnmp.SHA384, "SHA512": gosnmp.SHA512}
	privProtos   = map[string]gosnmp.SnmpV3PrivProtocol{"DES": gosnmp.DES, "AES": gosnmp.AES, "AES192": gosnmp.AES192, "AES256": gosnmp.AES256}
)

// New validates c and builds a Check. lookupEnv resolves community_env,
// auth_password_env and priv_password_env (os.LookupEnv when nil); the
// values it returns never appear in errors or reasons.
func New(c Config, lookupEnv func(string) (string, bool)) (*Check, error) {
	if lookupEnv == nil {
		lookupEnv = os.LookupEnv
	}
	var p checks.Problems
	s := session(&p, c, lookupEnv)
	noun := "device"
	var specs []spec
	if c.Preset != "" {
		pr, ok := presets[c.Preset]
		if !ok {
			p.Addf("preset", "%q: must be one of %s", c.Preset, strings.Join(presetNames(), ", "))
		}
		noun, specs = pr.noun, append(specs, pr.specs...)
	}
	for i, o := range c.OIDs {
		sp, err := compileOID(o)
		p.Add(fmt.Sprintf("oids[%d]", i), err)
		specs = append(specs, sp)
	}
	if len(specs) == 0 && len(c.OIDs) == 0 && c.Preset == "" {
		p.Addf("oids", "set a preset or at least one OID to read")
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	return &Check{session: s, noun: noun, specs: specs, restart: !c.IgnoreRestart, dial: dialGoSNMP}, nil
}

// session validates the connection options.
func session(p *checks.Problems, c Config, lookupEnv func(string) (string, bool)) Session {
	s := Session{Retries: 1, Community: "public"}
	s.Host, s.Port = address(p, c.Address)
	if c.Retries < 0 || c.Retries > 5 {
		p.Addf("retries", "%d: must be 0-5", c.Retries)
	} else if c.Retries > 0 {
		s.Retries = c.Retries
	}
	switch c.Version {
	case "", "2c":
		s.Version = gosnmp.Version2c
		if c.Community != "" {
			s.Community = c.Community
		}
		if c.CommunityEnv != "" {
			s.Community = env(p, "community_env", c.CommunityEnv, lookupEnv)
		}
		if c.User != "" || c.AuthPasswordEnv != "" || c.PrivPasswordEnv != "" {
			p.Addf("version", "%q: user and passwords need version 3", c.Version)
		}
	case "3":
		s.Version = gosnmp.Version3
		usm(p, &s, c, lookupEnv)
	default:
		p.Addf("version", "%q: must be 2c or 3", c.Version)
	}
	return s
}

// usm validates the SNMPv3 user and its protocols and passwords.
func usm(p *checks.Problems, s *Session, c Config, lookupEnv func(string) (string, bool)) {
	s.User = c.User
	if c.User == "" {
		p.Addf("user", "must be set for version 3")
	}
	if c.AuthPasswordEnv != "" {
		s.AuthPass = password(p, "auth_password_env", c.AuthPasswordEnv, lookupEnv)
		s.Auth = gosnmp.SHA
		if c.AuthProtocol != "" {
			a, ok := authProtos[strings.ToUpper(c.AuthProtocol)]
			if !ok {
				p.Addf("auth_protocol", "%q: must be MD5, SHA, SHA224, SHA256, SHA384 or SHA512", c.AuthProtocol)
			}
			s.Auth = a
		}
	} else if c.AuthProtocol != "" {
		p.Addf("auth_password_env", "must be set when auth_protocol is %q", c.AuthProtocol)
	}
	if c.PrivPasswordEnv != "" {
		if c.AuthPasswordEnv == "" {
			p.Addf("priv_password_env", "needs auth_password_env too: SNMPv3 has no privacy without authentication")
		}
		s.PrivPass = password(p, "priv_password_env", c.PrivPasswordEnv, lookupEnv)
		s.Priv = gosnmp.AES
		if c.PrivProtocol != "" {
			v, ok := privProtos[strings.ToUpper(c.PrivProtocol)]
			if !ok {
				p.Addf("priv_protocol", "%q: must be AES, AES192, AES256 or DES", c.PrivProtocol)
			}
			s.Priv = v
		}
	} else if c.PrivProtocol != "" {
		p.Addf("priv_password_env", "must be set when priv_protocol is %q", c.PrivProtocol)
	}
}

func env(p *checks.Problems, field, name string, lookupEnv func(string) (string, bool)) string {
	v, ok := lookupEnv(name)
	if !ok || v == "" {
		p.Addf(field, "environment variable %s is not set", name)
	}
	return v
}

// password resolves a USM password; RFC 3414 wants at least 8 characters.
func password(p *checks.Problems, field, name string, lookupEnv func(string) (string, bool)) string {
	v := env(p, field, name, lookupEnv)
	if v != "" && len(v) < 8 {
		p.Addf(field, "the password in %s is shorter than 8 characters (SNMPv3 needs at least 8)", name)
	}
	return v
}

// address splits "host" or "host:port" and checks both parts.
func address(p *checks.Problems, a string) (string, uint16) {
	if a == "" {
		p.Addf("address", "must be set to the device's host or IP")
		return "", 0
	}
	host, port := a, "161"
	if h, pt, err := net.SplitHostPort(a); err == nil {
		host, port = h, pt
	} else {
		host = strings.TrimSuffix(strings.TrimPrefix(a, "["), "]")
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		p.Addf("address", "%q: port must be 1-65535", a)
		return host, 0
	}
	if host == "" || strings.ContainsAny(host, " /\t") {
		p.Addf("address", "%q: must be a host or IP, optionally with :port", a)
	}
	return host, uint16(n)
}

// compileOID validates one OID entry and its rules.
func compileOID(o OID) (spec, error) {
	var p checks.Problems
	sp := spec{oid: strings.TrimPrefix(o.OID, "."), name: o.Name, walk: o.Walk, optional: o.Optional,
		detail: strings.TrimPrefix(o.Detail, "."), observe: o.Observe, labels: o.Labels}
	if !numericOID.MatchString(o.OID) {
		p.Addf("oid", "%q: must be a numeric OID such as 1.3.6.1.2.1.1.3.0 (MIB names are not supported)", o.OID)
	}
	if o.Detail != "" && !numericOID.MatchString(o.Detail) {
		p.Addf("detail", "%q: must be a numeric OID", o.Detail)
	}
	if o.Detail != "" && !o.Walk {
		p.Addf("detail", "needs walk: true (the detail column is matched row by row)")
	}
	if sp.name == "" {
		sp.name = sp.oid
	}
	for i, r := range o.Rules {
		cr, err := compileRule(r)
		p.Add(fmt.Sprintf("rules[%d]", i), err)
		sp.rules = append(sp.rules, cr)
	}
	return sp, p.Err()
}

func compileRule(r Rule) (rule, error) {
	var p checks.Problems
	cr := rule{min: r.Min, max: r.Max, bits: r.Bits, status: result.Status(r.Status), reason: r.Reason}
	if !cr.status.Valid() {
		p.Addf("status", "%q: must be ok, degraded, fail or unknown", r.Status)
	}
	cr.equals, cr.notEquals = set(r.Equals), set(r.NotEquals)
	if cr.equals == nil && cr.notEquals == nil && r.Min == nil && r.Max == nil && len(r.Bits) == 0 {
		p.Addf("status", "rule has no condition: set equals, not_equals, min, max or bits")
	}
	if r.Min != nil && r.Max != nil && *r.Min > *r.Max {
		p.Addf("min", "%v: must not exceed max (%v)", *r.Min, *r.Max)
	}
	for i, b := range r.Bits {
		if b < 0 || b > 2047 {
			p.Addf(fmt.Sprintf("bits[%d]", i), "%d: must be 0-2047", b)
		}
	}
	if cr.reason == "" {
		cr.reason = "{name} {label}"
	}
	for _, ph := range placeholder.FindAllString(cr.reason, -1) {
		if !placeholders[ph] {
			p.Addf("reason", "%q: unknown placeholder %s (use {name} {value} {label} {index} {oid} {detail} {bit})", r.Reason, ph)
		}
	}
	return cr, p.Err()
}

func set(vs []string) map[string]bool {
	if len(vs) == 0 {
		return nil
	}
	m := make(map[string]bool, len(vs))
	for _, v := range vs {
		m[v] = true
	}
	return m
}
