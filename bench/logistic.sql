-- bench/logistic.sql: the logistic case (after helpers.sql).  psql
-- variables: rows, workers, runs.
--
-- tl: :rows rows of the same 10 features as t (setup.sql) and a label b
-- drawn from a logistic model of them (so that the classes overlap, as
-- in real data, and the fit converges), reproducible (setseed).  Times
-- the scan S of all its columns, the aggregate pass alone (the first
-- IRLS pass) and learn.train(..., 'logistic', ...), serial and parallel,
-- from its default start (a sample's, at these sizes) and from R's means,
-- and reports, with the iterations of the fit, training in scans, passes
-- (iterations + 1: the first pass starts from R's starting means) and
-- seconds per pass in scans.
SET client_min_messages = warning;
DROP TABLE IF EXISTS tl;
SELECT setseed(0.5) \g /dev/null
CREATE UNLOGGED TABLE tl (
	b	boolean,
	x1	float8, x2 float8, x3 float8, x4 float8, x5 float8,
	x6	float8, x7 float8, x8 float8, x9 float8, x10 float8
);
INSERT INTO tl
SELECT random() < 1 / (1 + exp(-(-8.5 + 1 * x1 - 0.2 * x2 + 0.5 * x3 + 0.08 * x4 - 0.5 * x5
								 + 0.1 * x6 - 1 * x7 + 0.001 * x8 + 0.3 * x9 - 0.02 * x10))),
	   x1, x2, x3, x4, x5, x6, x7, x8, x9, x10
FROM (SELECT random() AS x1, 10 * random() AS x2, random() - 0.5 AS x3,
			 100 + random() AS x4, 2 * random() AS x5, 5 * random() AS x6,
			 random() * random() AS x7, 1000 * random() AS x8,
			 random() + 1 AS x9, 50 * random() - 25 AS x10
	  FROM generate_series(1, :rows)) AS s;
VACUUM (FREEZE, ANALYZE) tl;
ALTER TABLE tl SET (parallel_workers = :workers);
SELECT pg_prewarm('tl') \g /dev/null

SELECT bench_run(
	ARRAY['lscan_serial', 'lscan_parallel', 'lpass_serial', 'lpass_parallel',
		  'logit_serial', 'logit_parallel', 'logitm_serial', 'logitm_parallel'],
	ARRAY[
		$q$SELECT sum(b::int + x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10) FROM tl$q$,
		$q$SELECT sum(b::int + x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10) FROM tl$q$,
		$q$SELECT learn._glm_pass(NULL, 0, 291, 'b', b::int::float8, 1, 0, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10) FROM tl$q$,
		$q$SELECT learn._glm_pass(NULL, 0, 291, 'b', b::int::float8, 1, 0, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10) FROM tl$q$,
		$q$SELECT learn.train('blogit', 'logistic', 'tl', 'b', params => '{"deploy": false}')$q$,
		$q$SELECT learn.train('blogit', 'logistic', 'tl', 'b', params => '{"deploy": false}')$q$,
		$q$SELECT learn.train('blogitm', 'logistic', 'tl', 'b', params => '{"deploy": false, "start": "means"}')$q$,
		$q$SELECT learn.train('blogitm', 'logistic', 'tl', 'b', params => '{"deploy": false, "start": "means"}')$q$],
	ARRAY[0, :workers, 0, :workers, 0, :workers, 0, :workers],
	:runs) \g /dev/null

-- scoring by name against the formula written inline, serial
SELECT 1 FROM learn.train('blogit_scored', 'logistic', 'tl', 'b') \g /dev/null
SELECT string_agg(CASE WHEN c.position = 0 THEN format('%s::float8', c.estimate)
					   ELSE format('%s::float8 * %I', c.estimate, c.term) END,
				  ' + ' ORDER BY c.position) AS inline_eta
FROM learn.coefficients AS c JOIN learn.models AS m ON m.id = c.model_id
WHERE m.name = 'blogit_scored' AND m.deployed \gset
SELECT bench_run(
	ARRAY['lscore_inline', 'lscore_row', 'lscore_label'],
	ARRAY[
		format('SELECT sum(1 / (1 + exp(-(%s)))) FROM tl', :'inline_eta'),
		$q$SELECT sum(learn.predict_proba('blogit_scored', tl)) FROM tl$q$,
		$q$SELECT count(*) FILTER (WHERE learn.predict('blogit_scored', tl) = 1) FROM tl$q$],
	ARRAY[0, 0, 0],
	:runs) \g /dev/null

SELECT (metrics ->> 'iterations')::int AS iterations, metrics ->> 'converged' AS converged,
	   coalesce((metrics ->> 'sample_iterations')::int, 0) AS sample_iterations,
	   coalesce(params ->> 'start', 'means') AS start,
	   round((metrics ->> 'accuracy')::numeric, 4) AS accuracy
  FROM learn.models WHERE name = 'blogit' ORDER BY id DESC LIMIT 1 \gset
\echo
\echo 'logistic regression:' :rows 'rows x 10 features, start' :start ',' :iterations 'iterations over all rows after' :sample_iterations 'on a sample (converged' :converged ', training accuracy' :accuracy ')'
\echo '   S     SELECT sum(b::int + x1 + ... + x10) FROM tl'
\echo '   P     learn._glm_pass over tl (one IRLS pass alone)'
\echo '   T     learn.train(''blogit'', ''logistic'', ''tl'', ''b'')'
\echo '   a pass: T over the passes over all rows (iterations + 1); an iteration: T over the'
\echo '   iterations over all rows, and over all iterations, the sample''s included'
\echo '   (goals of issue 14: T/S per iteration <= 1.3, T/S <= 8; MADlib: 7 scans an iteration, 49 in all)'
SELECT m.mode AS "      ",
	   to_char(s.median, '0.000') || ' s' AS "S",
	   to_char(p.median / s.median, '90.00') AS "P/S",
	   to_char(t.median / s.median, '990.00') AS "T/S",
	   to_char(t.median / s.median / (:iterations + 1), '90.00') AS "T/S a pass",
	   to_char(t.median / s.median / :iterations, '90.00') AS "T/S an iteration",
	   to_char(t.median / s.median / (:iterations + :sample_iterations), '90.00') AS "(all iterations)"
  FROM (VALUES ('serial'), ('parallel')) AS m(mode)
  JOIN bench_result s ON s.name = 'lscan_' || m.mode
  JOIN bench_result p ON p.name = 'lpass_' || m.mode
  JOIN bench_result t ON t.name = 'logit_' || m.mode;

SELECT (metrics ->> 'iterations')::int AS means_iterations
  FROM learn.models WHERE name = 'blogitm' ORDER BY id DESC LIMIT 1 \gset
\echo 'the same from R''s starting means ("start": "means"),' :means_iterations 'iterations:'
SELECT m.mode AS "      ",
	   to_char(tm.median / s.median, '990.00') AS "T/S",
	   to_char(tm.median / s.median / (:means_iterations + 1), '90.00') AS "T/S a pass",
	   to_char(tm.median / s.median / :means_iterations, '90.00') AS "T/S an iteration",
	   to_char(t.median / tm.median, '0.00') AS "T / T from the means"
  FROM (VALUES ('serial'), ('parallel')) AS m(mode)
  JOIN bench_result s ON s.name = 'lscan_' || m.mode
  JOIN bench_result t ON t.name = 'logit_' || m.mode
  JOIN bench_result tm ON tm.name = 'logitm_' || m.mode;

\echo 'scoring, serial, against 1 / (1 + exp(-(b0 + b1 * x1 + ...))) written inline (goal of issue 14: <= 1.2)'
SELECT to_char(i.median, '0.000') || ' s' AS "inline",
	   to_char(r.median / i.median, '0.00') AS "predict_proba(m, tl) / inline",
	   to_char(l.median / i.median, '0.00') AS "predict(m, tl) / inline"
  FROM bench_result i, bench_result r, bench_result l
 WHERE i.name = 'lscore_inline' AND r.name = 'lscore_row' AND l.name = 'lscore_label';
