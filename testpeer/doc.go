// Package testpeer lets tests that need real peer software (socat, snmpd,
// kamailio...) find it. When a peer is missing the test is skipped with a
// message locally, and fails in CI (CI=true), where `make test` must have
// installed it: nothing skips silently there.
package testpeer
