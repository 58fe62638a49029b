package store

import "context"

// interactiveKey marks a context as a person's request (see Interactive).
type interactiveKey struct{}

// Interactive marks ctx as a request a person is waiting for, a board
// page: a store that keeps connections of its own for such reads
// (PostgreSQL) answers it on those, instead of queueing it behind the
// bulk work of a wave (ingest's group commits, the judge's reads, the
// alert engine) for a connection of the shared pool.
func Interactive(ctx context.Context) context.Context {
	return context.WithValue(ctx, interactiveKey{}, true)
}

// IsInteractive reports whether ctx was marked by Interactive.
func IsInteractive(ctx context.Context) bool {
	v, _ := ctx.Value(interactiveKey{}).(bool)
	return v
}
