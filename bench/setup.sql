-- bench/setup.sql: the data of the ungrouped case (after helpers.sql).
-- psql variables: rows, workers.
--
-- t: :rows rows of x1..x10 (float8, different scales and offsets) and
-- y = 3 + 1*x1 - 2*x2 + ... + N(0, 1) noise, reproducible (setseed).
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

INSERT INTO bench_info VALUES ('table_size', pg_size_pretty(pg_table_size('t')));
