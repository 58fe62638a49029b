-- The agent's last heartbeat (spool depth, drops, last sweep) as JSON.
ALTER TABLE branches ADD COLUMN heartbeat TEXT;
