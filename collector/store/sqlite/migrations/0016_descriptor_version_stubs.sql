-- A branch's current descriptor is stored once, in its branches row
-- (descblob.go). The history's row for the version in force now holds a
-- stub instead of a second copy: x'02' and the SHA-256 of the JSON, 33
-- bytes, read through the branches row (DescriptorVersions). A copy,
-- about 800 compressed bytes, in a table keyed by branch took a page for
-- every three branches, each written at a random place: 12,000 of the
-- 47,500 WAL frames of a 20,000-branch first round.
--
-- Before a branches row takes another descriptor, this trigger writes the
-- descriptor it held into the stubs that stood for it, so every version
-- stays readable. The writer changes a descriptor only through the
-- upsert of putDescriptorSQL, which fires it; a first descriptor is an
-- INSERT and fires nothing. Versions stored before (JSON text, or blobs
-- of version 1) are left as they are.
CREATE TRIGGER descriptor_history_keep AFTER UPDATE OF descriptor ON branches
BEGIN
    UPDATE descriptor_history SET descriptor = OLD.descriptor
    WHERE branch = OLD.id AND length(descriptor) = 33 AND substr(descriptor, 1, 1) = x'02';
END;
