package sip

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/branchready/branchready/checks"
)

// ReadPassword resolves the monitoring extension's password from
// register.password_env or register.password_file (relative to dir). It
// returns "" when c registers nothing or names no password; its errors are
// checks.FieldErrors that never quote the secret.
func ReadPassword(c Config, dir string) (string, error) {
	r := c.Register
	switch {
	case r == nil || (r.PasswordEnv == "" && r.PasswordFile == ""):
		return "", nil
	case r.PasswordEnv != "":
		v, ok := os.LookupEnv(r.PasswordEnv)
		if !ok || v == "" {
			return "", checks.Invalid("register.password_env", "environment variable %s is not set", r.PasswordEnv)
		}
		return v, nil
	}
	file := r.PasswordFile
	if !filepath.IsAbs(file) && dir != "" {
		file = filepath.Join(dir, file)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return "", checks.Invalid("register.password_file", "cannot read %s: %v", file, err)
	}
	v := strings.TrimRight(string(data), "\r\n")
	if v == "" {
		return "", checks.Invalid("register.password_file", "%s is empty", file)
	}
	return v, nil
}

// String keeps the password out of logs that print a registration.
func (r *registration) String() string {
	return fmt.Sprintf("extension %s (auth user %s, password <secret>)", r.extension, r.authUser)
}
