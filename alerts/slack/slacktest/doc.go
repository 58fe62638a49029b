// Package slacktest is a fake Slack for tests: an HTTP handler speaking the
// few Web API methods branchready uses (chat.postMessage, chat.update,
// auth.test, apps.connections.open) and a Socket Mode WebSocket, recording
// every message per channel with its ts.
//
// Faults are scripted: answer 429 with Retry-After or 500 for a number of
// calls or until a time, or answer a Slack error such as invalid_auth or
// channel_not_found. New serves in memory through Client (no socket, so it
// works inside a testing/synctest bubble); Start also listens on loopback,
// for Socket Mode and for tests of whole processes.
package slacktest
