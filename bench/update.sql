-- bench/update.sql: learn.update against a scan of the new rows and
-- against training on all the rows (after helpers.sql).  psql variables:
-- rows, workers, runs.
--
-- tu: :rows rows of y and x1..x10, as setup.sql makes them, and tu_new:
-- 1% more of the same kind.  A model trained on tu (ungrouped, and grouped
-- by g in 1000 groups) is updated with tu_new; each run updates the same
-- first version, so every run merges the same states.  Timed, serial and
-- with :workers workers:
--   scan_new    SELECT sum(y + x1 + ... + x10) FROM tu_new
--   update      learn.update('bu@1', 'tu_new')
--   retrain     learn.train on tu and tu_new (what the update replaces)
--   scan_all    the scan of tu and tu_new
-- and the grouped ones (update_g, retrain_g) against the same scans.
SET client_min_messages = warning;
SELECT setseed(0.5) \g /dev/null
CREATE UNLOGGED TABLE tu (
	g	int,
	y	float8,
	x1	float8, x2 float8, x3 float8, x4 float8, x5 float8,
	x6	float8, x7 float8, x8 float8, x9 float8, x10 float8
);
INSERT INTO tu
SELECT (random() * 999)::int, 3 + 1 * x1 - 2 * x2 + 0.5 * x3 + 4 * x4 - 1.5 * x5
		 + 0.25 * x6 - 3 * x7 + 2 * x8 + 0.75 * x9 - 0.1 * x10
		 + sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()),
	   x1, x2, x3, x4, x5, x6, x7, x8, x9, x10
FROM (SELECT random() AS x1, 10 * random() AS x2, random() - 0.5 AS x3,
			 100 + random() AS x4, 2 * random() AS x5, 5 * random() AS x6,
			 random() * random() AS x7, 1000 * random() AS x8,
			 random() + 1 AS x9, 50 * random() - 25 AS x10
	  FROM generate_series(1, :rows + :rows / 100)) AS s;
CREATE UNLOGGED TABLE tu_new AS SELECT * FROM tu WHERE ctid IN (SELECT ctid FROM tu LIMIT :rows / 100);
DELETE FROM tu WHERE ctid IN (SELECT ctid FROM tu LIMIT :rows / 100);
VACUUM (FREEZE, ANALYZE) tu, tu_new;
ALTER TABLE tu SET (parallel_workers = :workers);
ALTER TABLE tu_new SET (parallel_workers = :workers);
CREATE VIEW tu_all AS SELECT * FROM tu UNION ALL SELECT * FROM tu_new;
SELECT pg_prewarm('tu'), pg_prewarm('tu_new') \g /dev/null
SELECT count(*) FROM tu_all \g /dev/null
INSERT INTO bench_info VALUES ('update_new_rows', (SELECT count(*) FROM tu_new)::text),
	('update_old_rows', (SELECT count(*) FROM tu)::text);

-- the first versions, which every timed update starts from
SELECT 1 FROM learn.train('bu', 'linear', 'tu', 'y', '{x1,x2,x3,x4,x5,x6,x7,x8,x9,x10}',
						  '{"deploy": false}') \g /dev/null
SELECT 1 FROM learn.train('bug', 'linear', 'tu', 'y', '{x1,x2,x3,x4,x5,x6,x7,x8,x9,x10}',
						  '{"deploy": false}', group_by => '{g}') \g /dev/null

CREATE TEMP TABLE bench_update (name text PRIMARY KEY, query text, ord int);
INSERT INTO bench_update VALUES
	('scan_new', 'SELECT sum(y + x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10) FROM tu_new', 1),
	('update', 'SELECT 1 FROM learn.update(''bu@1'', ''tu_new'')', 2),
	('update_g', 'SELECT 1 FROM learn.update(''bug@1'', ''tu_new'')', 3),
	('scan_all', 'SELECT sum(y + x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10) FROM tu_all', 4),
	('retrain', 'SELECT 1 FROM learn.train(''bu_all'', ''linear'', ''tu_all'', ''y'', ''{x1,x2,x3,x4,x5,x6,x7,x8,x9,x10}'', ''{"deploy": false}'')', 5),
	('retrain_g', 'SELECT 1 FROM learn.train(''bug_all'', ''linear'', ''tu_all'', ''y'', ''{x1,x2,x3,x4,x5,x6,x7,x8,x9,x10}'', ''{"deploy": false}'', group_by => ''{g}'')', 6);

SELECT bench_run(array_agg(name || '_serial' ORDER BY ord), array_agg(query ORDER BY ord),
				 array_fill(0, ARRAY[count(*)::int]), :runs)
  FROM bench_update
\g /dev/null
SELECT bench_run(array_agg(name || '_parallel' ORDER BY ord), array_agg(query ORDER BY ord),
				 array_fill(:workers, ARRAY[count(*)::int]), :runs)
  FROM bench_update
\g /dev/null

\echo
\echo 'learn.update:' :rows 'rows trained on, 1% more added (median of' :runs 'runs; goal: update / scan of the new rows <= 1.5)'
SELECT u.name, m.mode, to_char(b.median * 1000, '99990.0') || ' ms' AS "time",
	   to_char(b.median / sn.median, '9990.00') AS "/ scan of new rows",
	   to_char(b.median / sa.median, '990.00') AS "/ scan of all rows"
  FROM bench_update AS u
 CROSS JOIN (VALUES ('serial', 1), ('parallel', 2)) AS m(mode, o)
  JOIN bench_result AS b ON b.name = u.name || '_' || m.mode
  JOIN bench_result AS sn ON sn.name = 'scan_new_' || m.mode
  JOIN bench_result AS sa ON sa.name = 'scan_all_' || m.mode
 ORDER BY m.o, u.ord;
SELECT m.mode, to_char(r.median / u.median, '990.0') AS "retrain / update",
	   to_char(rg.median / ug.median, '990.0') AS "grouped: retrain / update"
  FROM (VALUES ('serial'), ('parallel')) AS m(mode)
  JOIN bench_result AS u ON u.name = 'update_' || m.mode
  JOIN bench_result AS r ON r.name = 'retrain_' || m.mode
  JOIN bench_result AS ug ON ug.name = 'update_g_' || m.mode
  JOIN bench_result AS rg ON rg.name = 'retrain_g_' || m.mode;
