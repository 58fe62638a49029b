-- Placeholder on the tokens branch for a migration another branch adds at
-- the same time; the lead replaces it on merge.
SELECT 1;
