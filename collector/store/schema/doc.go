// Package schema reads a store's embedded, numbered schema migrations
// (NNNN_words.sql, numbered 1, 2, 3... without gaps). Each store applies
// them in its own transactions; the files and their rules are shared.
package schema
