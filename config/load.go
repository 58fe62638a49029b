package config

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/result"
	"github.com/branchready/branchready/strictyaml"
)

// Loaded is a configuration file that decoded and validated.
type Loaded struct {
	File     File
	Path     string
	Lines    strictyaml.Lines
	Calendar *calendar.Calendar
	// Hash identifies this version of the configuration (with its holiday files).
	Hash string
	// Token is the resolved collector token, empty when none is configured.
	Token Secret
	// CollectorCA is the content of collector.ca_file (nil: system CAs only).
	CollectorCA []byte
	// TokenErr says why the token could not be read (a missing token file or
	// environment variable). It is not a configuration error: validate
	// warns about it, and run refuses to start.
	TokenErr error
	// FallbackURL is the resolved Slack webhook of the fallback alert, empty
	// when none is configured; FallbackErr says why it could not be read.
	FallbackURL Secret
	FallbackErr error
}

// Problems returns an accumulator that names this file and its lines, for
// validation done outside this package (check factories).
func (l *Loaded) Problems() *strictyaml.Problems {
	return &strictyaml.Problems{File: l.Path, Lines: l.Lines}
}

// HolidayFile is a reusable holiday calendar.
type HolidayFile struct {
	Holidays []calendar.Holiday `yaml:"holidays" doc:"Dates closed or with special hours."`
}

// Load reads, decodes and validates a branch configuration. On failure the
// error is a strictyaml.Errors with every problem found.
func Load(path string) (*Loaded, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Parse(path, data, os.Getenv, os.ReadFile)
}

// Parse is Load with the file's content given and the environment and file
// system injected.
func Parse(path string, data []byte, getenv func(string) string, readFile func(string) ([]byte, error)) (*Loaded, error) {
	l := &Loaded{Path: path}
	var errs strictyaml.Errors
	l.Lines, errs = strictyaml.Decode(path, data, &l.File)
	if len(errs) > 0 {
		return nil, errs.Err()
	}
	h := sha256.New()
	h.Write(data)
	p := l.Problems()
	f := &l.File
	dir := filepath.Dir(path)
	f.applyProfiles(p, dir, readFile)
	f.applyDefaults(path, getenv)
	for i, hf := range f.Branch.HolidayFiles {
		fp := hf
		if !filepath.IsAbs(fp) {
			fp = filepath.Join(dir, fp)
		}
		hdata, err := readFile(fp)
		if err != nil {
			p.Addf(strictyaml.Index("branch.holiday_files", i), "%v", err)
			continue
		}
		h.Write(hdata)
		var hol HolidayFile
		if _, herrs := strictyaml.Decode(fp, hdata, &hol); len(herrs) > 0 {
			p.Errs = append(p.Errs, herrs...)
			continue
		}
		for j := range hol.Holidays {
			hol.Holidays[j].Source = hf
		}
		f.Branch.Holidays = append(f.Branch.Holidays, hol.Holidays...)
	}
	l.Hash = hex.EncodeToString(h.Sum(nil))[:16]
	f.validateBranch(p)
	if cal, probs := calendar.Compile(f.Branch.Spec); len(probs) > 0 {
		for _, pr := range probs {
			p.Addf("branch."+pr.Path, "%s", pr.Msg)
		}
	} else {
		l.Calendar = cal
	}
	l.Token, l.TokenErr = f.Collector.resolveToken(p, getenv, readFile, dir)
	f.Fallback.validate(p)
	l.FallbackURL, l.FallbackErr = f.Fallback.resolve(p, getenv, readFile, dir)
	if ca := f.Collector.CAFile; ca != "" {
		if !filepath.IsAbs(ca) {
			ca = filepath.Join(dir, ca)
		}
		if b, err := readFile(ca); err != nil {
			p.Addf("collector.ca_file", "%v", err)
		} else if !x509.NewCertPool().AppendCertsFromPEM(b) {
			p.Addf("collector.ca_file", "%q: holds no PEM certificate", f.Collector.CAFile)
		} else {
			l.CollectorCA = b
		}
	}
	f.validateDevices(p)
	f.validateAlertFields(p)
	f.validateGroups(p)
	f.validateMaintenance(p)
	if err := p.Errs.Err(); err != nil {
		return nil, err
	}
	return l, nil
}

func (f *File) applyDefaults(path string, getenv func(string) string) {
	if f.Agent.Listen == "" {
		f.Agent.Listen = DefaultListen
	}
	if f.Agent.SpoolMaxBytes == 0 {
		f.Agent.SpoolMaxBytes = DefaultSpoolMaxBytes
	}
	if f.Agent.StateDir == "" {
		// Set by the systemd unit (StateDirectory=) and the Windows service.
		f.Agent.StateDir = getenv("BRANCHREADY_STATE_DIR")
	}
	if f.Agent.DefaultTimeout == 0 {
		f.Agent.DefaultTimeout = DefaultCheckTimeout
	}
	if f.Agent.StateDir == "" {
		f.Agent.StateDir = filepath.Join(filepath.Dir(path), defaultStateDirSuffix)
	}
	if f.Collector.BatchSize == 0 {
		f.Collector.BatchSize = DefaultBatchSize
	}
	if f.Collector.Timeout == 0 {
		f.Collector.Timeout = DefaultShipTimeout
	}
	for i := range f.Devices {
		d := &f.Devices[i]
		if d.Criticality == "" {
			d.Criticality = DefaultCriticality
		}
		for j := range d.Checks {
			if d.Checks[j].Timeout == 0 {
				d.Checks[j].Timeout = f.Agent.DefaultTimeout
			}
		}
	}
}

func (f *File) validateBranch(p *strictyaml.Problems) {
	b := f.Branch
	if b.ID == "" {
		p.Addf("branch.id", "must be set")
	} else if !validID(b.ID) {
		p.Addf("branch.id", "%q: must be 1-64 lowercase letters, digits, '.', '_' or '-', not starting with '.' or '-'", b.ID)
	}
	if b.Name == "" {
		p.Addf("branch.name", "must be set")
	}
	a := f.Agent
	if a.Concurrency < 0 || a.Concurrency > 1024 {
		p.Addf("agent.concurrency", "%d: must be 1-1024, or 0 for as many as the sweep has (16-256)", a.Concurrency)
	}
	if a.SpoolMaxBytes < 1<<20 {
		p.Addf("agent.spool_max_bytes", "%d: must be at least 1 MiB (1048576)", a.SpoolMaxBytes)
	}
	if a.DefaultTimeout < 0 {
		p.Addf("agent.default_timeout", "%v: must be positive", a.DefaultTimeout)
	}
	c := f.Collector
	if c.URL != "" {
		if u, err := url.Parse(c.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			p.Addf("collector.url", "%q: must be an absolute http:// or https:// URL", c.URL)
		}
	}
	if c.BatchSize < 1 || c.BatchSize > 5000 {
		p.Addf("collector.batch_size", "%d: must be 1-5000", c.BatchSize)
	}
}

// resolveToken reads the token from exactly one of token, token_file and
// token_env. Errors name the source, never the value.
func (c *Collector) resolveToken(p *strictyaml.Problems, getenv func(string) string, readFile func(string) ([]byte, error), dir string) (Secret, error) {
	n := 0
	for _, set := range []bool{c.Token != "", c.TokenFile != "", c.TokenEnv != ""} {
		if set {
			n++
		}
	}
	switch {
	case n > 1:
		p.Addf("collector", "set only one of token, token_file and token_env")
		return "", nil
	case c.TokenFile != "":
		fp := c.TokenFile
		if !filepath.IsAbs(fp) {
			fp = filepath.Join(dir, fp)
		}
		b, err := readFile(fp)
		if err != nil {
			return "", fmt.Errorf("%s:%d: collector.token_file: %w", p.File, p.Lines.Line("collector.token_file"), err)
		}
		return checkToken(p, "collector.token_file", Secret(strings.TrimSpace(string(b)))), nil
	case c.TokenEnv != "":
		v := getenv(c.TokenEnv)
		if v == "" {
			return "", fmt.Errorf("%s:%d: collector.token_env: environment variable %s is empty or not set", p.File, p.Lines.Line("collector.token_env"), c.TokenEnv)
		}
		return checkToken(p, "collector.token_env", Secret(strings.TrimSpace(v))), nil
	case c.Token != "":
		return checkToken(p, "collector.token", c.Token), nil
	case c.URL != "":
		p.Addf("collector", "url is set but no token: set token_file or token_env")
	}
	return "", nil
}

func checkToken(p *strictyaml.Problems, path string, s Secret) Secret {
	if len(s.Reveal()) < 16 {
		p.Addf(path, "token is shorter than 16 characters; generate one with branchready-collector token")
		return ""
	}
	return s
}

func (f *File) validateDevices(p *strictyaml.Problems) {
	if len(f.Devices) == 0 {
		p.Addf("devices", "must list at least one device")
	}
	seen := map[string]int{}
	total := 0
	for i, d := range f.Devices {
		path := strictyaml.Index("devices", i)
		switch {
		case d.ID == "":
			p.Addf(path+".id", "must be set")
		case !validID(d.ID):
			p.Addf(path+".id", "%q: must be 1-64 lowercase letters, digits, '.', '_' or '-'", d.ID)
		default:
			if prev, dup := seen[d.ID]; dup {
				p.Addf(path+".id", "%q: already used by devices[%d]", d.ID, prev)
			}
			seen[d.ID] = i
		}
		if d.profileFailed {
			continue
		}
		if d.Kind == "" {
			p.Addf(path+".kind", "must be set to one of %s", strings.Join(DeviceKinds, ", "))
		} else if !slices.Contains(DeviceKinds, d.Kind) {
			p.Addf(path+".kind", "%q: must be one of %s", d.Kind, strings.Join(DeviceKinds, ", "))
		}
		switch d.Criticality {
		case result.Blocking, result.Degrading, result.Informational:
		default:
			p.Addf(path+".criticality", "%q: must be blocking, degrading or informational", d.Criticality)
		}
		if len(d.Checks) == 0 {
			p.Addf(path+".checks", "device %q has no checks", d.ID)
		}
		total += len(d.Checks)
		validateChecks(p, path, d.Checks)
	}
	if total > MaxChecksPerBranch {
		p.Addf("devices", "%d checks in all: at most %d per branch", total, MaxChecksPerBranch)
	}
}

func validateChecks(p *strictyaml.Problems, devPath string, cs []Check) {
	names := map[string]int{}
	for j, c := range cs {
		path := strictyaml.Index(devPath+".checks", j)
		if c.Name == "" {
			p.Addf(path+".name", "must be set")
		} else if prev, dup := names[c.Name]; dup {
			p.Addf(path+".name", "%q: already used by checks[%d]", c.Name, prev)
		} else {
			names[c.Name] = j
		}
		if c.Timeout < 0 {
			p.Addf(path+".timeout", "%v: must be positive", c.Timeout)
		}
		kinds, _ := c.Blocks()
		switch len(kinds) {
		case 0:
			p.Addf(path, "no check kind: set one of %s", strings.Join(Kinds(), ", "))
		case 1:
		default:
			p.Addf(path, "more than one check kind (%s): set exactly one", strings.Join(kinds, ", "))
		}
	}
}

// Descriptor returns what the collector needs to know about the branch.
func (l *Loaded) Descriptor() *result.Descriptor {
	f := l.File
	d := &result.Descriptor{Name: f.Branch.Name, Region: f.Branch.Region, Calendar: l.Calendar.Spec()}
	for _, dev := range f.Devices {
		rd := result.Device{ID: dev.ID, Kind: dev.Kind, Criticality: dev.Criticality, Vendor: dev.Vendor, Model: dev.Model,
			TransactionsPerDay: dev.TransactionsPerDay, DependsOn: dev.DependsOn}
		for _, c := range dev.Checks {
			rd.Checks = append(rd.Checks, result.CheckRef{Name: c.Name, Kind: c.Kind(), Remedy: c.Remedy})
		}
		d.Devices = append(d.Devices, rd)
	}
	d.Groups = f.descriptorGroups()
	d.Maintenance = f.Maintenance
	return d
}
