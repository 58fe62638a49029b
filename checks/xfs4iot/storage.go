package xfs4iot

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
)

// unit is one storage unit of a Storage.GetStorage completion.
type unit struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Cash   *struct {
		Configuration struct {
			Types    map[string]bool `json:"types"`
			Currency string          `json:"currency"`
			Value    float64         `json:"value"`
		} `json:"configuration"`
		Status struct {
			Index               int    `json:"index"`
			ReplenishmentStatus string `json:"replenishmentStatus"`
		} `json:"status"`
	} `json:"cash"`
}

// unusable are the unit states and replenishment states that leave a
// cassette with nothing to dispense.
var unusable = map[string]bool{"empty": true, "missing": true, "inoperative": true, "manipulated": true}

// judgeStorage judges the cash units: a cassette that is low or empty is
// degraded; no cassette left to dispense from is a failure; a manipulated
// unit is a fraud attempt.
func judgeStorage(payload json.RawMessage) []finding {
	var p struct {
		Storage map[string]unit `json:"storage"`
	}
	if err := json.Unmarshal(payload, &p); err != nil {
		return []finding{{degraded, "cash units unreadable: " + err.Error()}}
	}
	keys := make([]string, 0, len(p.Storage))
	for k, u := range p.Storage {
		if u.Cash != nil && u.Status != "notConfigured" {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := p.Storage[keys[i]], p.Storage[keys[j]]
		if a.Cash.Status.Index != b.Cash.Status.Index {
			return a.Cash.Status.Index < b.Cash.Status.Index
		}
		return keys[i] < keys[j]
	})
	var fs, cassetteFs []finding
	cassettes, usable := 0, 0
	for _, k := range keys {
		u := p.Storage[k]
		if !u.dispenses() {
			fs = append(fs, u.judge(k)...)
			continue
		}
		cassettes++
		if !unusable[u.Status] && !unusable[u.Cash.Status.ReplenishmentStatus] {
			usable++
		}
		cassetteFs = append(cassetteFs, u.judge(k)...)
	}
	if cassettes > 0 && usable == 0 {
		// One line says it all; the list of empty cassettes would not.
		return append([]finding{{failed, fmt.Sprintf("no cash to dispense (all %d cassettes empty, missing or inoperative)", cassettes)}}, fs...)
	}
	return append(cassetteFs, fs...)
}

// dispenses reports whether the unit holds cash for customers.
func (u unit) dispenses() bool {
	t := u.Cash.Configuration.Types
	return len(t) == 0 || t["cashOut"] || t["replenish"]
}

func (u unit) judge(key string) []finding {
	name := u.name(key)
	var fs []finding
	switch u.Status {
	case "manipulated":
		fs = append(fs, finding{failed, name + " manipulated (possible fraud)"})
	case "missing", "inoperative", "low", "empty":
		fs = append(fs, finding{degraded, name + " " + u.Status})
	}
	if u.Status != "" && u.Status != "ok" {
		return fs // one word per unit is enough
	}
	switch rs := u.Cash.Status.ReplenishmentStatus; {
	case u.dispenses() && (rs == "low" || rs == "empty"):
		fs = append(fs, finding{degraded, name + " " + rs})
	case !u.dispenses() && rs == "full":
		fs = append(fs, finding{degraded, name + " full"})
	}
	return fs
}

// name words a unit: "cassette 3 (EUR 20)", "reject bin RJ1".
func (u unit) name(key string) string {
	id := key
	if u.ID != "" {
		id = u.ID
	}
	if n := u.Cash.Status.Index; n > 0 {
		id = strconv.Itoa(n)
	}
	t := u.Cash.Configuration.Types
	switch {
	case t["reject"]:
		return "reject bin " + id
	case t["cashInRetract"] || t["cashOutRetract"]:
		return "retract bin " + id
	case !u.dispenses():
		return "deposit unit " + id
	}
	c := u.Cash.Configuration
	if c.Currency != "" && c.Value > 0 {
		return fmt.Sprintf("cassette %s (%s %s)", id, c.Currency, strconv.FormatFloat(c.Value, 'f', -1, 64))
	}
	return "cassette " + id
}
