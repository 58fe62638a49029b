package serial

import (
	"fmt"
	"strings"

	"github.com/branchready/branchready/checks"
)

// judgeFrame checks a binary frame's checksum and looks its status up.
func (d dialogue) judgeFrame(fr []byte) checks.Outcome {
	sum := d.frame.sum
	if !sum.valid(fr) {
		return checks.Fail("%s answered with a bad checksum (%s): line noise, wrong baud rate or another protocol",
			d.who(), hexdump(fr))
	}
	if len(d.status.bytes) == 0 {
		return checks.OK("%s answered (%s)", d.who(), hexdump(fr))
	}
	end := len(fr) - sum.size
	if d.status.offset >= end {
		return checks.Fail("%s answered a frame too short to carry a status (%s)", d.who(), hexdump(fr))
	}
	code := fr[d.status.offset]
	v, known := d.status.bytes[code]
	if !known {
		v = d.status.other
	}
	data := strings.TrimSpace(hexdump(fr[d.status.offset+1 : end]))
	return d.verdict(v, fmt.Sprintf("0x%02x", code), data)
}

// judgeText looks up what reply_regex captured.
func (d dialogue) judgeText(m []string) checks.Outcome {
	key := m[0]
	if len(m) > 1 {
		key = m[1]
	}
	if len(d.status.texts) == 0 {
		return checks.OK("%s answered %q", d.who(), checks.Truncate(m[0], 80))
	}
	v, known := d.status.texts[key]
	if !known {
		v = d.status.other
	}
	return d.verdict(v, fmt.Sprintf("%q", checks.Truncate(key, 40)), "")
}

func (d dialogue) verdict(v verdict, status, data string) checks.Outcome {
	reason := v.reason
	if reason == "" {
		reason = "status {status}"
	}
	if data == "" {
		data = "none"
	}
	reason = strings.NewReplacer("{status}", status, "{data}", data).Replace(reason)
	return checks.Outcome{Status: v.status, Reason: d.who() + ": " + reason}
}

// hexdump renders bytes as "02 03 06 14", at most 32 of them.
func hexdump(b []byte) string {
	const most = 32
	var sb strings.Builder
	for i, c := range b {
		if i == most {
			fmt.Fprintf(&sb, " … (%d bytes)", len(b))
			break
		}
		if i > 0 {
			sb.WriteByte(' ')
		}
		fmt.Fprintf(&sb, "%02x", c)
	}
	return sb.String()
}
