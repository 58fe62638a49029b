package sla

import "testing"

func TestZone(t *testing.T) {
	o := Objective{Desired: 0.95, Adequate: 0.90}
	tests := []struct {
		name        string
		good, total float64
		want        Zone
	}{
		{"well above desired is above desired", 20, 20, AboveDesired},
		{"exactly desired (19 of 20) is above desired", 19, 20, AboveDesired},
		{"just under desired is tolerated", 189, 200, Tolerated},
		{"exactly adequate (18 of 20) is tolerated", 18, 20, Tolerated},
		{"just under adequate is a breach", 179, 200, Breach},
		{"nothing due is no data, not a breach", 0, 0, NoData},
	}
	for _, c := range tests {
		t.Run(c.name, func(t *testing.T) {
			if got := o.Zone(c.good, c.total); got != c.want {
				t.Fatalf("Zone(%v, %v) = %s, want %s", c.good, c.total, got, c.want)
			}
		})
	}
}

func TestBudget(t *testing.T) {
	tests := []struct {
		name       string
		adequate   float64
		bad, total float64
		whole      bool
		want       Budget
	}{
		{"10 days at 90% adequate allow one late day (0.1*10 rounds to 0.9999999999999998)", 0.9, 0, 10, true,
			Budget{Allowed: 1, Used: 0, Left: 1, BurnRate: 0}},
		{"a month of 20 due days at 95% allows one late day; one used leaves none at burn rate 1", 0.95, 1, 20, true,
			Budget{Allowed: 1, Used: 1, Left: 0, BurnRate: 1}},
		{"19 due days at 95% allow no late day at all", 0.95, 1, 19, true,
			Budget{Allowed: 0, Used: 1, Left: -1, BurnRate: (1.0 / 19) / (1 - 0.95)}},
		{"100 device-hours at 98% allow 2 hours down; 0.5 used burns at a quarter", 0.98, 0.5, 100, false,
			Budget{Allowed: 2, Used: 0.5, Left: 1.5, BurnRate: 0.25}},
	}
	for _, c := range tests {
		t.Run(c.name, func(t *testing.T) {
			got := roundBudget(Objective{Desired: 1, Adequate: c.adequate}.Budget(c.bad, c.total, c.whole))
			if got != roundBudget(c.want) {
				t.Fatalf("Budget = %+v, want %+v", got, c.want)
			}
		})
	}
}
