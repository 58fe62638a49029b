package result

import "github.com/branchready/branchready/calendar"

// Descriptor tells the collector what a branch is and what it expects to be
// checked: its calendar and its devices with their criticality.
type Descriptor struct {
	Name     string        `json:"name"`
	Region   string        `json:"region,omitempty"`
	Calendar calendar.Spec `json:"calendar"`
	Devices  []Device      `json:"devices"`
	// Groups are quorums of devices judged together ("at least 1 of 2
	// ATMs"): a member's own criticality gives way to its group's.
	Groups []Group `json:"groups,omitempty"`
	// Maintenance lists the windows in which devices are neither judged
	// nor counted against the SLA.
	Maintenance []calendar.Window `json:"maintenance,omitempty"`
}

// Group is a quorum of devices: the branch is held back (blocked or
// degraded, by Criticality) only when fewer than Min members pass.
type Group struct {
	Name        string      `json:"name"`
	Devices     []string    `json:"devices"`
	Min         int         `json:"min"`
	Criticality Criticality `json:"criticality"`
}

// GroupOf returns the group a device belongs to, or nil.
func (d *Descriptor) GroupOf(device string) *Group {
	for i := range d.Groups {
		for _, m := range d.Groups[i].Devices {
			if m == device {
				return &d.Groups[i]
			}
		}
	}
	return nil
}

// Criticality says how much a device matters for readiness.
type Criticality string

// Criticalities, from most to least important.
const (
	// Blocking: the branch is not ready while this device fails.
	Blocking Criticality = "blocking"
	// Degrading: the branch can open, but ready_degraded.
	Degrading Criticality = "degrading"
	// Informational: shown, never affects readiness.
	Informational Criticality = "informational"
)

// Device is one device as the collector needs to know it.
type Device struct {
	ID          string      `json:"id"`
	Kind        string      `json:"kind"`
	Criticality Criticality `json:"criticality"`
	Vendor      string      `json:"vendor,omitempty"`
	Model       string      `json:"model,omitempty"`
	Checks      []CheckRef  `json:"checks"`
	// TransactionsPerDay is how many customer transactions the device
	// serves on a normal day; alerts turn it into customers an hour sent
	// to the counter while it is down. Zero when unknown.
	TransactionsPerDay int `json:"transactions_per_day,omitempty"`
	// DependsOn names another device of the branch that this one needs
	// (the router an ATM sits behind): while that one fails, this one's
	// alerts are held back as a consequence, not a cause.
	DependsOn string `json:"depends_on,omitempty"`
}

// CheckRef names one check of a device.
type CheckRef struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
	// Remedy tells branch staff what to do when the check fails.
	Remedy string `json:"remedy,omitempty"`
}

// JSONSchema describes the accepted values to configuration editors.
func (Criticality) JSONSchema() map[string]any {
	return map[string]any{"type": "string", "enum": []string{string(Blocking), string(Degrading), string(Informational)}}
}
