package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"text/template"

	"github.com/branchready/branchready/configs"
	"github.com/branchready/branchready/result"
	"github.com/branchready/branchready/strictyaml"
)

// Profile is a ready set of checks for a kind of device. Its checks may use
// {{.var}} for the device's vars (and {{.id}} for the device id).
type Profile struct {
	Description string             `yaml:"description"`
	Kind        string             `yaml:"kind"`
	Criticality result.Criticality `yaml:"criticality"`
	// Vars are the variables a device using the profile must set.
	Vars []string `yaml:"vars"`
	// Defaults are the variables a device may set, with the value used
	// when it does not: everything else devices differ by (an SNMP
	// community or v3 user, a port, a protocol preset).
	Defaults map[string]string `yaml:"defaults"`
	Checks   []Check           `yaml:"checks"`
}

// ProfileNames lists the built-in profiles.
func ProfileNames() []string {
	names, _ := fs.Glob(configs.Profiles, "profiles/*.yaml")
	for i, n := range names {
		names[i] = strings.TrimSuffix(filepath.Base(n), ".yaml")
	}
	return names
}

// applyProfiles expands each device's profile into checks. A device's own
// checks replace the profile's checks of the same name and add the rest.
func (f *File) applyProfiles(p *strictyaml.Problems, dir string, readFile func(string) ([]byte, error)) {
	for i := range f.Devices {
		d := &f.Devices[i]
		if d.Profile == "" {
			if len(d.Vars) > 0 {
				p.Addf(strictyaml.Index("devices", i)+".vars", "vars are only used with a profile")
			}
			continue
		}
		path := strictyaml.Index("devices", i) + ".profile"
		prof, err := loadProfile(d.Profile, d, dir, readFile)
		if err != nil {
			var errs strictyaml.Errors
			if errors.As(err, &errs) {
				p.Errs = append(p.Errs, errs...)
			}
			p.Addf(path, "%q: %v", d.Profile, firstLine(err))
			d.profileFailed = true
			continue
		}
		if d.Kind == "" {
			d.Kind = prof.Kind
		}
		if d.Criticality == "" {
			d.Criticality = prof.Criticality
		}
		merged := append([]Check(nil), prof.Checks...)
		for _, own := range d.Checks {
			if j := slices.IndexFunc(merged, func(c Check) bool { return c.Name == own.Name }); j >= 0 {
				merged[j] = own
			} else {
				merged = append(merged, own)
			}
		}
		d.Checks = merged
	}
}

// loadProfile reads a built-in profile by name, or a profile file by path
// (relative to the config), and fills in the device's vars.
func loadProfile(name string, d *Device, dir string, readFile func(string) ([]byte, error)) (*Profile, error) {
	var data []byte
	var err error
	file := name
	if strings.ContainsAny(name, `/\`) || strings.HasSuffix(name, ".yaml") {
		if !filepath.IsAbs(file) {
			file = filepath.Join(dir, file)
		}
		data, err = readFile(file)
	} else {
		file = "profiles/" + name + ".yaml"
		data, err = fs.ReadFile(configs.Profiles, file)
		if err != nil {
			return nil, fmt.Errorf("no such profile; built-in profiles are %s", strings.Join(ProfileNames(), ", "))
		}
	}
	if err != nil {
		return nil, err
	}
	// The head (vars, defaults) is read from the profile with every
	// {{.var}} blank, so that unquoted ones (a port number) still parse.
	tmpl, err := template.New(file).Delims("{{", "}}").Parse(string(data))
	if err != nil {
		return nil, fmt.Errorf("profile template: %w", err)
	}
	var blank bytes.Buffer
	if err := tmpl.Option("missingkey=zero").Execute(&blank, map[string]string{}); err != nil {
		return nil, fmt.Errorf("profile template: %w", err)
	}
	var head Profile
	if _, errs := strictyaml.Decode(file, blank.Bytes(), &head); len(errs) > 0 {
		return nil, errs
	}
	vars := map[string]string{"id": d.ID}
	for k, v := range head.Defaults {
		vars[k] = v
	}
	for k, v := range d.Vars {
		vars[k] = v
	}
	var missing []string
	for _, v := range head.Vars {
		if _, ok := d.Vars[v]; !ok {
			missing = append(missing, v)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("the profile needs vars: %s (e.g. vars: {%s: ...})", strings.Join(missing, ", "), missing[0])
	}
	var buf bytes.Buffer
	if err := tmpl.Option("missingkey=error").Execute(&buf, vars); err != nil {
		return nil, fmt.Errorf("profile template: %w", err)
	}
	var prof Profile
	if _, errs := strictyaml.Decode(file, buf.Bytes(), &prof); len(errs) > 0 {
		return nil, errs
	}
	return &prof, nil
}

func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}
