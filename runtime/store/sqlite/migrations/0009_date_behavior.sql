-- A datetime column's behavior (Dataverse's DateTimeBehavior): '' user
-- local, the default and what every column written before this migration
-- has; date_only or time_zone_independent.
ALTER TABLE attribute ADD COLUMN behavior TEXT NOT NULL DEFAULT '';
