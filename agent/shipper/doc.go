// Package shipper sends spooled results to the collector's ingest API and
// removes them from the spool once the collector has answered for them.
//
// One loop (Run) takes up to BatchSize results from the spool, posts them
// gzipped as a result.Batch to {URL}/api/v1/results with the branch token,
// and acknowledges what the collector stored or rejected for good. While the
// spool has more it goes on at once, so a backlog of days drains at full
// speed; when empty it waits for Kick (new results) or the poll interval.
//
// Failures keep everything in the spool and back off exponentially with full
// jitter between MinBackoff and MaxBackoff, honouring Retry-After on 429 and
// 503. A 200 whose body is not a complete answer for the batch counts as not
// acknowledged: the batch is sent again, which is safe because the collector
// is idempotent on result id. A 413 splits the batch in halves; so does a
// 400, down to single results, and a single result the collector calls
// malformed is dropped (counted as "rejected") only when other results of the
// same batch were stored, so a collector that refuses everything never
// empties the spool. A 401 or 403 keeps everything and retries at the
// longest interval: the token must be fixed.
//
// The token is sent in the Authorization header and nowhere else: it never
// appears in a log line, an error or Status.
package shipper
