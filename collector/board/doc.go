// Package board is the operations centre's readiness board: every branch,
// its local time, opening time and deadline, its verdict, and for a branch
// that is not ready, which device and check failed and why.
package board
