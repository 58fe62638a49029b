package branches

import (
	"regexp"
	"strings"
	"testing"
)

func TestParseCSV(t *testing.T) {
	for _, c := range []struct {
		name, in string
		rows     int
		errs     []string
	}{
		{"a good file gives one row a line", "id,name,region,channel\nbr-001,Main Street,north,retail\nbr-002,\"Harbour, Pier 4\",south,private\n", 2, nil},
		{"a header in another case and spaces are accepted", "ID, Name, Region, Channel\n br-001 , Main ,north,retail\n", 1, nil},
		{"every bad line is reported with its number",
			"id,name,region,channel\nbr-001,Main,north,retail\nBR 2,X,north,retail\nbr-003,,north,retail\nbr-001,Again,north,retail\nbr-004,Short\n",
			0, []string{
				`branches.csv:3: id "BR 2": must be 1-64 lowercase`,
				`branches.csv:4: branch br-003: name: must be set`,
				`branches.csv:5: id "br-001": already on line 2`,
				`branches.csv:6: 2 fields: want 4`,
			}},
		{"a missing header is refused", "br-001,Main,north,retail\n", 0, []string{`branches.csv:1: header "br-001,Main,north,retail": want id,name,region,channel`}},
		{"an empty file is refused", "", 0, []string{"branches.csv:1: empty file"}},
		{"a broken quote names its line", "id,name,region,channel\nbr-001,\"Main,north,retail\n", 0, []string{"branches.csv:2:"}},
		{"an unterminated quote names the line where it opens, not the end of the file",
			"id,name,region,channel\nbr-001,Main,north,retail\nbr-002,\"Harbour,south,private\nbr-003,Station,south,retail\nbr-004,Airport,east,retail\nbr-005,Market,east,retail\nbr-006,Quay,west,private\n",
			0, []string{"branches.csv:3: a quoted field opens on this line and is never closed (read on to line 7 as one field)"}},
		{"a stray quote inside a field names its line and column", "id,name,region,channel\nbr-001,Main,north,retail\nbr-002,Ha\"rbour,south,private\n",
			0, []string{`branches.csv:3: column 10: bare " in non-quoted-field`}},
		{"a broken quote in the header is reported, not a crash", "\"id,name,region,channel\n", 0, []string{"branches.csv:1: column"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			rows, err := ParseCSV("branches.csv", strings.NewReader(c.in))
			if len(c.errs) == 0 {
				if err != nil || len(rows) != c.rows {
					t.Fatalf("ParseCSV = %d rows, %v; want %d rows", len(rows), err, c.rows)
				}
				return
			}
			if err == nil {
				t.Fatalf("ParseCSV = %d rows and no error; want %q", len(rows), c.errs)
			}
			for _, want := range c.errs {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q\nlacks %q", err, want)
				}
			}
			if got := len(strings.Split(err.Error(), "\n")); got != len(c.errs) {
				t.Errorf("%d errors reported, want %d:\n%v", got, len(c.errs), err)
			}
		})
	}
}

func FuzzParseCSV(f *testing.F) {
	for _, seed := range []string{
		"id,name,region,channel\nbr-001,Main Street,north,retail\nbr-002,\"Harbour, Pier 4\",south,private\n",
		"ID, Name, Region, Channel\n br-001 , Main ,north,retail\n",
		"id,name,region,channel\nbr-001,Main,north,retail\nBR 2,X,north,retail\nbr-001,Again,north,retail\nbr-004,Short\n",
		"id,name,region,channel\nbr-002,\"Harbour,south,private\nbr-003,Station,south,retail\n",
		"\"id,name,region,channel\n", "", "\"", "a\"b",
	} {
		f.Add(seed)
	}
	line := regexp.MustCompile(`^branches\.csv:\d+: \S`)
	f.Fuzz(func(t *testing.T, in string) {
		rows, err := ParseCSV("branches.csv", strings.NewReader(in))
		if err != nil {
			if rows != nil {
				t.Fatalf("rows %v returned with error %v", rows, err)
			}
			for _, l := range strings.Split(err.Error(), "\n") {
				if !line.MatchString(l) && !strings.HasPrefix(l, "branches.csv: ") {
					t.Fatalf("error line %q names no line of the file", l)
				}
			}
			return
		}
		for _, r := range rows {
			if err := r.Validate(); err != nil {
				t.Fatalf("row %+v returned though invalid: %v", r, err)
			}
		}
	})
}
