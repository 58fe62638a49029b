package config_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/branchready/branchready/config"
)

func TestAlertFieldsAreCheckedAndReachTheDescriptor(t *testing.T) {
	t.Run("a negative figure, an unknown parent and a loop are each reported", func(t *testing.T) {
		_, err := config.Load(filepath.Join("testdata", "invalid", "alert-fields.yaml"))
		want := []string{
			`testdata/invalid/alert-fields.yaml:9: devices[0].transactions_per_day: -5: must not be negative`,
			`testdata/invalid/alert-fields.yaml:10: devices[0].depends_on: "router": must name another device of this branch`,
			`testdata/invalid/alert-fields.yaml:15: devices[1].depends_on: "b": devices depend on each other in a loop`,
			`testdata/invalid/alert-fields.yaml:20: devices[2].depends_on: "a": devices depend on each other in a loop`,
		}
		if err == nil || err.Error() != strings.Join(want, "\n") {
			t.Errorf("got\n%v\nwant\n%s", err, strings.Join(want, "\n"))
		}
	})
	t.Run("transactions_per_day, depends_on and remedy travel in the descriptor", func(t *testing.T) {
		yaml := `branch: {id: b1, name: B1, timezone: Europe/London, hours: {mon: "09:00-17:00"}}
devices:
  - {id: router, kind: network, checks: [{name: ping, tcp: {address: "127.0.0.1:1"}}]}
  - id: atm-01
    kind: atm
    transactions_per_day: 305
    depends_on: router
    checks:
      - {name: t, remedy: "Power-cycle it.", tcp: {address: "127.0.0.1:1"}}
`
		l, err := config.Parse("b1.yaml", []byte(yaml), func(string) string { return "" }, nil)
		if err != nil {
			t.Fatal(err)
		}
		d := l.Descriptor().Devices[1]
		if d.TransactionsPerDay != 305 || d.DependsOn != "router" || d.Checks[0].Remedy != "Power-cycle it." {
			t.Errorf("descriptor device %+v", d)
		}
	})
}
