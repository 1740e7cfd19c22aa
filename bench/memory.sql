-- bench/memory.sql: one statement in a fresh connection, then the
-- backend's /proc status (VmHWM: peak resident set) into bench_memory.
-- psql variables: label, nworkers, query.
SET max_parallel_workers_per_gather = :nworkers;
INSERT INTO bench_memory (label, before) VALUES (:'label', pg_read_file('/proc/self/status'));
:query \g /dev/null
UPDATE bench_memory SET after = pg_read_file('/proc/self/status') WHERE label = :'label';
