-- outbox_pending indexed every outbox row by (state, incident, notifier,
-- target, seq): a delivery (a new row version, as state is indexed) added
-- an entry in the delivered part of the index, at a random place (incident
-- ids are random), and that part grew for ever. Only pending rows are ever
-- looked up by route (every statement that does says state = 'pending'),
-- so the index now holds those alone: a delivery adds no entry to it, and
-- it stays the size of the backlog.
--
-- Built inside the migration's transaction (CREATE INDEX CONCURRENTLY
-- cannot be): it reads the whole outbox once and sorts its pending rows,
-- and the outbox is locked meanwhile (docs/operations.md, upgrades).
DROP INDEX outbox_pending;
CREATE INDEX outbox_pending ON outbox (incident, notifier, target, seq) WHERE state = 'pending';
