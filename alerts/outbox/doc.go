// Package outbox delivers decided notifications exactly once and in order per
// incident, across restarts and notifier outages. Rows are written by the
// collector in the same transaction as the incident change that decided them;
// the delivery loop claims them from a Store (SQLite or PostgreSQL), sends
// them through a notify.Notifier, and records the outcome.
package outbox
