-- A board refresh lists every branch's contact but not its descriptor (the
-- collector keeps descriptors decoded by config hash). A descriptor of a few
-- kilobytes fills most of a page, so listing contacts from the table read a
-- page per branch: 20,000 pages for a bank. This covering index holds the
-- contact columns of thousands of branches in a few pages.
CREATE INDEX branches_contact ON branches (id, contact_at, agent_version, config_hash, clock_skew_ns, heartbeat);
