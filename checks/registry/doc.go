// Package registry maps each check kind to its factory, in one explicit map,
// and compiles a branch configuration into runnable checks.
package registry
