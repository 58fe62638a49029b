package branches

import (
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
