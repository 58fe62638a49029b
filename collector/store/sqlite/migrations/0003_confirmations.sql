-- Staff confirmations of manual checklist items made on the board; agents
-- fetch them for their manual checks. Kept as a log: the latest per item wins.
CREATE TABLE confirmations (
    branch     TEXT    NOT NULL,
    device     TEXT    NOT NULL,
    check_name TEXT    NOT NULL,
    date       TEXT    NOT NULL,
    by_name    TEXT    NOT NULL,
    at         BIGINT  NOT NULL,
    problem    TEXT    NOT NULL
);

CREATE INDEX confirmations_branch_date ON confirmations (branch, date);
