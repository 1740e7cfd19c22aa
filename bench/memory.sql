-- bench/memory.sql: one statement in a fresh connection, then the
-- backend's /proc status (VmHWM: peak resident set) into bench_memory.
-- psql variables: label, nworkers, query.
SET max_parallel_workers_per_gather = :nworkers;
INSERT INTO bench_memory (label, before) VALUES (:'label', pg_read_file('/proc/self/status'));
-- the kept aggregate alone may end with 54000 (more groups than hash_mem
-- holds, serially): its peak is measured all the same; any other error
-- stops the bench
\set ON_ERROR_STOP 0
:query \g /dev/null
\set ON_ERROR_STOP 1
SELECT CASE WHEN :'SQLSTATE' NOT IN ('00000', '54000') THEN 1 / 0 END AS failed \g /dev/null
UPDATE bench_memory SET after = pg_read_file('/proc/self/status') WHERE label = :'label';
