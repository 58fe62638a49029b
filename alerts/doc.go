// Package alerts is the incident engine: results and a clock go in,
// incident changes and rendered messages come out. It does no I/O, keeps
// no clock and holds no incidents; the collector stores incidents, hands a
// branch's open ones back in a Branch, and enqueues the messages in its
// outbox in the same transaction as the incident changes.
//
// # Incidents
//
// There is one incident per (branch, device, check) at a time, and two
// per branch about the branch as a whole: branch_unreachable and
// agent_silent. An incident is an episode: it starts at the first failed
// result (its "since", on the agent's clock) and ends when it resolves; the
// next failure starts a new incident with a new id. The id is derived from
// the key and the first failure's time, so a result replayed after a crash
// opens the same incident rather than a second one.
//
// # States
//
// A failed result (status fail) opens the incident as pending. Failures in
// a row up to the fail threshold (per check kind, else per device kind,
// else the default 2) make it firing; a pass while pending ends it
// quietly as resolved, with nothing ever sent. A firing incident resolves
// after the resolve threshold of passes in a row (default 2); a failure
// in between starts the count again, so a device that flaps stays one
// incident. Degraded counts as a pass (the branch may open), unknown moves
// nothing (a manual item not yet confirmed, a check that could not judge),
// and a result older than the newest one applied is ignored, so a late
// batch from a spool cannot reopen what has been fixed.
//
// Branch-wide incidents fire at once when their condition holds and resolve
// when it stops holding: agent_silent when nothing was heard from the
// agent for agent_silent_after; branch_unreachable when every check of the
// branch but manual items (at least two) has an open incident whose latest
// failure was a failure to connect (see ConnectFailure).
//
// # Who is told, and when
//
// A firing incident posts one message per target of its audiences. Agent
// silence goes to operations. An incident that fires in business hours
// (between today's opening and closing) goes to the audiences its severity
// lists (critical: branch and region; warning and info: branch). At any
// other time it goes to the branch, plus every audience whose escalation
// step has already passed today.
//
// Escalation is keyed to the branch's readiness deadline, in the branch's
// own zone, counted in real elapsed time back from the deadline the
// calendar gives, so a step on a daylight-saving day comes the right number
// of real minutes early. At each step (default T-30 branch, T-15 region,
// T-0 operations) a critical incident still firing that fired before
// today's opening posts to the step's new targets and replies in, and
// edits, the messages it already has. Acknowledged and snoozed incidents
// escalate too: the deadline does not wait. Steps are counted per
// branch-day, so an incident open overnight escalates again next morning.
//
// A firing incident nobody acknowledged or snoozed replies in its threads
// every reminder_interval. Acknowledging, unacknowledging and snoozing
// edit its messages (Op Update); resolving edits them and replies in their
// threads. Messages of a firing, unacknowledged incident carry the buttons
// Acknowledge and Snooze 30 min.
//
// # Quiet
//
// Suppression and muting stop messages but never state: the incident still
// counts failures, fires and resolves. An open agent_silent incident
// suppresses every other incident of its branch; an open
// branch_unreachable incident suppresses the branch's device incidents; an
// open incident of a device that another depends_on suppresses the
// dependent's, up the chain. Silences (from the board and API) and
// maintenance windows (from the configuration) mute matching incidents
// while active. An incident that fired while quiet posts as soon as it is
// free to speak, on the next Observe or Tick, unless it is already passing
// again (then it resolves unannounced). A resolution is always sent
// to targets that have the message, quiet or not, so that no "down"
// message is left standing.
//
// Messages are rendered by alerts/render from templates per locale,
// chosen per target.
package alerts
