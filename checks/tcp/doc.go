// Package tcp checks that a TCP service answers: it connects and, when asked,
// holds a short text dialogue with it. A dialogue is a list of steps, each
// sending a line and expecting a reply matching a regular expression; the
// reply's captures feed later steps (a session id, a playlist number). The
// single send/expect options are the one-step shorthand. Signage controllers
// and other text protocols are checked this way; only status requests belong
// in a dialogue.
package tcp
