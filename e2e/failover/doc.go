// Package failover runs three real collector processes on one real
// PostgreSQL, ships a wave of results to them in turn while the leader is
// killed with SIGKILL, and checks that every acknowledged result is stored
// once and every decided notification reaches a fake Slack once.
package failover
