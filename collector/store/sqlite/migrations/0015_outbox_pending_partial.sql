-- outbox_pending indexed every outbox row by (state, incident, notifier,
-- target, seq), so a delivery moved its row's entry from the pending part
-- of the index to the delivered part, at a random place (incident ids are
-- random), and the delivered part grew for ever. In a 5,000-branch wave
-- that index was 19% of the pages the WAL took (2,128 of 11,137 frames a
-- round), rewritten at nearly every commit. Only the outbox's pending rows
-- are ever looked up by route (every statement that does says
-- state = 'pending'), so the index holds those alone: a few pages, and a
-- delivery only deletes its entry.
DROP INDEX outbox_pending;
CREATE INDEX outbox_pending ON outbox (incident, notifier, target, seq) WHERE state = 'pending';
