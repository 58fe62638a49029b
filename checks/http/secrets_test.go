package http

import (
	"os"
	"path/filepath"
	"testing"
)

func TestOSSecrets(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "pw")
	if err := os.WriteFile(file, []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("BRANCHREADY_TEST_PW", "from-env")
	cases := []struct {
		name, env, file, want, wantErr string
	}{
		{"a set variable gives its value", "BRANCHREADY_TEST_PW", "", "from-env", ""},
		{"an unset variable is an error naming it", "BRANCHREADY_TEST_UNSET", "", "", "environment variable BRANCHREADY_TEST_UNSET is not set"},
		{"a file gives its content without the newline", "", file, "from-file", ""},
		{"a missing file is an error naming it", "", filepath.Join(dir, "nope"), "", "cannot read " + filepath.Join(dir, "nope") + ": no such file or directory"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := OSSecrets(tc.env, tc.file)
			if got != tc.want || (err == nil) != (tc.wantErr == "") || err != nil && err.Error() != tc.wantErr {
				t.Errorf("got %q, %v; want %q, %q", got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func TestRedactHidesEveryEncodingOfTheSecret(t *testing.T) {
	got := redact("typed p@ss word, sent p%40ss+word and p@ss%20word", []string{"p@ss word"})
	want := "typed <secret>, sent <secret> and <secret>"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
