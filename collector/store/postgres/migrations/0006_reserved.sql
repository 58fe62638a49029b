-- Reserved: version 6 is taken by another branch (verdict revisions and
-- signed records). This placeholder keeps the numbering without a gap until
-- the two are merged; drop it then.
SELECT 1;
