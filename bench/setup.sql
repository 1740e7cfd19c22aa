-- bench/setup.sql: the data and the timing helper.
-- psql variables: rows.
--
-- t: :rows rows of x1..x10 (float8, different scales and offsets) and
-- y = 3 + 1*x1 - 2*x2 + ... + N(0, 1) noise, reproducible (setseed).
CREATE EXTENSION pg_learn;
CREATE EXTENSION pg_prewarm;

SELECT setseed(0.5) \g /dev/null
CREATE UNLOGGED TABLE t (
	y	float8,
	x1	float8, x2 float8, x3 float8, x4 float8, x5 float8,
	x6	float8, x7 float8, x8 float8, x9 float8, x10 float8
);
INSERT INTO t
SELECT 3 + 1 * x1 - 2 * x2 + 0.5 * x3 + 4 * x4 - 1.5 * x5
		 + 0.25 * x6 - 3 * x7 + 2 * x8 + 0.75 * x9 - 0.1 * x10
		 + sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()),
	   x1, x2, x3, x4, x5, x6, x7, x8, x9, x10
FROM (SELECT random() AS x1, 10 * random() AS x2, random() - 0.5 AS x3,
			 100 + random() AS x4, 2 * random() AS x5, 5 * random() AS x6,
			 random() * random() AS x7, 1000 * random() AS x8,
			 random() + 1 AS x9, 50 * random() - 25 AS x10
	  FROM generate_series(1, :rows)) AS s;

-- hint bits, visibility map and statistics now, not during a timed run
VACUUM (FREEZE, ANALYZE) t;
-- parallel plans with exactly max_parallel_workers_per_gather workers
ALTER TABLE t SET (parallel_workers = :workers);

-- warm the cache: the whole table into shared buffers, then one scan
SELECT pg_prewarm('t') AS blocks \gset
SELECT count(*) FROM t \gset

-- Runs each query runs times in this session, round by round (so that a
-- slow moment of the machine hits every query alike), each with
-- max_parallel_workers_per_gather = its workers; stores every run's
-- seconds, their median and the workers of the plan's Gather node.
CREATE FUNCTION bench_run(names text[], queries text[], workers int[],
						  runs int)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	t0		timestamptz;
	secs	float8;
BEGIN
	FOR q IN 1..cardinality(queries) LOOP
		INSERT INTO bench_result (name, query, workers, times)
		VALUES (names[q], queries[q], workers[q], '{}');
	END LOOP;
	FOR r IN 1..runs LOOP
		FOR q IN 1..cardinality(queries) LOOP
			PERFORM set_config('max_parallel_workers_per_gather', workers[q]::text, true);
			t0 := clock_timestamp();
			EXECUTE queries[q];
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
	('table_size', pg_size_pretty(pg_table_size('t'))),
	('shared_buffers', current_setting('shared_buffers')),
	('jit', current_setting('jit')),
	('version', current_setting('server_version'));
