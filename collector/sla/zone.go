package sla

import "math"

// Objective is one service level with the two thresholds of the zone of
// tolerance, as ratios in [0, 1].
type Objective struct {
	Desired  float64 `yaml:"desired" json:"desired" doc:"Ratio at or above which service is as desired, e.g. 0.98."`
	Adequate float64 `yaml:"adequate" json:"adequate" doc:"Ratio below which service is in breach, e.g. 0.95; at most desired, below 1."`
}

// Zone says where a figure stands against its objective.
type Zone string

// Zones. A figure exactly at desired is above desired; exactly at adequate
// it is tolerated: each threshold is a level to reach, and reaching it counts.
const (
	AboveDesired Zone = "above_desired"
	Tolerated    Zone = "tolerated"
	Breach       Zone = "breach"
	// NoData is a row with nothing to judge (no due days, no device hours).
	NoData Zone = "no_data"
)

// eps absorbs the rounding of ratios such as 19/20 against 0.95.
const eps = 1e-9

// Zone judges good out of total.
func (o Objective) Zone(good, total float64) Zone {
	if total <= 0 {
		return NoData
	}
	r := good / total
	switch {
	case r >= o.Desired-eps:
		return AboveDesired
	case r >= o.Adequate-eps:
		return Tolerated
	default:
		return Breach
	}
}

// Budget is the error budget of a period: how much bad (late branch-days,
// device-hours down) it can absorb while staying at or above adequate.
type Budget struct {
	// Allowed is the most bad the period's total allows; whole units for
	// branch-days, hours for availability.
	Allowed float64 `json:"allowed"`
	Used    float64 `json:"used"`
	// Left is Allowed - Used: how many more late branch-days (or hours down)
	// before the period falls below adequate; negative once in breach.
	Left float64 `json:"left"`
	// BurnRate is the bad ratio over the budgeted ratio (1 - adequate):
	// 1 spends the budget exactly over the period, above 1 overspends it.
	BurnRate float64 `json:"burn_rate"`
}

// Budget computes the error budget for bad out of total. whole rounds the
// allowance down to whole units (a branch-day is late or it is not).
func (o Objective) Budget(bad, total float64, whole bool) Budget {
	slack := 1 - o.Adequate
	allowed := slack * total
	if whole {
		allowed = math.Floor(allowed + eps)
	}
	b := Budget{Allowed: allowed, Used: bad, Left: allowed - bad}
	if total > 0 && slack > 0 {
		b.BurnRate = (bad / total) / slack
	}
	return b
}
