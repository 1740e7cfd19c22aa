-- bench/metrics.sql: the metric aggregates (after helpers.sql).  psql
-- variables: rows, workers, runs.
--
-- tm: :rows rows of a class, a continuous score of it (every score
-- distinct: the most sorting learn.auc can have), a probability, a
-- regression target and its prediction, and text labels, reproducible
-- (setseed).  Times, serial and with :workers workers, each aggregate
-- against one scan of the columns it reads (SELECT sum(...) over them),
-- and reports the ratios.  learn.auc keeps its :rows scores (8 bytes a
-- row) and sorts them; the others keep sums or counts.
SET client_min_messages = warning;
DROP TABLE IF EXISTS tm;
SELECT setseed(0.25) \g /dev/null
CREATE UNLOGGED TABLE tm (
	actual		boolean,
	score		float8,
	p			float8,
	y			float8,
	yhat		float8,
	label		text,
	label_hat	text
);
INSERT INTO tm
SELECT actual, score, 1 / (1 + exp(-score)), y, y + 2 * (random() - 0.5),
	   (ARRAY['bird', 'cat', 'dog', 'emu'])[1 + k],
	   (ARRAY['bird', 'cat', 'dog', 'emu'])[1 + CASE WHEN random() < 0.7 THEN k
													ELSE floor(4 * random())::int END]
FROM (SELECT actual, (CASE WHEN actual THEN 1 ELSE 0 END) + 2 * random() - 1 AS score,
			 100 * random() AS y, floor(4 * random())::int AS k
	  FROM (SELECT random() < 0.3 AS actual FROM generate_series(1, :rows)) AS c) AS s;
VACUUM (FREEZE, ANALYZE) tm;
ALTER TABLE tm SET (parallel_workers = :workers);
SELECT pg_prewarm('tm') \g /dev/null
SELECT count(*) FROM tm \g /dev/null
INSERT INTO bench_info VALUES ('metrics_table_size', pg_size_pretty(pg_table_size('tm')));

-- name, scan of its columns, aggregate
CREATE TEMP TABLE bench_metric (name text PRIMARY KEY, scan text, agg text, ord int);
INSERT INTO bench_metric VALUES
	('auc', 'sum(score + actual::int)', 'learn.auc(actual, score)', 1),
	('r2', 'sum(y + yhat)', 'learn.r2(y, yhat)', 2),
	('log_loss', 'sum(p + actual::int)', 'learn.log_loss(actual, p)', 3),
	('accuracy', 'sum(octet_length(label) + octet_length(label_hat))',
	 'learn.accuracy(label, label_hat)', 4),
	('confusion', 'sum(octet_length(label) + octet_length(label_hat))',
	 'learn.confusion_matrix(label, label_hat)', 5);

SELECT bench_run(array_agg(n ORDER BY n), array_agg(q ORDER BY n), array_agg(w ORDER BY n), :runs)
FROM (SELECT format('m%s_%s_%s', m.name, k.kind, mode.name) AS n,
			 format('SELECT %s FROM tm', CASE k.kind WHEN 'scan' THEN m.scan ELSE m.agg END) AS q,
			 mode.workers AS w
		FROM bench_metric AS m,
			 (VALUES ('scan'), ('agg')) AS k(kind),
			 (VALUES ('serial', 0), ('parallel', :workers)) AS mode(name, workers)) AS r
\g /dev/null

-- the parallel and serial AUC are the same number
SET max_parallel_workers_per_gather = 0;
SELECT learn.auc(actual, score) AS auc_serial FROM tm \gset
SET max_parallel_workers_per_gather = :workers;
SELECT learn.auc(actual, score) AS auc_parallel FROM tm \gset
RESET max_parallel_workers_per_gather;

\echo
\echo 'metric aggregates:' :rows 'rows,' :workers 'workers for the parallel runs (median of' :runs 'runs)'
\echo '   S     SELECT sum(<the columns the aggregate reads>) FROM tm'
\echo '   A     SELECT <aggregate> FROM tm'
\echo '   learn.auc keeps every score (8 bytes a row) and sorts them; the parallel'
\echo '   workers sort their shares, the leader counts pairs run by run; the others keep sums or counts'
SELECT m.name AS metric, mode.name AS mode,
	   to_char(s.median, '0.000') || ' s' AS "S",
	   to_char(a.median, '990.000') || ' s' AS "A",
	   to_char(a.median / s.median, '990.00') AS "A/S",
	   to_char((SELECT min(x) FROM unnest(a.times) AS x) / (SELECT min(x) FROM unnest(s.times) AS x),
			   '990.00') AS "A/S best",
	   a.planned AS "workers"
  FROM bench_metric AS m
 CROSS JOIN (VALUES ('serial', 1), ('parallel', 2)) AS mode(name, o)
  JOIN bench_result AS s ON s.name = format('m%s_scan_%s', m.name, mode.name)
  JOIN bench_result AS a ON a.name = format('m%s_agg_%s', m.name, mode.name)
 ORDER BY m.ord, mode.o;
SELECT :'auc_serial' = :'auc_parallel' AS "AUC parallel = serial", :'auc_serial' AS auc;
