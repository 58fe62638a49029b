package render

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/branchready/branchready/alerts/notify"
)

// native writes a shipped locale's words in Go. Rendering a message through
// text/template executed about twenty templates (each field twice: once
// alone, once in the text), by reflection, with over 600 allocations: a
// fifth of a millisecond per message, and a wave decides thousands. The Go
// words are used only for a locale no override touches, and a test holds
// them to the shipped templates' output, byte for byte, over many
// incidents: the templates stay the one wording to edit.
type native struct {
	// title and field are the "title" template and the field values in
	// fieldNames order, untrimmed like a template's output.
	title func(d *Data) string
	field [5]func(d *Data) string
	// labels are the fields' labels, in fieldNames order.
	labels      [5]string
	ack, snooze string
	// sep joins a label to its value in the text.
	sep   string
	reply func(d *Data) string
}

// natives are the shipped locales written in Go.
var natives = map[string]*native{"en": &nativeEN, "zh-CN": &nativeZH}

// render is render's result for the shipped templates of n.
func (n *native) render(d *Data) Rendered {
	out := Rendered{Title: strings.TrimSpace(n.title(d)), AckLabel: n.ack, SnoozeLabel: n.snooze}
	var vals [5]string
	for i, f := range n.field {
		if vals[i] = strings.TrimSpace(f(d)); vals[i] != "" {
			out.Fields = append(out.Fields, notify.Field{Label: n.labels[i], Value: vals[i]})
		}
	}
	var b strings.Builder
	b.WriteString(n.title(d))
	b.WriteByte('\n')
	if d.Reason != "" && d.State != "resolved" {
		b.WriteString(d.Reason)
		b.WriteByte('\n')
	}
	for i, v := range vals {
		if v != "" {
			b.WriteString(n.labels[i])
			b.WriteString(n.sep)
			b.WriteString(v)
			b.WriteByte('\n')
		}
	}
	b.WriteString(d.Link)
	out.Text = strings.TrimSpace(b.String())
	return out
}

// hours and mins split a duration as the templates' functions do.
func hours(d time.Duration) int { return int(d.Round(time.Minute) / time.Hour) }
func mins(d time.Duration) int  { return int(d.Round(time.Minute) % time.Hour / time.Minute) }

// dur is the "dur" template: hours (when one or more) and minutes.
func dur(d time.Duration, h, m string) string {
	s := strconv.Itoa(mins(d)) + m
	if hs := hours(d); hs >= 1 {
		s = strconv.Itoa(hs) + h + s
	}
	return s
}

// perHour is the template's printf "%.0f".
func perHour(x float64) string { return fmt.Sprintf("%.0f", x) }

// cat joins its arguments, one allocation for all.
func cat(parts ...string) string { return strings.Join(parts, "") }
