// Package fallback lets a branch's agent raise the alarm itself when the
// collector cannot: when the agent has had no acknowledgement from the
// collector for a while (After) and a blocking check fails close to the
// branch's readiness deadline (within Window of it), it posts to the
// branch's Slack incoming webhook, saying that it does so because the
// collector is unreachable.
//
// It posts once per failing (device, check) and branch-day, remembered in a
// small file in the state directory so that a restart does not post again,
// and never while the collector acknowledges: then the collector's own
// alerts, with their escalation and acknowledgement, are the ones staff see.
package fallback
