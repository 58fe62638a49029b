// Package auth decides who may do what at the collector: agents present a
// per-branch bearer token (stored only as its SHA-256) and may write only
// their own branch; people log in to the board and write APIs with a user
// name and a bcrypt-hashed password, and their role (role.go: one grants
// table) says which actions they may take and which branches they see.
package auth
