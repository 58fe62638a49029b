package http

import (
	"strings"
	"testing"
	"time"
)

func TestNewRejects(t *testing.T) {
	step := func(s Step) Config { return Config{Steps: []Step{{URL: "https://bank.test/login"}, s}} }
	cases := []struct {
		name string
		c    Config
		want string
	}{
		{"a shorthand without a URL", Config{}, "url: must be set"},
		{"a relative shorthand URL", Config{URL: "/login"}, `url: "/login": must be an absolute http:// or https:// URL`},
		{"an ftp URL", Config{URL: "ftp://bank.test/"}, `url: "ftp://bank.test/": must be an absolute http:// or https:// URL`},
		{"a relative first step", Config{Steps: []Step{{URL: "/login"}}}, `steps[0].url: "/login": the first step's URL must be absolute (http:// or https://)`},
		{"shorthand options beside steps", Config{URL: "https://bank.test/", Steps: []Step{{URL: "https://bank.test/"}}}, "steps: use either url/method/status/body_regex/headers or steps, not both"},
		{"a status out of range", Config{URL: "https://bank.test/", Status: []int{99}}, "status[0]: 99: must be an HTTP status 100-599"},
		{"a broken body_regex", step(Step{URL: "/x", BodyRegex: "("}), "steps[1].body_regex: \"(\": invalid regular expression: error parsing regexp: missing closing ): `(`"},
		{"form and body together", step(Step{URL: "/x", Form: map[string]string{"a": "b"}, Body: "c"}), "steps[1].body: set either form or body, not both"},
		{"location with follow_redirects", step(Step{URL: "/x", Location: "/home", FollowRedirects: true}), "steps[1].location: asserts a redirect, so it cannot be combined with follow_redirects"},
		{"a variable no step extracts", step(Step{URL: "/x", Form: map[string]string{"t": "${csrf}"}}), "steps[1].form.t: ${csrf}: not defined; use a var extracted by an earlier step, or set username / password_env / password_file"},
		{"a variable used in the step that extracts it", Config{Steps: []Step{{URL: "https://bank.test/${csrf}", Extract: []Extract{{Var: "csrf", Input: "_csrf"}}}}},
			"steps[0].url: ${csrf}: not defined; use a var extracted by an earlier step, or set username / password_env / password_file"},
		{"${password} without a password option", Config{Username: "alice", Steps: []Step{{URL: "https://bank.test/", Body: "${password}"}}},
			"steps[0].body: ${password}: not defined; use ${username} or a var extracted by an earlier step"},
		{"both password options", Config{URL: "https://bank.test/", PasswordEnv: "A", PasswordFile: "b"}, "password_file: set either password_env or password_file, not both"},
		{"an extract with neither regex nor input", step(Step{URL: "/x", Extract: []Extract{{Var: "v"}}}), "steps[1].extract[0]: set exactly one of regex or input"},
		{"an extract regex with two groups", step(Step{URL: "/x", Extract: []Extract{{Var: "v", Regex: "(a)(b)"}}}), `steps[1].extract[0].regex: "(a)(b)": must have exactly one capture group, has 2`},
		{"an extract into password", step(Step{URL: "/x", Extract: []Extract{{Var: "password", Input: "p"}}}), `steps[1].extract[0].var: "password": is reserved for the credentials`},
		{"a bad method", step(Step{URL: "/x", Method: "GET /"}), `steps[1].method: "GET /": must be an HTTP method such as GET or POST`},
		{"cert_fail_under above cert_degraded_under", Config{URL: "https://bank.test/", CertFailUnder: 30 * 24 * time.Hour}, "cert_fail_under: 720h0m0s: must not exceed cert_degraded_under (336h0m0s)"},
		{"a CA file without certificates", Config{URL: "https://bank.test/", CAFile: "ca.pem"}, `ca_file: "ca.pem": holds no PEM certificate`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var ca []byte
			if tc.c.CAFile != "" {
				ca = []byte("not a certificate")
			}
			_, err := New(tc.c, ca)
			if err == nil || err.Error() != tc.want {
				t.Errorf("got error %v\nwant %q", err, tc.want)
			}
		})
	}
}

func TestNewReportsEveryProblemAtOnce(t *testing.T) {
	_, err := New(Config{Steps: []Step{{URL: "/a", BodyRegex: "("}, {Location: "["}}}, nil)
	if err == nil {
		t.Fatal("no error")
	}
	if n := strings.Count(err.Error(), "\n") + 1; n != 4 {
		t.Errorf("got %d problems, want 4:\n%v", n, err)
	}
}
