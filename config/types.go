package config

import (
	"reflect"
	"strings"
	"time"

	"github.com/branchready/branchready/calendar"
	httpcheck "github.com/branchready/branchready/checks/http"
	"github.com/branchready/branchready/checks/icmp"
	"github.com/branchready/branchready/checks/manual"
	"github.com/branchready/branchready/checks/modem"
	serialcheck "github.com/branchready/branchready/checks/serial"
	"github.com/branchready/branchready/checks/sip"
	"github.com/branchready/branchready/checks/snmp"
	"github.com/branchready/branchready/checks/tcp"
	"github.com/branchready/branchready/checks/usb"
	"github.com/branchready/branchready/checks/xfs4iot"
	"github.com/branchready/branchready/result"
)

// File is one branch's configuration file, as the agent reads it.
type File struct {
	Branch    Branch    `yaml:"branch" doc:"Who the branch is and when it opens."`
	Collector Collector `yaml:"collector" doc:"Where results go."`
	Agent     Agent     `yaml:"agent" doc:"How the agent runs."`
	Devices   []Device  `yaml:"devices" doc:"What is checked."`
	Groups    []Group   `yaml:"groups" doc:"Quorum groups: at least min of these devices must pass (e.g. 1 of 2 ATMs)."`
	// Maintenance windows: devices in one are neither judged nor counted against the SLA.
	Maintenance []calendar.Window `yaml:"maintenance" doc:"Maintenance windows, one-off or recurring (weekly, or the nth weekday of the month): the devices named are neither judged nor counted against the SLA while in one."`
	Fallback    Fallback          `yaml:"fallback" doc:"Post to the branch's Slack channel directly when the collector is unreachable near the deadline."`
}

// Branch identifies the branch and carries its calendar.
type Branch struct {
	ID     string `yaml:"id" doc:"Unique branch id: lowercase letters, digits, '.', '_' or '-'."`
	Name   string `yaml:"name" doc:"Human name of the branch."`
	Region string `yaml:"region" doc:"Region, for grouping on the board and in reports."`
	// The calendar's keys sit directly under branch:.
	calendar.Spec `yaml:",inline"`
	HolidayFiles  []string `yaml:"holiday_files" doc:"Reusable holiday calendars (YAML with a holidays: list), relative to this file."`
}

// Collector says where to ship results and with which token.
type Collector struct {
	URL       string `yaml:"url" doc:"Base URL of the collector, e.g. https://collector.bank.example:8443."`
	Token     Secret `yaml:"token" doc:"Branch token. Prefer token_file or token_env."`
	TokenFile string `yaml:"token_file" doc:"File holding the branch token."`
	TokenEnv  string `yaml:"token_env" doc:"Environment variable holding the branch token."`
	CAFile    string `yaml:"ca_file" doc:"PEM file of the CA that issued the collector's certificate, if not a system CA."`
	// BatchSize caps results per request.
	BatchSize int `yaml:"batch_size" doc:"Results per request; default 500."`
	// Timeout bounds one request to the collector.
	Timeout time.Duration `yaml:"timeout" doc:"Timeout of one request to the collector; default 30s."`
}

// Agent holds how the agent itself runs.
type Agent struct {
	Concurrency    int           `yaml:"concurrency" doc:"Most checks run at once; a sweep starts 16 and adds one for each check that holds a worker past 10 ms, up to this bound. Default (0): as many as the sweep has, at least 16 and at most 256."`
	DefaultTimeout time.Duration `yaml:"default_timeout" doc:"Timeout of a check that sets none; default 10s."`
	StateDir       string        `yaml:"state_dir" doc:"Where the agent keeps its spool and confirmations; default ./state next to the config, or $BRANCHREADY_STATE_DIR."`
	Listen         string        `yaml:"listen" doc:"Local admin endpoint (/status, /metrics, POST /-/reload), loopback only; default 127.0.0.1:9127, off to disable."`
	SpoolMaxBytes  int64         `yaml:"spool_max_bytes" doc:"Bound of the on-disk spool; when full, the oldest informational results are dropped first (counted). Default 256 MiB."`
}

// Device is one monitored thing at the branch.
type Device struct {
	ID          string             `yaml:"id" doc:"Unique device id within the branch."`
	Kind        string             `yaml:"kind" doc:"atm, kiosk, counter, phone_line, banking_pc, signage, printer, ups, network or other."`
	Criticality result.Criticality `yaml:"criticality" doc:"blocking (default), degrading or informational."`
	Vendor      string             `yaml:"vendor"`
	Model       string             `yaml:"model"`
	AssetTag    string             `yaml:"asset_tag"`
	Profile     string             `yaml:"profile" doc:"A ready set of checks: atm, kiosk, counter, phone_line_analog, phone_line_voip, banking_pc, signage, printer, ups, or a path to a profile file. The device's own checks replace the profile's of the same name."`
	Vars        map[string]string  `yaml:"vars" doc:"Values the profile needs, e.g. {host: 10.20.1.11}."`
	Checks      []Check            `yaml:"checks" doc:"The device's checks; each sets exactly one kind block."`
	// TransactionsPerDay and DependsOn feed the collector's alerts.
	TransactionsPerDay int    `yaml:"transactions_per_day" doc:"Customer transactions the device serves on a normal day (e.g. 305 for an ATM); alerts show it as customers an hour sent to the counter while it is down."`
	DependsOn          string `yaml:"depends_on" doc:"Id of another device of the branch this one needs (the router an ATM sits behind); its alerts are held back while that device fails."`

	// profileFailed suppresses follow-on errors of a device whose profile
	// could not be applied (its kind and checks were to come from it).
	profileFailed bool
}

// Check is one check of a device: a name, a timeout and exactly one kind
// block. Fields tagged kind:"" are the kinds; checks/registry maps each to
// its factory, and a test keeps the two in step.
type Check struct {
	Name    string        `yaml:"name" doc:"Check name, unique within the device."`
	Timeout time.Duration `yaml:"timeout" doc:"Deadline of one run; default agent.default_timeout."`
	Remedy  string        `yaml:"remedy" doc:"What branch staff should do when the check fails; shown in its alerts."`

	TCP     *tcp.Config         `yaml:"tcp" kind:"tcp" doc:"Connect to a TCP service; optionally a send/expect dialogue."`
	HTTP    *httpcheck.Config   `yaml:"http" kind:"http" doc:"Request a URL or a scripted transaction; status, body and TLS certificate."`
	Manual  *manual.Config      `yaml:"manual" kind:"manual" doc:"An item a member of staff confirms."`
	SNMP    *snmp.Config        `yaml:"snmp" kind:"snmp" doc:"Read SNMP status OIDs (v2c/v3) and judge them; presets printer, ups, host."`
	ICMP    *icmp.Config        `yaml:"icmp" kind:"icmp" doc:"Ping a device; packet loss and round-trip thresholds."`
	Modem   *modem.Config       `yaml:"modem" kind:"modem" doc:"Analog phone line through a modem on a serial port: the modem answers and hears dial tone."`
	SIP     *sip.Config         `yaml:"sip" kind:"sip" doc:"VoIP phone line: SIP OPTIONS to the PBX, optionally registering a monitoring extension."`
	Serial  *serialcheck.Config `yaml:"serial" kind:"serial" doc:"Poll a device on a serial port (ccTalk, ID-003, CCNET or custom) and judge its status."`
	USB     *usb.Config         `yaml:"usb" kind:"usb" doc:"A USB (serial) device with this vendor:product id is plugged in."`
	XFS4IoT *xfs4iot.Config     `yaml:"xfs4iot" kind:"xfs4iot" doc:"ATM/kiosk status over XFS4IoT (WebSocket): device states, supplies, cash units."`
}

// DeviceKinds are the accepted device kinds.
var DeviceKinds = []string{"atm", "kiosk", "counter", "phone_line", "banking_pc", "signage", "printer", "ups", "network", "other"}

// Kinds lists the check kinds the Check type can carry, in field order.
func Kinds() []string {
	var out []string
	t := reflect.TypeFor[Check]()
	for i := range t.NumField() {
		if k, ok := t.Field(i).Tag.Lookup("kind"); ok {
			out = append(out, k)
		}
	}
	return out
}

// Blocks returns the kind names and options of every kind block that is set.
func (c *Check) Blocks() (kinds []string, opts []any) {
	v := reflect.ValueOf(c).Elem()
	t := v.Type()
	for i := range t.NumField() {
		k, ok := t.Field(i).Tag.Lookup("kind")
		if !ok || v.Field(i).IsNil() {
			continue
		}
		kinds = append(kinds, k)
		opts = append(opts, v.Field(i).Interface())
	}
	return kinds, opts
}

// Kind returns the check's kind, or "" when not exactly one block is set.
func (c *Check) Kind() string {
	kinds, _ := c.Blocks()
	if len(kinds) != 1 {
		return ""
	}
	return kinds[0]
}

// Defaults for unset options, all in one place.
const (
	DefaultCheckTimeout   = 10 * time.Second
	DefaultBatchSize      = 500
	DefaultShipTimeout    = 30 * time.Second
	DefaultListen         = "127.0.0.1:9127"
	DefaultSpoolMaxBytes  = 256 << 20
	DefaultCriticality    = result.Blocking
	MaxChecksPerBranch    = 5000
	maxIDLen              = 64
	idChars               = "abcdefghijklmnopqrstuvwxyz0123456789._-"
	defaultStateDirSuffix = "state"
)

func validID(s string) bool {
	return s != "" && len(s) <= maxIDLen && strings.Trim(s, idChars) == "" && s[0] != '.' && s[0] != '-'
}
