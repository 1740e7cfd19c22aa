-- bench/plan.sql: the first training (deployed, untimed), with the plan of
-- its data pass shown by auto_explain: it must be a Partial/Finalize
-- aggregate with workers when max_parallel_workers_per_gather allows.
-- psql variables: workers.  run.sh keeps the "Workers" lines of the output.
LOAD 'auto_explain';
SET auto_explain.log_min_duration = 0;
SET auto_explain.log_nested_statements = on;
SET auto_explain.log_analyze = on;
SET auto_explain.log_timing = off;
SET auto_explain.log_level = notice;
SET client_min_messages = notice;
SET max_parallel_workers_per_gather = :workers;
SELECT learn.train('bench', 'linear', 't', 'y') \g /dev/null
