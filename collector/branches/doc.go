// Package branches manages the branch registry: branches imported from a
// CSV file or added one by one, their agents' tokens (shown once, stored as
// SHA-256, rotated with an overlap so that no agent is locked out) and
// one-time enrollment codes that an agent exchanges for its token. The
// command line, the admin API and the board all go through Service.
package branches
