-- As runtime/store/sqlite/migrations/0009_date_behavior.sql: a datetime
-- column's behavior, '' (user local) for every column written before.
ALTER TABLE attribute ADD COLUMN behavior TEXT NOT NULL DEFAULT '';
