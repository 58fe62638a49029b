// Package tcp checks that a TCP service answers: it connects, and optionally
// sends a line and expects a reply matching a regular expression.
package tcp
