package xfs4iot

import (
	"encoding/json"
	"fmt"
	"sort"
)

// statusPayload is the part of a Common.Status completion we judge.
type statusPayload struct {
	Common *struct {
		Device          string `json:"device"`
		DevicePosition  string `json:"devicePosition"`
		AntiFraudModule string `json:"antiFraudModule"`
	} `json:"common"`
	// AntiFraudModule at the top level is sent by some services.
	AntiFraudModule string          `json:"antiFraudModule"`
	CardReader      *cardReader     `json:"cardReader"`
	CashDispenser   *cashDispenser  `json:"cashDispenser"`
	CashAcceptor    json.RawMessage `json:"cashAcceptor"`
	CashManagement  json.RawMessage `json:"cashManagement"`
	Printer         *printer        `json:"printer"`
}

type cardReader struct {
	Media      string `json:"media"`
	Security   string `json:"security"`
	ChipModule string `json:"chipModule"`
}

type cashDispenser struct {
	IntermediateStacker string          `json:"intermediateStacker"`
	Positions           json.RawMessage `json:"positions"`
}

type printer struct {
	Media string                     `json:"media"`
	Paper map[string]json.RawMessage `json:"paper"`
	Toner string                     `json:"toner"`
	Ink   string                     `json:"ink"`
}

// deviceStates maps common.device to a severity and words.
var deviceStates = map[string]finding{
	"online":         {fine, "online"},
	"offline":        {failed, "offline"},
	"powerOff":       {failed, "powered off"},
	"noDevice":       {failed, "not installed"},
	"hardwareError":  {failed, "hardware error"},
	"userError":      {failed, "blocked by a user error"},
	"fraudAttempt":   {failed, "stopped by a fraud attempt"},
	"potentialFraud": {failed, "reports a potential fraud attempt"},
	"deviceBusy":     {degraded, "busy"},
	"busy":           {degraded, "busy"},
	"starting":       {degraded, "starting"},
}

// judge returns the device state in words and every finding.
func (p statusPayload) judge() (string, []finding) {
	var fs []finding
	state := "status unknown"
	if p.Common == nil {
		fs = append(fs, finding{degraded, "no common status"})
	} else {
		st, ok := deviceStates[p.Common.Device]
		if !ok {
			st = finding{degraded, fmt.Sprintf("in unknown state %q", p.Common.Device)}
		}
		state = st.text
		fs = append(fs, finding{sev: st.sev})
		if p.Common.DevicePosition == "notInPosition" {
			fs = append(fs, finding{failed, "not in position"})
		}
		fs = append(fs, antiFraud(p.Common.AntiFraudModule)...)
	}
	fs = append(fs, antiFraud(p.AntiFraudModule)...)
	fs = append(fs, p.CardReader.judge()...)
	fs = append(fs, p.CashDispenser.judge()...)
	fs = append(fs, p.Printer.judge()...)
	return state, fs
}

func (p statusPayload) hasCash() bool {
	return p.CashDispenser != nil || len(p.CashAcceptor) > 0 || len(p.CashManagement) > 0
}

func antiFraud(s string) []finding {
	switch s {
	case "", "ok", "notSupported":
		return nil
	case "deviceDetected":
		return []finding{{failed, "anti-fraud module detected a foreign device (possible skimmer)"}}
	}
	return []finding{{failed, "anti-fraud module " + s}}
}

func (c *cardReader) judge() []finding {
	if c == nil {
		return nil
	}
	var fs []finding
	if c.Media == "jammed" {
		fs = append(fs, finding{failed, "card jammed"})
	}
	if c.Security == "notReady" {
		fs = append(fs, finding{degraded, "security module not ready"})
	}
	if c.ChipModule == "inoperable" {
		fs = append(fs, finding{degraded, "chip module inoperable"})
	}
	return fs
}

func (d *cashDispenser) judge() []finding {
	if d == nil {
		return nil
	}
	var fs []finding
	switch d.IntermediateStacker {
	case "notEmpty", "notEmptyCustomer", "notEmptyUnknown":
		fs = append(fs, finding{degraded, "notes left in the intermediate stacker"})
	}
	var positions []struct {
		Position  string `json:"position"`
		Shutter   string `json:"shutter"`
		Transport string `json:"transport"`
	}
	_ = json.Unmarshal(d.Positions, &positions) // older releases use another shape
	for _, pos := range positions {
		if pos.Shutter == "jammed" {
			fs = append(fs, finding{failed, pos.Position + " shutter jammed"})
		}
		if pos.Transport == "inoperative" {
			fs = append(fs, finding{failed, pos.Position + " transport inoperative"})
		}
	}
	return fs
}

func (p *printer) judge() []finding {
	if p == nil {
		return nil
	}
	var fs []finding
	if p.Media == "jammed" {
		fs = append(fs, finding{failed, "media jammed"})
	}
	sources := make([]string, 0, len(p.Paper))
	for src := range p.Paper {
		sources = append(sources, src)
	}
	sort.Strings(sources)
	for _, src := range sources {
		var state string
		if json.Unmarshal(p.Paper[src], &state) != nil {
			continue
		}
		fs = append(fs, paper(src, state)...)
	}
	fs = append(fs, supply("toner", p.Toner)...)
	return append(fs, supply("ink", p.Ink)...)
}

func paper(source, state string) []finding {
	name := "paper"
	if source != "upper" {
		name = source + " paper"
	}
	switch state {
	case "out":
		return []finding{{failed, name + " out"}}
	case "jammed":
		return []finding{{failed, name + " jammed"}}
	case "low":
		return []finding{{degraded, name + " low"}}
	}
	return nil
}

func supply(name, state string) []finding {
	switch state {
	case "out":
		return []finding{{failed, name + " out"}}
	case "low":
		return []finding{{degraded, name + " low"}}
	}
	return nil
}
