package strictyaml

import (
	"strings"
	"testing"
	"time"
)

type Inner struct {
	Port int           `yaml:"port"`
	Wait time.Duration `yaml:"wait"`
}

type doc struct {
	Name  string            `yaml:"name"`
	On    bool              `yaml:"on"`
	Ratio float64           `yaml:"ratio"`
	Small uint8             `yaml:"small"`
	Items []Inner           `yaml:"items"`
	Tags  map[string]string `yaml:"tags"`
	Ptr   *Inner            `yaml:"ptr"`
	Inner `yaml:",inline"`
}

func TestDecodeReportsEveryProblemWithLineAndPath(t *testing.T) {
	src := `name: x
on: yes
ratio: many
small: 300
items:
  - {port: 80, wait: 5s}
  - {port: http, wait: soon, colour: red}
tags: {a: "1", a: "2"}
ptr: [1]
port: 8080
name: y
`
	var d doc
	_, errs := Decode("f.yaml", []byte(src), &d)
	want := []string{
		`f.yaml:2: on: "yes": must be true or false`,
		`f.yaml:3: ratio: "many": must be a number`,
		`f.yaml:4: small: "300": must be a whole number from 0 to 255`,
		`f.yaml:7: items[1].port: "http": must be a whole number`,
		`f.yaml:7: items[1].wait: "soon": must be a duration such as 500ms, 30s or 5m`,
		`f.yaml:7: items[1].colour: unknown key`,
		`f.yaml:8: tags.a: duplicate key`,
		`f.yaml:9: ptr: must be a mapping, found a list`,
		`f.yaml:11: name: duplicate key`,
	}
	errs.Sort()
	if got := errs.Error(); got != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
	if d.Items[0].Port != 80 || d.Items[0].Wait != 5*time.Second || d.Port != 8080 {
		t.Errorf("good values were not decoded alongside the bad: %+v", d)
	}
}

func TestDecodeFollowsAnchorsAndIgnoresNulls(t *testing.T) {
	src := "items:\n  - &p {port: 1}\n  - *p\nptr: ~\n"
	var d doc
	if _, errs := Decode("f.yaml", []byte(src), &d); len(errs) > 0 {
		t.Fatal(errs)
	}
	if len(d.Items) != 2 || d.Items[1].Port != 1 || d.Ptr != nil {
		t.Errorf("decoded %+v", d)
	}
}

func TestDecodeRejectsEmptyAndMultiDocumentFiles(t *testing.T) {
	var d doc
	if _, errs := Decode("f.yaml", nil, &d); errs.Error() != "f.yaml:1: file is empty" {
		t.Errorf("empty: %v", errs)
	}
	if _, errs := Decode("f.yaml", []byte("name: a\n---\nname: b\n"), &d); !strings.Contains(errs.Error(), "more than one YAML document") {
		t.Errorf("two documents: %v", errs)
	}
}
