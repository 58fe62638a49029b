package registry

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/branchready/branchready/checks"
	httpcheck "github.com/branchready/branchready/checks/http"
	"github.com/branchready/branchready/checks/icmp"
	"github.com/branchready/branchready/checks/manual"
	"github.com/branchready/branchready/checks/modem"
	serialcheck "github.com/branchready/branchready/checks/serial"
	"github.com/branchready/branchready/checks/sip"
	"github.com/branchready/branchready/checks/snmp"
	"github.com/branchready/branchready/checks/tcp"
	"github.com/branchready/branchready/checks/usb"
	"github.com/branchready/branchready/checks/xfs4iot"
	"github.com/branchready/branchready/config"
	"github.com/branchready/branchready/result"
	"github.com/branchready/branchready/strictyaml"
)

// Env is what factories may need besides their options.
type Env struct {
	// Book holds staff confirmations for manual checks.
	Book manual.Book
	// Today returns the branch-local date and zone.
	Today func() (string, *time.Location)
	// ReadFile reads files named by options (CA bundles); paths are already
	// made absolute against the config file's folder.
	ReadFile func(string) ([]byte, error)
	// Dir is the config file's folder.
	Dir string
}

// Factory builds one check from its kind's options.
type Factory func(opts any, t checks.Target, env Env) (checks.Check, error)

// Kinds returns the registry: every check kind and its factory.
func Kinds() map[string]Factory {
	return map[string]Factory{
		"tcp": func(o any, _ checks.Target, _ Env) (checks.Check, error) {
			return tcp.New(*o.(*tcp.Config))
		},
		"http": func(o any, _ checks.Target, env Env) (checks.Check, error) {
			c := *o.(*httpcheck.Config)
			if c.PasswordFile != "" {
				c.PasswordFile = abs(env.Dir, c.PasswordFile)
			}
			pem, err := readCA(env, c.CAFile)
			if err != nil {
				return nil, err
			}
			return httpcheck.New(c, pem)
		},
		"manual": func(o any, t checks.Target, env Env) (checks.Check, error) {
			return manual.New(*o.(*manual.Config), t, env.Book, env.Today)
		},
		"snmp": func(o any, _ checks.Target, _ Env) (checks.Check, error) {
			return snmp.New(*o.(*snmp.Config), os.LookupEnv)
		},
		"icmp": func(o any, _ checks.Target, _ Env) (checks.Check, error) {
			return icmp.New(*o.(*icmp.Config))
		},
		"modem": func(o any, _ checks.Target, _ Env) (checks.Check, error) {
			return modem.New(*o.(*modem.Config))
		},
		"sip": func(o any, _ checks.Target, env Env) (checks.Check, error) {
			c := *o.(*sip.Config)
			pem, err := readCA(env, c.CAFile)
			if err != nil {
				return nil, err
			}
			pw, err := sip.ReadPassword(c, env.Dir)
			if err != nil {
				return nil, err
			}
			return sip.New(c, pem, pw)
		},
		"serial": func(o any, _ checks.Target, _ Env) (checks.Check, error) {
			return serialcheck.New(*o.(*serialcheck.Config), serialcheck.Hardware{})
		},
		"usb": func(o any, _ checks.Target, _ Env) (checks.Check, error) {
			return usb.New(*o.(*usb.Config), nil)
		},
		"xfs4iot": func(o any, t checks.Target, env Env) (checks.Check, error) {
			c := *o.(*xfs4iot.Config)
			pem, err := readCA(env, c.CAFile)
			if err != nil {
				return nil, err
			}
			return xfs4iot.New(c, t, pem)
		},
	}
}

// Names returns the registered kinds, sorted.
func Names() []string {
	var out []string
	for k := range Kinds() {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// readCA reads an extra CA bundle named by a kind's ca_file option.
func readCA(env Env, file string) ([]byte, error) {
	if file == "" {
		return nil, nil
	}
	pem, err := env.ReadFile(abs(env.Dir, file))
	if err != nil {
		return nil, checks.Invalid("ca_file", "%v", err)
	}
	return pem, nil
}

func abs(dir, p string) string {
	if filepath.IsAbs(p) || dir == "" {
		return p
	}
	return filepath.Join(dir, p)
}

// Compiled is one check ready to run.
type Compiled struct {
	// Path is where the check's options are in the file, e.g.
	// devices[2].checks[0].modem.
	Path        string
	Target      checks.Target
	Kind        string
	Criticality result.Criticality
	Timeout     time.Duration
	Check       checks.Check
}

// Compile builds every check of a loaded configuration, reporting every
// factory error with its file, line and path.
func Compile(l *config.Loaded, env Env) ([]Compiled, error) {
	if env.ReadFile == nil {
		env.ReadFile = os.ReadFile
	}
	if env.Dir == "" {
		env.Dir = filepath.Dir(l.Path)
	}
	if env.Today == nil {
		cal := l.Calendar
		env.Today = func() (string, *time.Location) {
			return time.Now().In(cal.Location()).Format(time.DateOnly), cal.Location()
		}
	}
	kinds := Kinds()
	p := l.Problems()
	var out []Compiled
	for i, d := range l.File.Devices {
		for j := range d.Checks {
			c := &d.Checks[j]
			names, opts := c.Blocks()
			if len(names) != 1 {
				continue // reported by config validation
			}
			path := fmt.Sprintf("devices[%d].checks[%d].%s", i, j, names[0])
			f, ok := kinds[names[0]]
			if !ok {
				p.Addf(path, "check kind %q is not registered", names[0])
				continue
			}
			t := checks.Target{Branch: l.File.Branch.ID, Device: d.ID, Check: c.Name}
			chk, err := f(opts[0], t, env)
			if err != nil {
				addFactoryError(p, path, err)
				continue
			}
			out = append(out, Compiled{Path: path, Target: t, Kind: names[0], Criticality: d.Criticality, Timeout: c.Timeout, Check: chk})
		}
	}
	if err := p.Errs.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// Warnings lists what in the compiled checks' options cannot work as
// written although it is valid (a wait longer than the check's timeout),
// each with the file, line and path of the option and the fix. Validate
// prints them; the agent still runs such checks.
func Warnings(l *config.Loaded, cs []Compiled) strictyaml.Errors {
	p := l.Problems()
	for _, c := range cs {
		if t, ok := c.Check.(checks.Timed); ok {
			addFactoryError(p, c.Path, errors.Join(t.TimingProblems(c.Timeout)...))
		}
	}
	return p.Errs
}

func addFactoryError(p *strictyaml.Problems, path string, err error) {
	for _, e := range checks.Flatten(err) {
		var fe *checks.FieldError
		if errors.As(e, &fe) {
			p.Addf(strictyaml.Join(path, fe.Field), "%s", fe.Msg)
		} else {
			p.Addf(path, "%v", e)
		}
	}
}
