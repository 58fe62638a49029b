package render

import (
	"strconv"
	"time"
)

// nativeEN is en.tmpl in Go (see native).
var nativeEN = native{
	title:  titleEN,
	field:  [5]func(d *Data) string{statusEN, sinceEN, deadlineEN, impactEN, remedyEN},
	labels: [5]string{"Status", "Since", "Deadline", "Impact", "What to do"},
	ack:    "Acknowledge", snooze: "Snooze 30 min", sep: ": ",
	reply: replyEN,
}

func durEN(d time.Duration) string { return dur(d, " h ", " min") }

func levelEN(s string) string {
	switch s {
	case "operations":
		return "the operations centre"
	case "region":
		return "the region"
	}
	return "the branch"
}

func titleEN(d *Data) string {
	p := ""
	if d.State == "resolved" {
		p = "Resolved: "
	}
	return cat(p, d.BranchName, " (", d.Branch, "): ", whatEN(d))
}

func whatEN(d *Data) string {
	switch d.Kind {
	case "branch_unreachable":
		return "branch unreachable"
	case "agent_silent":
		return "monitoring agent silent"
	}
	return cat(d.Device, " ", d.Check, " failing")
}

func statusEN(d *Data) string {
	var s string
	switch {
	case d.State == "resolved":
		s = "Resolved after " + durEN(d.Lasted)
	case d.AckedBy != "":
		s = cat("Acknowledged by ", d.AckedBy, " at ", d.AckedAt)
	default:
		s = "Firing"
	}
	if d.SnoozedUntil != "" && d.State != "resolved" {
		s = cat(s, "; reminders snoozed by ", d.SnoozedBy, " until ", d.SnoozedUntil)
	}
	if d.EscalatedTo != "" && d.EscalatedTo != "branch" && d.State != "resolved" {
		s = cat(s, "; escalated to ", levelEN(d.EscalatedTo))
	}
	return s
}

func sinceEN(d *Data) string { return cat(d.Since, " (", durEN(d.For), " ago)") }

func deadlineEN(d *Data) string {
	if d.State == "resolved" {
		return ""
	}
	switch d.Deadline.Phase {
	case "before":
		return cat(durEN(d.Deadline.Left), " left until the readiness deadline at ", d.Deadline.At, " (doors open ", d.Deadline.Opening, ")")
	case "passed":
		return cat("the readiness deadline (", d.Deadline.At, ") has passed; doors open ", d.Deadline.Opening)
	}
	return ""
}

func impactEN(d *Data) string {
	switch {
	case d.Kind == "branch_unreachable":
		return cat("the collector cannot see the branch: ", strconv.Itoa(d.Checks), " checks cannot connect")
	case d.Kind == "agent_silent":
		return cat("no results for ", durEN(d.Silent), ": the branch's readiness is unknown")
	case d.PerHour > 0:
		return cat("about ", perHour(d.PerHour), " customers an hour go to the counter while ", d.Device, " is down")
	}
	return ""
}

func remedyEN(d *Data) string {
	switch {
	case d.Remedy != "":
		return d.Remedy
	case d.Kind == "branch_unreachable":
		return "Check the branch router and its WAN link; the devices themselves may be fine."
	case d.Kind == "agent_silent":
		return "Check that the branch PC running the agent is on and its branchready-agent service is running."
	}
	return ""
}

func replyEN(d *Data) string {
	switch d.Event {
	case "reminder":
		return cat("Still failing after ", durEN(d.For), ": ", d.Reason)
	case "escalated":
		s := cat("at the readiness deadline (", d.Deadline.At, ")")
		if d.Step != 0 {
			s = cat(durEN(d.Step), " before the readiness deadline (", d.Deadline.At, ")")
		}
		to := ""
		if d.EscalatedTo != "branch" {
			to = ": escalated to " + levelEN(d.EscalatedTo)
		}
		return cat("Still not ready ", s, to, ".")
	case "resolved":
		return cat("Resolved after ", durEN(d.Lasted), ".")
	case "acknowledged":
		return cat("Acknowledged by ", d.AckedBy, " at ", d.AckedAt, ".")
	case "snoozed":
		return cat("Reminders snoozed by ", d.SnoozedBy, " until ", d.SnoozedUntil, ".")
	}
	return titleEN(d)
}
