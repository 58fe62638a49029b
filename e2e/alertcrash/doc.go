// Package alertcrash kills the real collector binary (SIGKILL) after it has
// decided a notification and before Slack has accepted it, restarts it, and
// checks that the notification is delivered exactly once.
package alertcrash
