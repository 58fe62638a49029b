// Package enroll exchanges a one-time enrollment code for the branch's
// agent token (POST /api/v1/enroll at the collector) and writes the token
// to a file only the agent's service account can read (mode 0600), where
// the configuration's collector.token_file points. The collector answers a
// used, expired or unknown code with a message saying what to do; Enroll
// returns it as the error, so the person at the branch sees it as is.
package enroll
