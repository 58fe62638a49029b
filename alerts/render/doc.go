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
// The templates are the one source of every word. A message executes each
// of its templates once (the "text" template's includes of the fields are
// remembered for the fields shown on their own), and a small walker of the
// parse trees executes the templates that use only what the shipped ones
// use, faster than text/template and with its output; anything else is
// left to text/template (see fast.go).
//
// The package knows nothing of incidents: the engine fills a Data, so that
// templates depend on a small documented record, not on engine internals.
package render
