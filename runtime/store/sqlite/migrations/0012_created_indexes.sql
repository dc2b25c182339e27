-- A table's createdon is indexed, newest first and then by the key, the
-- order of the web pages' record lists: the index names depend on the
-- tables, so the store's code creates them (indexCreatedAll) for an
-- environment this migration finds at an earlier version; tables created
-- later are indexed as they are made.
SELECT 1;
