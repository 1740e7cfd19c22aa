-- bench/helpers.sql: the extensions, the timing helper and the result
-- tables, shared by the ungrouped case (setup.sql) and the grouped one
-- (grouped.sql).  psql variables: rows, workers.
CREATE EXTENSION pg_learn;
CREATE EXTENSION pg_prewarm;

-- Runs each query runs times in this session, round by round (so that a
-- slow moment of the machine hits every query alike), each with
-- max_parallel_workers_per_gather = its workers; stores every run's
-- seconds, their median and the workers of the plan's Gather node.  A
-- later call with a name already in bench_result adds its runs to that
-- name's (the grouped case calls it once a round, with untimed cleanup
-- between the calls).
CREATE FUNCTION bench_run(names text[], queries text[], workers int[],
						  runs int)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	t0		timestamptz;
	secs	float8;
BEGIN
	FOR q IN 1..cardinality(queries) LOOP
		INSERT INTO bench_result (name, query, workers, times)
		VALUES (names[q], queries[q], workers[q], '{}')
		ON CONFLICT (name) DO NOTHING;
	END LOOP;
	FOR r IN 1..runs LOOP
		FOR q IN 1..cardinality(queries) LOOP
			PERFORM set_config('max_parallel_workers_per_gather', workers[q]::text, true);
			t0 := clock_timestamp();
			BEGIN
				EXECUTE queries[q];
			EXCEPTION WHEN program_limit_exceeded THEN
				-- the kept aggregate alone, serially, at more groups than
				-- hash_mem holds: it ends there (54000), as in learn.train
				NULL;
			END;
			secs := extract(epoch FROM clock_timestamp() - t0);
			UPDATE bench_result SET times = times || secs WHERE name = names[q];
		END LOOP;
	END LOOP;
	UPDATE bench_result AS b
	   SET median = (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x)
					 FROM unnest(b.times) AS x),
		   planned = bench_planned_workers(b.query, b.workers)
	 WHERE b.name = ANY (names);
END
$$;

-- Workers planned for a query's Gather node (0 for a serial plan; the
-- training's own pass runs inside learn.train and is not seen here).
CREATE FUNCTION bench_planned_workers(query text, workers int)
RETURNS int LANGUAGE plpgsql AS $$
DECLARE
	plan	json;
BEGIN
	PERFORM set_config('max_parallel_workers_per_gather', workers::text, true);
	EXECUTE 'EXPLAIN (FORMAT JSON) ' || query INTO plan;
	RETURN coalesce((SELECT max((m[1])::int)
					 FROM regexp_matches(plan::text, '"Workers Planned": (\d+)', 'g') AS m), 0);
END
$$;

CREATE TABLE bench_result (
	name		text PRIMARY KEY,
	query		text,
	workers		int,
	times		float8[],
	median		float8,
	planned		int				-- workers planned, when known
);

CREATE TABLE bench_memory (
	label		text PRIMARY KEY,
	before		text,			-- /proc/<backend>/status before the statement
	after		text			-- and after it
);

-- a number of kB from a /proc/<pid>/status text
CREATE FUNCTION bench_kb(status text, field text) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$
	SELECT (regexp_match(status, field || ':\s+(\d+) kB'))[1]::bigint
$$;

CREATE TABLE bench_info (key text PRIMARY KEY, value text);
INSERT INTO bench_info VALUES
	('rows', :'rows'),
	('workers', :'workers'),
	('shared_buffers', current_setting('shared_buffers')),
	('work_mem', current_setting('work_mem')),
	('jit', current_setting('jit')),
	('version', current_setting('server_version'));
