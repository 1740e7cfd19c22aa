-- bench/categorical.sql: the categorical case (after helpers.sql).  psql
-- variables: rows, workers, runs.
--
-- tc: :rows rows of a response y, two text columns c1 and c2 of 50 levels
-- each ('a01' ... 'a50', 'b01' ... 'b50', about equally frequent) and 8
-- float8 features, y a linear combination of them with an effect per
-- level plus noise, reproducible (setseed).  A linear model of y on all
-- of them has 1 + 49 + 49 + 8 = 107 terms.  Times, round by round, serial
-- and with :workers workers:
--   S  the scan SELECT sum(y + x1 + ... + x8 + octet_length(c1) + octet_length(c2)) FROM tc;
--   L  the scan for the levels alone, which grouped trainings and GLMs
--      run before their passes (an ungrouped linear one finds them in
--      its pass 1);
--   A  the training aggregate alone: learn.linear_partial over the text
--      columns and the numbers with an open encoding, as pass 1 of T;
--   T  learn.train('bcat', 'linear', 'tc', 'y', params => '{"deploy": false}');
--   scoring a deployed model by name, row form, learn.predict('bcat_scored', tc),
--   against its formula written inline: the intercept, coef * x of each
--   number and CASE c WHEN 'level' THEN coef ... ELSE 0 END of each text
--   column, generated from learn.coefficients and learn.encodings.
-- Before timing, it checks row by row that the inline formula and
-- learn.predict agree to 1e-9 relative: else the timings compare two
-- different computations.
SET client_min_messages = warning;
DROP TABLE IF EXISTS tc;
SELECT setseed(0.75) \g /dev/null
CREATE UNLOGGED TABLE tc (
	y	float8,
	c1	text, c2 text,
	x1	float8, x2 float8, x3 float8, x4 float8,
	x5	float8, x6 float8, x7 float8, x8 float8
);
INSERT INTO tc
SELECT 3 + 1 * x1 - 0.2 * x2 + 0.5 * x3 + 0.08 * x4 - 0.5 * x5 + 0.1 * x6 - 1 * x7 + 0.001 * x8
	   + sin(k1) + 0.5 * cos(k2) + 2 * (random() - 0.5) + 2 * (random() - 0.5),
	   'a' || lpad(k1::text, 2, '0'), 'b' || lpad(k2::text, 2, '0'),
	   x1, x2, x3, x4, x5, x6, x7, x8
FROM (SELECT 1 + floor(50 * random())::int AS k1, 1 + floor(50 * random())::int AS k2,
			 random() AS x1, 10 * random() AS x2, random() - 0.5 AS x3,
			 100 + random() AS x4, 2 * random() AS x5, 5 * random() AS x6,
			 random() * random() AS x7, 1000 * random() AS x8
	  FROM generate_series(1, :rows)) AS s;
VACUUM (FREEZE, ANALYZE) tc;
ALTER TABLE tc SET (parallel_workers = :workers);
SELECT pg_prewarm('tc') \g /dev/null
SELECT count(*) FROM tc \g /dev/null
INSERT INTO bench_info VALUES ('categorical_table_size', pg_size_pretty(pg_table_size('tc')));

-- The model that is scored (deployed), untimed; its terms give the
-- aggregate's arguments and the inline formula.
SELECT 1 FROM learn.train('bcat_scored', 'linear', 'tc', 'y') \g /dev/null
CREATE TEMP VIEW bcat_model AS SELECT * FROM learn.models WHERE name = 'bcat_scored' AND deployed;

-- The training aggregate alone, as learn.train's pass 1 calls it: the
-- features (a text one as its text), then the open encoding (for each
-- feature 0, or -max_levels for a text one: the aggregate finds the
-- levels; src/train.c, open_pass).
SELECT format('SELECT learn.linear_partial(y, 1, %s, %L::text[]) FROM tc',
			  (SELECT string_agg(CASE WHEN EXISTS (SELECT FROM learn.encodings AS e
												   WHERE e.model_id = m.id AND e.feature = f.f)
								 THEN format('%I::text', f.f) ELSE quote_ident(f.f) END, ', ' ORDER BY f.o)
				 FROM unnest(m.features) WITH ORDINALITY AS f(f, o)),
			  (SELECT array_agg(CASE WHEN EXISTS (SELECT FROM learn.encodings AS e
												  WHERE e.model_id = m.id AND e.feature = f.f)
								THEN '-1000' ELSE '0' END ORDER BY f.o)
				 FROM unnest(m.features) WITH ORDINALITY AS f(f, o)))
	   AS agg_query
  FROM bcat_model AS m \gset

-- The scan for the levels alone, as a grouped training or a GLM runs it
-- before its passes (src/train.c, scan_levels; an ungrouped linear
-- training finds them in its pass 1 instead).
SELECT $q$SELECT length(learn.linear_partial(0::float8, 0::float8, s.c1::text, s.c2::text, '{-1000,-1000}'::text[])) FROM tc AS s$q$
	   AS levels_query \gset

-- The inline formula, from the stored coefficients and levels: the
-- intercept, then for each feature in order coef * x, or a CASE over its
-- levels (the reference level, and a level unseen in training, score 0,
-- as learn.predict scores them).  A NULL estimate (an aliased term)
-- counts as 0, as in learn.predict.
SELECT format('%s::float8', i.estimate) || ' + ' ||
	   string_agg(CASE WHEN NOT EXISTS (SELECT FROM learn.encodings AS e
										WHERE e.model_id = m.id AND e.feature = f.f)
					   THEN format('%s::float8 * %I',
								   (SELECT coalesce(c.estimate, 0) FROM learn.coefficients AS c
									 WHERE c.model_id = m.id AND c.term = f.f), f.f)
					   ELSE format('CASE %I %s ELSE 0::float8 END', f.f,
								   (SELECT string_agg(format('WHEN %L THEN %s::float8', e.level,
															 coalesce(c.estimate, 0)), ' ' ORDER BY e.position)
									  FROM learn.encodings AS e
									  JOIN learn.coefficients AS c
										ON c.model_id = m.id AND c.term = e.feature || '=' || e.level
									 WHERE e.model_id = m.id AND e.feature = f.f)) END,
				  ' + ' ORDER BY f.o) AS inline_formula
  FROM bcat_model AS m
  JOIN learn.coefficients AS i ON i.model_id = m.id AND i.position = 0,
	   unnest(m.features) WITH ORDINALITY AS f(f, o)
 GROUP BY i.estimate \gset

-- The inline formula is the model's: row by row, to 1e-9 relative (the
-- predictions are about 10, never near 0), and no NULL on either side.
SELECT count(*) FILTER (WHERE NOT coalesce(abs(p - i) <= 1e-9 * abs(i), false)) AS n_differ,
	   max(abs(p - i) / abs(i)) AS max_rel
  FROM (SELECT learn.predict('bcat_scored', tc) AS p, :inline_formula AS i FROM tc) AS s \gset
CREATE FUNCTION pg_temp.bench_assert(ok boolean, msg text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	IF NOT coalesce(ok, false) THEN
		RAISE EXCEPTION '%', msg;
	END IF;
END
$$;
SELECT pg_temp.bench_assert(:n_differ = 0,
	format('the inline formula and learn.predict disagree on %s rows (largest relative difference %s)',
		   :n_differ, :'max_rel')) \g /dev/null
INSERT INTO bench_info VALUES ('categorical_max_rel', :'max_rel');

SELECT bench_run(
	ARRAY['cscan_serial', 'cscan_parallel', 'clevels_serial', 'clevels_parallel',
		  'cagg_serial', 'cagg_parallel', 'ctrain_serial', 'ctrain_parallel',
		  'cinline_serial', 'cinline_parallel', 'crow_serial', 'crow_parallel'],
	ARRAY[
		$q$SELECT sum(y + x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + octet_length(c1) + octet_length(c2)) FROM tc$q$,
		$q$SELECT sum(y + x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + octet_length(c1) + octet_length(c2)) FROM tc$q$,
		:'levels_query', :'levels_query',
		:'agg_query', :'agg_query',
		$q$SELECT learn.train('bcat', 'linear', 'tc', 'y', params => '{"deploy": false}')$q$,
		$q$SELECT learn.train('bcat', 'linear', 'tc', 'y', params => '{"deploy": false}')$q$,
		format('SELECT sum(%s) FROM tc', :'inline_formula'),
		format('SELECT sum(%s) FROM tc', :'inline_formula'),
		$q$SELECT sum(learn.predict('bcat_scored', tc)) FROM tc$q$,
		$q$SELECT sum(learn.predict('bcat_scored', tc)) FROM tc$q$],
	ARRAY[0, :workers, 0, :workers, 0, :workers, 0, :workers, 0, :workers, 0, :workers],
	:runs) \g /dev/null

SELECT count(*) AS n_terms FROM learn.coefficients AS c JOIN bcat_model AS m ON m.id = c.model_id \gset
SELECT value AS table_size FROM bench_info WHERE key = 'categorical_table_size' \gset
\echo
\echo 'categorical features:' :rows 'rows of 2 text columns of 50 levels and 8 float8 (' :n_terms 'terms), table' :table_size
\echo '   S     SELECT sum(y + x1 + ... + x8 + octet_length(c1) + octet_length(c2)) FROM tc'
\echo '   L     the scan for the levels alone, which grouped trainings and GLMs run first (not T)'
\echo '   A     learn.linear_partial over tc alone, with an open encoding (the data pass of T)'
\echo '   T     learn.train(''bcat'', ''linear'', ''tc'', ''y'', params => ''{"deploy": false}'')'
\echo '   (goal: T/S <= 1.5, serial and parallel; the parallel column uses' :workers 'workers)'
SELECT mode.name AS mode,
	   to_char(s.median, '0.000') || ' s' AS "S",
	   to_char(t.median, '990.000') || ' s' AS "T",
	   to_char(t.median / s.median, '990.00') AS "T/S",
	   to_char((SELECT min(x) FROM unnest(t.times) AS x) / (SELECT min(x) FROM unnest(s.times) AS x),
			   '990.00') AS "T/S best",
	   to_char(l.median / s.median, '990.00') AS "L/S",
	   to_char(a.median / s.median, '990.00') AS "A/S",
	   s.planned || '/' || l.planned || '/' || a.planned AS "workers S/L/A"
  FROM (VALUES ('serial', 1), ('parallel', 2)) AS mode(name, o)
  JOIN bench_result AS s ON s.name = 'cscan_' || mode.name
  JOIN bench_result AS l ON l.name = 'clevels_' || mode.name
  JOIN bench_result AS a ON a.name = 'cagg_' || mode.name
  JOIN bench_result AS t ON t.name = 'ctrain_' || mode.name
 ORDER BY mode.o;

\echo 'scoring by name, row form, learn.predict(''bcat_scored'', tc), against the formula inline'
\echo '   (intercept + coef * x + CASE c WHEN ''level'' THEN coef ... END, from the stored coefficients;'
\echo '   row by row they agree to' :max_rel 'relative at most); goal: predict / inline <= 1.2'
\echo '   The inline CASE compares the text with the levels one by one; learn.predict looks the level up.'
SELECT mode.name AS mode,
	   to_char(i.median, '0.000') || ' s' AS "inline",
	   to_char(r.median, '0.000') || ' s' AS "predict",
	   to_char(r.median / i.median, '90.00') AS "predict/inline",
	   to_char((SELECT min(x) FROM unnest(r.times) AS x) / (SELECT min(x) FROM unnest(i.times) AS x),
			   '90.00') AS "predict/inline best",
	   to_char(i.median / s.median, '90.00') AS "inline/S",
	   to_char(r.median / s.median, '90.00') AS "predict/S",
	   i.planned || '/' || r.planned AS "workers inline/predict"
  FROM (VALUES ('serial', 1), ('parallel', 2)) AS mode(name, o)
  JOIN bench_result AS s ON s.name = 'cscan_' || mode.name
  JOIN bench_result AS i ON i.name = 'cinline_' || mode.name
  JOIN bench_result AS r ON r.name = 'crow_' || mode.name
 ORDER BY mode.o;

\echo 'every run, seconds'
SELECT name, array_to_string(array(SELECT to_char(x, 'FM990.000') FROM unnest(times) AS x), ' ') AS runs
  FROM bench_result WHERE name LIKE 'c%' ORDER BY name;
