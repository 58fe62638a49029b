// Package icmp checks that a device answers ping (ICMP echo) and judges the
// packet loss and round-trip time against degraded and fail thresholds.
//
// It opens an unprivileged ICMP socket ("udp4") first and falls back to a raw
// one ("ip4:icmp") where the agent may; Windows always uses the raw kind. An
// agent that may use neither is reported as a set-up problem with the fix,
// with status unknown, never as a device that is down.
package icmp
