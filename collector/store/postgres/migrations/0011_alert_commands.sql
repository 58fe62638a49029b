-- People's changes of incidents (acknowledge, unacknowledge, snooze) asked of
-- any collector, applied once by the collector whose alert engine runs. idem_key is
-- the request's idempotency key; state is pending until the engine settles it
-- as applied or refused (outcome says why). Times in unix nanoseconds (done_at
-- 0: not settled), snooze in nanoseconds.
CREATE TABLE alert_commands (
    seq       BIGSERIAL PRIMARY KEY,
    idem_key  TEXT    NOT NULL UNIQUE,
    incident  TEXT    NOT NULL,
    action    TEXT    NOT NULL,
    by_whom   TEXT    NOT NULL,
    snooze    BIGINT  NOT NULL DEFAULT 0,
    queued_at BIGINT  NOT NULL,
    state     TEXT    NOT NULL DEFAULT 'pending',
    outcome   TEXT    NOT NULL DEFAULT '',
    done_at   BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX alert_commands_state ON alert_commands (state, seq);
