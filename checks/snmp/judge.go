package snmp

import (
	"strconv"
	"strings"

	"github.com/branchready/branchready/result"
)

// row is one value read for a spec: the instance itself for a GET, or one
// table row for a walk.
type row struct {
	oid    string
	index  string // the OID suffix under the spec's OID, "" for a GET
	val    value
	detail string
}

// finding is one judged fact about the device.
type finding struct {
	status result.Status
	reason string
}

// rank orders statuses from best to worst: unknown is worse than degraded
// because it does not let a blocking device count as ready.
func rank(s result.Status) int {
	switch s {
	case result.StatusOK:
		return 0
	case result.StatusDegraded:
		return 1
	case result.StatusUnknown:
		return 2
	}
	return 3
}

// judgeRow applies every rule of sp to r. A value no rule matches is ok and
// gives no reason: only ok rules' reasons make the summary of a good run.
func judgeRow(sp spec, r row) []finding {
	var out []finding
	for _, ru := range sp.rules {
		if len(ru.bits) > 0 {
			out = append(out, bitFindings(sp, ru, r)...)
			continue
		}
		if ru.matches(r.val) {
			out = append(out, finding{ru.status, expand(ru.reason, sp, r, "")})
		}
	}
	if len(out) == 0 {
		out = append(out, finding{status: result.StatusOK})
	}
	return out
}

// bitFindings gives one finding per listed bit that is set, so that "paper
// low" and "door open" both reach the lobby manager.
func bitFindings(sp spec, ru rule, r row) []finding {
	if r.val.octets == nil || !ru.matches(r.val) {
		return nil
	}
	var out []finding
	for _, b := range ru.bits {
		if r.val.bit(b) {
			out = append(out, finding{ru.status, expand(ru.reason, sp, r, strconv.Itoa(b))})
		}
	}
	return out
}

// matches checks the non-bit conditions; a rule with none matches.
func (ru rule) matches(v value) bool {
	if ru.equals != nil && !anyIs(v, ru.equals) {
		return false
	}
	if ru.notEquals != nil && anyIs(v, ru.notEquals) {
		return false
	}
	if ru.min != nil && (!v.isNum || v.num < *ru.min) {
		return false
	}
	if ru.max != nil && (!v.isNum || v.num > *ru.max) {
		return false
	}
	return true
}

func anyIs(v value, set map[string]bool) bool {
	for s := range set {
		if v.is(s) {
			return true
		}
	}
	return false
}

// expand fills a reason template. bit is "" outside bit rules.
func expand(tmpl string, sp spec, r row, bit string) string {
	label := sp.labels[r.val.text]
	if bit != "" {
		label = sp.labels[bit]
		if label == "" {
			label = "bit " + bit
		}
	}
	if label == "" {
		label = r.val.text
	}
	detail := r.detail
	if detail == "" {
		detail = strings.TrimSpace(sp.name + " " + r.index)
	}
	return strings.NewReplacer(
		"{name}", sp.name, "{value}", r.val.text, "{label}", label, "{index}", r.index,
		"{oid}", r.oid, "{detail}", detail, "{bit}", bit,
	).Replace(tmpl)
}
