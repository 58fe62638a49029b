package snmp

// Config is the snmp kind's options.
type Config struct {
	Address string `yaml:"address" doc:"Host or IP of the SNMP agent, optionally with :port (default port 161)."`
	Version string `yaml:"version" doc:"SNMP version: 2c (default) or 3."`
	// Community is for v2c; community_env keeps it out of the file.
	Community    string `yaml:"community" doc:"SNMPv2c community; default public."`
	CommunityEnv string `yaml:"community_env" doc:"Environment variable holding the SNMPv2c community (overrides community)."`
	User         string `yaml:"user" doc:"SNMPv3 USM user name."`
	AuthProtocol string `yaml:"auth_protocol" doc:"SNMPv3 authentication: SHA (default when a password is set), MD5, SHA224, SHA256, SHA384 or SHA512."`
	// Passwords never sit in the file: only the variable's name does.
	AuthPasswordEnv string `yaml:"auth_password_env" doc:"Environment variable holding the SNMPv3 authentication password."`
	PrivProtocol    string `yaml:"priv_protocol" doc:"SNMPv3 privacy (encryption): AES (default when a password is set), AES192, AES256 or DES."`
	PrivPasswordEnv string `yaml:"priv_password_env" doc:"Environment variable holding the SNMPv3 privacy password."`
	Retries         int    `yaml:"retries" doc:"Resends of an unanswered request within the timeout; default 1."`
	Preset          string `yaml:"preset" doc:"Built-in set of OIDs and rules: printer, ups or host."`
	OIDs            []OID  `yaml:"oids" doc:"OIDs to read and judge, besides the preset's."`
	IgnoreRestart   bool   `yaml:"ignore_restart" doc:"Do not report a restart of the device (sysUpTime went back) as degraded."`
}

// OID is one value, or one table column, to read and judge.
type OID struct {
	OID  string `yaml:"oid" doc:"Numeric OID, e.g. 1.3.6.1.2.1.25.3.5.1.1.1 (MIB names are not supported)."`
	Name string `yaml:"name" doc:"What the value is, in reasons: e.g. printer status."`
	Walk bool   `yaml:"walk" doc:"Walk the subtree (a table column) and judge every row instead of a single GET."`
	// Optional spares devices that lack the OID from a degraded verdict.
	Optional bool   `yaml:"optional" doc:"A device without this OID (or an empty walk) is fine rather than degraded."`
	Detail   string `yaml:"detail" doc:"Numeric OID of a column walked alongside; its value at the same row index fills {detail} in reasons (e.g. an alert's description)."`
	Observe  string `yaml:"observe" doc:"Record the (first) numeric value as this observation, e.g. ups_minutes_remaining."`
	// Labels name values (or, for bits rules, bit numbers) for {label}.
	Labels map[string]string `yaml:"labels" doc:"Names of values, or of bit numbers for bits rules, used as {label} in reasons: e.g. \"3\": idle."`
	Rules  []Rule            `yaml:"rules" doc:"Rules judging each value; every rule that matches applies and the worst status wins. No match is ok."`
}

// Rule maps a value to a status. All conditions set in one rule must hold.
type Rule struct {
	Equals    []string `yaml:"equals" doc:"Matches when the value is one of these."`
	NotEquals []string `yaml:"not_equals" doc:"Matches when the value is none of these."`
	Min       *float64 `yaml:"min" doc:"Matches when the numeric value is at least this."`
	Max       *float64 `yaml:"max" doc:"Matches when the numeric value is at most this."`
	// Bits number the bits of an OCTET STRING bitmap as the SNMP BITS
	// convention does: bit 0 is the most significant bit of the first octet.
	Bits   []int  `yaml:"bits" doc:"Matches each of these bits that is set in an OCTET STRING bitmap (bit 0 = most significant bit of the first octet); each set bit gives its own reason."`
	Status string `yaml:"status" doc:"ok, degraded, fail or unknown."`
	Reason string `yaml:"reason" doc:"Reason template; placeholders {name} {value} {label} {index} {oid} {detail} {bit}. Default \"{name} {label}\"."`
}
