// Package sla turns final readiness verdicts into service-level figures:
// on-time readiness, time to ready, device availability in business hours,
// failures and time to repair, and where each stands in the zone of
// tolerance (desired and adequate levels, the error budget and its burn).
//
// The work is split so that a month's report for 20,000 branches never
// touches raw results: Facts (pure) rolls one final branch-day into a day
// row and device rows; the Roller finds final days not yet rolled up, or
// rolled up but judged differently now, and writes their rows; Build (pure)
// aggregates rows into a report per bank, region, branch, device kind,
// vendor, model or device, per day, week or month of each branch's local
// calendar.
package sla
