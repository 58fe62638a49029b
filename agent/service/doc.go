// Package service installs, controls and runs the branchready agent as a
// system service: a hardened systemd unit on Linux, a delayed-start service
// that restarts on failure on Windows. It wraps github.com/kardianos/service
// so the command line only names the configuration file; the hardening lives
// in one unit template (systemd.service.tmpl) from which the shipped
// deploy/systemd/branchready-agent.service is checked to be rendered.
package service
