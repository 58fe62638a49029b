// Package calendar knows when a branch opens: its time zone, weekly opening
// hours, holidays and special days, and from them each day's opening time,
// readiness deadline and sweep times. Agent and collector share it so that
// both judge a branch-day the same way.
package calendar
