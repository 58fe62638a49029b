// Package preview is the notifier that sends nothing: its messages are kept
// in the outbox and shown on the incident's board page as they would have
// been sent. It lets a new installation (and the demo without a Slack
// workspace) see what its alerts will say before it connects a chat system.
// Route to it as notifier "board".
package preview
