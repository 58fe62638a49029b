// Package render turns an incident's facts into the words of a message, in
// the route's language, through text/template. English (en) and Simplified
// Chinese (zh-CN) ship embedded; an operator may override any named
// template of a locale, or add a locale, with a file of {{define}} blocks.
//
// A locale's templates are: "title" (one line: what and where), "text" (the
// whole message as plain text), "reply" (a thread reply: reminder,
// escalation, resolution), "dur" (a duration in words), the field values
// "since", "deadline", "impact", "remedy", "status" and their labels
// "label.since" ..., and the button labels "button.ack" and "button.snooze".
// A field whose value renders empty is left out. Templates see a Data.
//
// The shipped locales are also written in Go (native*.go), used for a
// locale no override touches: executing the templates by reflection cost
// about a fifth of a millisecond per message. A test holds the Go words to
// the templates' output byte for byte, so the templates remain the wording
// to edit (and the Go words follow).
//
// The package knows nothing of incidents: the engine fills a Data, so that
// templates depend on a small documented record, not on engine internals.
package render
