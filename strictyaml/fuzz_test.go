package strictyaml

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// fuzzTarget has every kind of field the configurations use.
type fuzzTarget struct {
	Name     string            `yaml:"name"`
	Count    int               `yaml:"count"`
	Size     int64             `yaml:"size"`
	Ratio    float64           `yaml:"ratio"`
	On       bool              `yaml:"on"`
	Every    time.Duration     `yaml:"every"`
	Tags     []string          `yaml:"tags"`
	Labels   map[string]string `yaml:"labels"`
	Optional *int              `yaml:"optional"`
	Items    []struct {
		ID     string         `yaml:"id"`
		Limits map[string]int `yaml:"limits"`
		Inner  *fuzzTarget    `yaml:"inner"`
	} `yaml:"items"`
}

// FuzzDecode decodes arbitrary YAML strictly, seeded from the shipped
// configurations: every input gives a value or errors with a line, never a
// crash.
func FuzzDecode(f *testing.F) {
	for _, pattern := range []string{"../configs/*/*.yaml", "../config/testdata/invalid/*.yaml"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			b, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Add([]byte("name: a\ncount: 3\nevery: 90s\ntags: [x, y]\nlabels: {a: b}\nitems:\n  - id: one\n    inner: {name: deep, items: [{id: two}]}\n"))
	f.Add([]byte("&a [*a, *a]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var v fuzzTarget
		_, errs := Decode("fuzz.yaml", data, &v)
		for _, e := range errs {
			if e.Error() == "" {
				t.Error("an error without words")
			}
		}
	})
}
