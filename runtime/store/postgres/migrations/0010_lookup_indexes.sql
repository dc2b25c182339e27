-- Lookup columns are indexed, as Dataverse indexes every lookup: the
-- index names depend on the tables, so the store's code creates them
-- (indexLookups) for an environment this migration finds at an earlier
-- version; tables and columns created later are indexed as they are made.
SELECT 1;
