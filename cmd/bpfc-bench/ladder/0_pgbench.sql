-- pgbench's own single-row update (its tpcb tables, in the public schema).
\set aid random(1, 100000)
\set delta random(-5000, 5000)
UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid;
