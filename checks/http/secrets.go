package http

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
)

// OSSecrets resolves a secret from the process environment or a file. A
// relative file is relative to the working directory: the registry makes
// password_file absolute against the configuration's folder.
func OSSecrets(env, file string) (string, error) {
	if env != "" {
		v, ok := os.LookupEnv(env)
		if !ok || v == "" {
			return "", fmt.Errorf("environment variable %s is not set", env)
		}
		return v, nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return "", fmt.Errorf("cannot read %s: %w", file, pe.Err)
		}
		return "", fmt.Errorf("cannot read %s: %w", file, err)
	}
	v := strings.TrimRight(string(data), "\r\n")
	if v == "" {
		return "", fmt.Errorf("%s is empty", file)
	}
	return v, nil
}

// credentials returns the variables the transaction starts with (nil when
// none), and the secret values that must never leave in a reason.
func (c *Check) credentials() (vars map[string]string, secrets []string, err error) {
	if c.passwordEnv == "" && c.passwordFile == "" && c.username == "" {
		return nil, nil, nil // a check without credentials (most): no map to make
	}
	vars = map[string]string{}
	if c.username != "" {
		vars["username"] = c.username
	}
	if c.passwordEnv == "" && c.passwordFile == "" {
		return vars, nil, nil
	}
	pw, err := c.secrets(c.passwordEnv, c.passwordFile)
	if err != nil {
		where := "password_env " + c.passwordEnv
		if c.passwordEnv == "" {
			where = "password_file " + c.passwordFile
		}
		return nil, nil, fmt.Errorf("cannot read the password (%s): %w", where, err)
	}
	vars["password"] = pw
	return vars, []string{pw}, nil
}

// redact removes every form a secret may take in a request from text.
func redact(text string, secrets []string) string {
	for _, s := range secrets {
		if s == "" {
			continue
		}
		for _, form := range []string{s, url.QueryEscape(s), url.PathEscape(s)} {
			text = strings.ReplaceAll(text, form, "<secret>")
		}
	}
	return text
}
