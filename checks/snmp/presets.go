package snmp

import (
	"sort"

	"github.com/branchready/branchready/result"
)

// OIDs the presets and the restart detection read.
const (
	oidSysUpTime        = "1.3.6.1.2.1.1.3.0"
	oidHrDeviceDescr    = "1.3.6.1.2.1.25.3.2.1.3"
	oidHrDeviceStatus   = "1.3.6.1.2.1.25.3.2.1.5"
	oidHrPrinterStatus  = "1.3.6.1.2.1.25.3.5.1.1"
	oidHrPrinterErrors  = "1.3.6.1.2.1.25.3.5.1.2"
	oidPrtAlertSeverity = "1.3.6.1.2.1.43.18.1.1.2"
	oidPrtAlertDescr    = "1.3.6.1.2.1.43.18.1.1.8"
	oidUpsBatteryStatus = "1.3.6.1.2.1.33.1.2.1.0"
	oidUpsMinutesLeft   = "1.3.6.1.2.1.33.1.2.3.0"
	oidUpsOutputSource  = "1.3.6.1.2.1.33.1.4.1.0"
)

type preset struct {
	noun  string // what the device is called in reasons
	specs []spec
}

const (
	stOK       = result.StatusOK
	stDegraded = result.StatusDegraded
	stFail     = result.StatusFail
)

func is(status result.Status, reason string, values ...string) rule {
	return rule{equals: set(values), status: status, reason: reason}
}

func bit(status result.Status, reason string, bits ...int) rule {
	return rule{bits: bits, status: status, reason: reason}
}

func between(status result.Status, reason string, lo, hi float64) rule {
	return rule{min: &lo, max: &hi, status: status, reason: reason}
}

// hrDeviceStatus (HOST-RESOURCES-MIB), one row per hardware device.
func deviceStatus(name string) spec {
	return spec{
		oid: oidHrDeviceStatus, name: name, walk: true, detail: oidHrDeviceDescr,
		labels: map[string]string{"1": "unknown", "2": "running", "3": "warning", "4": "testing", "5": "down"},
		rules: []rule{
			is(stDegraded, "{detail}: reports a warning", "3"),
			is(stDegraded, "{detail}: in testing", "4"),
			is(stFail, "{detail}: down", "5"),
		},
	}
}

// Printer: hrPrinterStatus, hrPrinterDetectedErrorState (RFC 3805 bits) and
// the Printer-MIB alert table.
var printerSpecs = []spec{
	func() spec {
		s := deviceStatus("printer device status")
		s.sameRowsAs = oidHrPrinterStatus // only the printer's own row, not its network ports
		s.optional = true
		return s
	}(),
	{
		oid: oidHrPrinterStatus, name: "printer status", walk: true,
		labels: map[string]string{"1": "other", "2": "unknown", "3": "idle", "4": "printing", "5": "warming up"},
		rules:  []rule{is(stOK, "{label}", "3", "4"), is(stDegraded, "warming up", "5")},
	},
	{
		oid: oidHrPrinterErrors, name: "printer errors", walk: true, optional: true,
		labels: map[string]string{
			"0": "paper low", "1": "no paper", "2": "toner low", "3": "no toner", "4": "door open",
			"5": "paper jam", "6": "offline", "7": "service requested", "8": "input tray missing",
			"9": "output tray missing", "10": "toner or ink cartridge missing", "11": "output tray nearly full",
			"12": "output tray full", "13": "input tray empty", "14": "preventive maintenance overdue",
		},
		rules: []rule{
			bit(stDegraded, "{label}", 0, 2, 7, 8, 9, 11, 14),
			bit(stFail, "{label}", 1, 3, 4, 5, 6, 10, 12, 13),
		},
	},
	{
		oid: oidPrtAlertSeverity, name: "printer alert", walk: true, optional: true, detail: oidPrtAlertDescr,
		labels: map[string]string{"1": "other", "3": "critical", "4": "warning", "5": "warning"},
		rules:  []rule{is(stFail, "alert: {detail}", "3"), is(stDegraded, "warning: {detail}", "4", "5")},
	},
}

// UPS-MIB (RFC 1628).
var upsSpecs = []spec{
	{
		oid: oidUpsBatteryStatus, name: "battery",
		labels: map[string]string{"1": "unknown", "2": "normal", "3": "low", "4": "depleted"},
		rules:  []rule{is(stOK, "battery {label}", "2"), is(stDegraded, "battery low", "3"), is(stFail, "battery depleted", "4")},
	},
	{
		oid: oidUpsOutputSource, name: "output source",
		labels: map[string]string{"1": "other", "2": "none", "3": "normal", "4": "bypass", "5": "battery", "6": "booster", "7": "reducer"},
		rules: []rule{
			is(stOK, "output {label}", "3", "6", "7"),
			is(stFail, "UPS output is off", "2"),
			is(stDegraded, "UPS is on bypass: the load is not protected", "4"),
			is(stDegraded, "UPS is running on battery", "5"),
		},
	},
	{
		oid: oidUpsMinutesLeft, name: "battery time", optional: true, observe: "ups_minutes_remaining",
		rules: []rule{
			between(stFail, "only {value} minutes of battery left", 0, 4),
			between(stDegraded, "{value} minutes of battery left", 5, 14),
		},
	},
}

var presets = map[string]preset{
	"printer": {noun: "printer", specs: printerSpecs},
	"ups":     {noun: "UPS", specs: upsSpecs},
	"host":    {noun: "device", specs: []spec{deviceStatus("device status")}},
}

func presetNames() []string {
	var out []string
	for k := range presets {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
