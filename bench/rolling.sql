-- bench/rolling.sql: learn.linreg over a moving window frame (after
-- helpers.sql).  psql variables: rows, runs.
--
-- tr: :rows rows in 10 series (g), ordered by t within each, with
-- y = 1 + 2 x1 - x2 + N(0,1)-ish noise, reproducible (setseed).  Times,
-- serially, window queries over frames of 60 and 600 rows:
--   sum       sum(y) OVER w: PostgreSQL's float8 sum has no inverse, so
--             it adds up the whole frame at every row
--   linreg    learn.linreg(y, ARRAY[1, x1, x2]) OVER w: the moving mode,
--             one update and one downdate a row, then the solve
--   refit     the same with a volatile term (+ 0 * random()) in x, which
--             keeps PostgreSQL from the moving mode: the plain aggregate
--             over the whole frame at every row
-- and reports each against the sum over the same frame.
SET client_min_messages = warning;
DROP TABLE IF EXISTS tr;
SELECT setseed(0.5) \g /dev/null
CREATE UNLOGGED TABLE tr AS
SELECT i % 10 AS g, i / 10 AS t, x1, x2, 1 + 2 * x1 - x2 + (random() + random() + random() - 1.5) AS y
  FROM (SELECT i, random() AS x1, random() AS x2 FROM generate_series(0, :rows - 1) AS i) AS s;
CREATE INDEX ON tr (g, t);
VACUUM (FREEZE, ANALYZE) tr;
SELECT pg_prewarm('tr') \g /dev/null
SELECT count(*) FROM tr \g /dev/null
INSERT INTO bench_info VALUES ('rolling_table_size', pg_size_pretty(pg_table_size('tr')));

CREATE TEMP TABLE bench_rolling (name text PRIMARY KEY, agg text, frame int, ord int);
INSERT INTO bench_rolling VALUES
	('sum_60', 'sum(y)', 60, 1),
	('linreg_60', '(learn.linreg(y, ARRAY[1, x1, x2]) OVER w).coef[2]', 60, 2),
	('refit_60', '(learn.linreg(y, ARRAY[1, x1, x2 + 0 * random()]) OVER w).coef[2]', 60, 3),
	('sum_600', 'sum(y)', 600, 4),
	('linreg_600', '(learn.linreg(y, ARRAY[1, x1, x2]) OVER w).coef[2]', 600, 5);
UPDATE bench_rolling SET agg = agg || ' OVER w' WHERE name LIKE 'sum%';

SELECT bench_run(array_agg(name ORDER BY ord),
				 array_agg(format('SELECT sum(v) FROM (SELECT %s AS v FROM tr'
								  ' WINDOW w AS (PARTITION BY g ORDER BY t ROWS BETWEEN %s PRECEDING AND CURRENT ROW)) AS q',
								  agg, frame - 1) ORDER BY ord),
				 array_fill(0, ARRAY[count(*)::int]), :runs)
  FROM bench_rolling
\g /dev/null

\echo
\echo 'rolling windows:' :rows 'rows in 10 series, serial (median of' :runs 'runs)'
\echo '   SELECT sum(v) FROM (SELECT <agg> AS v FROM tr WINDOW w AS'
\echo '          (PARTITION BY g ORDER BY t ROWS BETWEEN <frame - 1> PRECEDING AND CURRENT ROW))'
SELECT r.name, r.frame, to_char(b.median, '990.000') || ' s' AS "time",
	   to_char(b.median / s.median, '990.00') AS "/ sum, same frame",
	   to_char(1e6 * b.median / :rows, '990.00') || ' us' AS "per row"
  FROM bench_rolling AS r
  JOIN bench_result AS b ON b.name = r.name
  JOIN bench_result AS s ON s.name = 'sum_' || r.frame
 ORDER BY r.ord;
