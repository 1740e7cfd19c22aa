--
-- The glm and logistic families against R's glm() (tests/reference/
-- glm_reference.R wrote data/glm.csv and the expected values): estimates,
-- standard errors, z or t statistics, p-values and metrics to 1e-10
-- relative, the iteration counts exactly.  (Measured when this was written:
-- at most 8e-15 for estimates and standard errors, 8e-13 for p-values, 7e-15
-- for metrics; the margin is for other CPUs' BLAS kernels.)
--
CREATE TABLE glm_data (x1 float8, x2 float8, x3 float8, g int, w float8, yb int,
	yp int, yc int, yci int, yg float8, yi float8, ys int, yl boolean, expo float8, yo int);
\copy glm_data FROM 'data/glm.csv' CSV HEADER
CREATE TABLE glm_ref_coef (case_name text, term text, estimate float8, std_error float8,
	statistic float8, p_value float8);
\copy glm_ref_coef FROM 'tests/reference/expected/glm_coef.csv' CSV HEADER
CREATE TABLE glm_ref_metrics (case_name text, key text, value float8);
\copy glm_ref_metrics FROM 'tests/reference/expected/glm_metrics.csv' CSV HEADER

-- a model's terms (of group gkey) against a reference case: how many, and
-- whether every number agrees to tol (p-values: or to 1e-14 absolute)
CREATE FUNCTION glm_same_terms(model text, case_name text, gkey text[] DEFAULT '{}',
	tol float8 DEFAULT 1e-10, OUT terms bigint, OUT same boolean)
LANGUAGE sql AS $$
	SELECT count(*),
		   coalesce(bool_and(c.term IS NOT NULL
			   AND rel_err(c.estimate, r.estimate) <= tol
			   AND rel_err(c.std_error, r.std_error) <= tol
			   AND rel_err(c.statistic, r.statistic) <= tol
			   AND (rel_err(c.p_value, r.p_value) <= tol OR abs(c.p_value - r.p_value) <= 1e-14)),
		   false)
	  FROM glm_ref_coef r
	  JOIN learn.models m ON m.name = model AND m.deployed
	  LEFT JOIN learn.coefficients c
		ON c.model_id = m.id AND c.term = r.term AND c.group_key = gkey
	 WHERE r.case_name = glm_same_terms.case_name
$$;

-- its metrics (of group gkey, from learn.groups) against the reference
CREATE FUNCTION glm_same_metrics(model text, case_name text, gkey text[] DEFAULT NULL,
	tol float8 DEFAULT 1e-10, OUT metrics bigint, OUT same boolean, OUT differ text)
LANGUAGE sql AS $$
	WITH mm AS (
		SELECT CASE WHEN gkey IS NULL THEN m.metrics ELSE gr.metrics END AS metrics
		  FROM learn.models m
		  LEFT JOIN learn.groups gr ON gr.model_id = m.id AND gr.group_key = gkey
		 WHERE m.name = model AND m.deployed)
	SELECT count(*),
		   coalesce(bool_and(rel_err((mm.metrics ->> r.key)::float8, r.value) <= tol), false),
		   string_agg(r.key, ', ') FILTER (WHERE NOT coalesce(rel_err((mm.metrics ->> r.key)::float8, r.value) <= tol, false))
	  FROM glm_ref_metrics r, mm
	 WHERE r.case_name = glm_same_metrics.case_name
$$;

-- binary logistic regression, 0/1 and boolean targets, weights
SELECT 1 FROM learn.train('logistic', 'logistic', 'glm_data', 'yb', '{x1,x2}');
SELECT * FROM glm_same_terms('logistic', 'logistic');
SELECT * FROM glm_same_metrics('logistic', 'logistic');
SELECT algorithm, task, params, metrics -> 'converged' AS converged,
	   jsonb_array_length(metrics -> 'history') AS history
  FROM learn.models WHERE name = 'logistic';
SELECT 1 FROM learn.train('logistic_bool', 'logistic', 'glm_data', 'yl', '{x1,x2}');
SELECT * FROM glm_same_terms('logistic_bool', 'logistic_bool');
SELECT 1 FROM learn.train('logistic_w', 'logistic', 'glm_data', 'yb', '{x1,x2}', weight => 'w');
SELECT * FROM glm_same_terms('logistic_w', 'logistic_weighted');
SELECT * FROM glm_same_metrics('logistic_w', 'logistic_weighted');

-- the AUC on the training rows against sklearn's roc_auc_score of
-- statsmodels' fits (tests/reference/multinomial_reference.py; the
-- scores order the rows as R's estimates do), and against the same sum
-- in SQL over learn.predict_proba: class-1 rows above class-0 rows, by
-- weight, ties counting one half
CREATE TABLE glm_ref_auc (case_name text, value float8);
\copy glm_ref_auc FROM 'tests/reference/expected/glm_auc.csv' CSV HEADER
CREATE FUNCTION sql_auc(model text, source text, target text, weight text DEFAULT '1')
RETURNS float8 LANGUAGE plpgsql AS $f$
DECLARE r float8;
BEGIN
	EXECUTE format($q$
		WITH s AS (SELECT learn.predict_proba(%L, d) AS p, %I::int AS y, %s::float8 AS w FROM (%s) d),
		t AS (SELECT p, sum(w) FILTER (WHERE y = 1) AS pos, sum(w) FILTER (WHERE y = 0) AS neg
				FROM s GROUP BY p),
		u AS (SELECT coalesce(pos, 0) AS pos, coalesce(neg, 0) AS neg,
					 coalesce(sum(neg) OVER (ORDER BY p ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS below
				FROM t)
		SELECT sum(pos * (below + 0.5 * neg)) / (sum(pos) * sum(neg)) FROM u$q$,
		model, target, weight, source) INTO r;
	RETURN r;
END
$f$;
SELECT m.name, rel_err((m.metrics ->> 'auc')::float8, r.value) < 1e-12 AS auc_ref,
	   rel_err((m.metrics ->> 'auc')::float8, sql_auc(m.name, 'TABLE glm_data', 'yb',
			   CASE m.name WHEN 'logistic_w' THEN 'w' ELSE '1' END)) < 1e-12 AS auc_sql
  FROM learn.models m JOIN glm_ref_auc r
	ON r.case_name = CASE m.name WHEN 'logistic_w' THEN 'logistic_weighted' ELSE m.name END
 WHERE m.name IN ('logistic', 'logistic_w') ORDER BY 1;
-- a loose tolerance converges on the first pass that evaluates a fit,
-- which never keeps the scores: one more pass at the final coefficients
-- computes the AUC
SELECT 1 FROM learn.train('logistic_loose', 'logistic', 'glm_data', 'yb', '{x1,x2}',
	'{"tolerance": 0.9}');
SELECT metrics -> 'iterations' AS iterations,
	   rel_err((metrics ->> 'auc')::float8, sql_auc('logistic_loose', 'TABLE glm_data', 'yb')) < 1e-12 AS auc_sql
  FROM learn.models WHERE name = 'logistic_loose';
-- per group, each group's own
SELECT 1 FROM learn.train('logistic_g', 'logistic', 'glm_data', 'yb', '{x1,x2}', group_by => '{g}');
SELECT gr.group_key, rel_err((gr.metrics ->> 'auc')::float8,
		sql_auc('logistic_g', format('SELECT * FROM glm_data WHERE g = %s', gr.group_key[1]), 'yb')) < 1e-12 AS auc_sql
  FROM learn.groups gr JOIN learn.models m ON m.id = gr.model_id AND m.name = 'logistic_g' ORDER BY 1;
-- more rows than learn.max_group_memory holds scores of: the AUC is null
SET learn.max_group_memory = 64;
SELECT metrics -> 'auc' AS auc, (metrics ->> 'accuracy')::float8 > 0.5 AS accuracy
  FROM learn.train('logistic_big', 'logistic',
	$$SELECT i % 7 < 3 AS y, (i % 11)::float8 AS x FROM generate_series(1, 5000) i$$, 'y', '{x}');
RESET learn.max_group_memory;

-- glm: every distribution, canonical and other links
SELECT 1 FROM learn.train('probit', 'glm', 'glm_data', 'yp', '{x1,x2}',
	'{"family": "binomial", "link": "probit"}');
SELECT * FROM glm_same_terms('probit', 'probit');
SELECT * FROM glm_same_metrics('probit', 'probit');
SELECT 1 FROM learn.train('cloglog', 'glm', 'glm_data', 'yp', '{x1,x2}',
	'{"family": "binomial", "link": "cloglog"}');
SELECT * FROM glm_same_terms('cloglog', 'cloglog');
SELECT * FROM glm_same_metrics('cloglog', 'cloglog');
SELECT 1 FROM learn.train('poisson', 'glm', 'glm_data', 'yc', '{x1,x2}', '{"family": "poisson"}');
SELECT * FROM glm_same_terms('poisson', 'poisson');
SELECT * FROM glm_same_metrics('poisson', 'poisson');
SELECT params FROM learn.models WHERE name = 'poisson';
SELECT 1 FROM learn.train('poisson_identity', 'glm', 'glm_data', 'yci', '{x2,x3}',
	'{"family": "poisson", "link": "identity"}');
SELECT * FROM glm_same_terms('poisson_identity', 'poisson_identity');
SELECT * FROM glm_same_metrics('poisson_identity', 'poisson_identity');
SELECT 1 FROM learn.train('poisson_noint', 'glm', 'glm_data', 'yc', '{x1,x2}',
	'{"family": "poisson", "intercept": false}');
SELECT * FROM glm_same_terms('poisson_noint', 'poisson_noint');
SELECT * FROM glm_same_metrics('poisson_noint', 'poisson_noint');
-- a rate model: counts over an exposure, log(exposure) as offset
SELECT params FROM learn.train('poisson_offset', 'glm',
	'SELECT yo, x1, x2, ln(expo) AS log_expo FROM glm_data', 'yo', '{x1,x2}',
	'{"family": "poisson", "offset": "log_expo"}');
SELECT * FROM glm_same_terms('poisson_offset', 'poisson_offset');
SELECT * FROM glm_same_metrics('poisson_offset', 'poisson_offset');
-- with an offset and an intercept the null model (the intercept with the
-- offset) is fitted too, by IRLS in the same passes, as R's glm refits it
SELECT 1 FROM learn.train('gamma_offset', 'glm',
	'SELECT yg, x1, x2, ln(expo) AS log_expo FROM glm_data', 'yg', '{x1,x2}',
	'{"family": "gamma", "link": "log", "offset": "log_expo"}');
SELECT * FROM glm_same_terms('gamma_offset', 'gamma_offset');
SELECT * FROM glm_same_metrics('gamma_offset', 'gamma_offset');
SELECT 1 FROM learn.train('binomial_offset', 'glm',
	'SELECT yb, x1, x2 - 1 AS off FROM glm_data', 'yb', '{x1}',
	'{"family": "binomial", "offset": "off"}');
SELECT * FROM glm_same_terms('binomial_offset', 'binomial_offset');
SELECT * FROM glm_same_metrics('binomial_offset', 'binomial_offset');
-- grouped, each group's null model of its own
SELECT 1 FROM learn.train('poisson_offset_g', 'glm',
	'SELECT yo, x1, x2, g, ln(expo) AS log_expo FROM glm_data', 'yo', '{x1,x2}',
	'{"family": "poisson", "offset": "log_expo"}', group_by => '{g}');
SELECT count(*) AS groups, bool_and((gr.metrics ->> 'null_deviance')::float8 > (gr.metrics ->> 'deviance')::float8) AS above
  FROM learn.groups gr JOIN learn.models m ON m.id = gr.model_id AND m.name = 'poisson_offset_g';
SELECT rel_err((gr.metrics ->> 'null_deviance')::float8, (m1.metrics ->> 'null_deviance')::float8) < 1e-9 AS same_as_alone
  FROM learn.groups gr JOIN learn.models m ON m.id = gr.model_id AND m.name = 'poisson_offset_g',
	   learn.train('poisson_offset_g2', 'glm',
		'SELECT yo, x1, x2, ln(expo) AS log_expo FROM glm_data WHERE g = 2', 'yo', '{x1,x2}',
		'{"family": "poisson", "offset": "log_expo"}') m1
 WHERE gr.group_key = '{2}';
SELECT try($$SELECT learn.train('m', 'glm', 'glm_data', 'yo', '{x1}', '{"family": "poisson", "offset": "nope"}')$$);
SELECT try($$SELECT learn.train('m', 'glm', 'glm_data', 'yo', '{x1}', '{"family": "poisson", "offset": "x1"}')$$);
SELECT try($$SELECT learn.train('m', 'glm', 'glm_data', 'yo', '{x1}', '{"family": "poisson", "offset": "yl"}')$$);
SELECT try($$SELECT learn.train('m', 'logistic', 'glm_data', 'yb', '{x1}', '{"offset": "x2"}')$$);
SELECT 1 FROM learn.train('gamma_log', 'glm', 'glm_data', 'yg', '{x1,x2}',
	'{"family": "gamma", "link": "log"}');
SELECT * FROM glm_same_terms('gamma_log', 'gamma_log');
SELECT * FROM glm_same_metrics('gamma_log', 'gamma_log');
SELECT 1 FROM learn.train('gamma_inverse', 'glm', 'glm_data', 'yg', '{x1,x2}',
	'{"family": "gamma"}');
SELECT * FROM glm_same_terms('gamma_inverse', 'gamma_inverse');
SELECT * FROM glm_same_metrics('gamma_inverse', 'gamma_inverse');
SELECT 1 FROM learn.train('inverse_gaussian', 'glm', 'glm_data', 'yi', '{x2,x3}',
	'{"family": "inverse_gaussian"}');
SELECT * FROM glm_same_terms('inverse_gaussian', 'inverse_gaussian');
SELECT * FROM glm_same_metrics('inverse_gaussian', 'inverse_gaussian');
SELECT 1 FROM learn.train('gaussian', 'glm', 'glm_data', 'yg', '{x1,x2}');
SELECT * FROM glm_same_terms('gaussian', 'gaussian');
SELECT * FROM glm_same_metrics('gaussian', 'gaussian');

-- one fit per group, each as R fits the group's rows
SELECT 1 FROM learn.train('poisson_g', 'glm', 'glm_data', 'yc', '{x1,x2}',
	'{"family": "poisson"}', group_by => '{g}');
SELECT g, (glm_same_terms('poisson_g', 'poisson_g' || g, ARRAY[g::text])).*,
	   (glm_same_metrics('poisson_g', 'poisson_g' || g, ARRAY[g::text])).*
  FROM generate_series(1, 3) AS g;
SELECT metrics FROM learn.models WHERE name = 'poisson_g';

-- rows with a NULL are skipped and counted; the fit is the same
CREATE TABLE glm_nulls AS
SELECT x1, x2, yb FROM glm_data
UNION ALL VALUES (NULL, 1, 1), (0.5, NULL, 0), (0.5, 1, NULL);
SELECT 1 FROM learn.train('logistic_nulls', 'logistic', 'glm_nulls', 'yb', '{x1,x2}');
SELECT * FROM glm_same_terms('logistic_nulls', 'logistic');
SELECT n_rows, n_skipped FROM learn.models WHERE name = 'logistic_nulls';

-- separated classes: a warning, and converged false
SELECT 1 FROM learn.train('separated', 'logistic', 'glm_data', 'ys', '{x1}');
SELECT metrics -> 'converged' AS converged FROM learn.models WHERE name = 'separated';

-- a statement_timeout stops a long fit at once, and nothing is stored
-- (terse: which pass it stops in depends on the machine)
\set VERBOSITY terse
SET statement_timeout = '300ms';
SELECT 1 FROM learn.train('forever', 'logistic',
	'SELECT yb, x1, x2 FROM glm_data, generate_series(1, 10000)', 'yb', '{x1,x2}');
RESET statement_timeout;
\set VERBOSITY default
SELECT count(*) AS stored FROM learn.models WHERE name = 'forever';

-- a start from a sample of the table's pages (the param start; "auto"
-- takes one from 1M rows on; logit link only): glm_data's rows 40 times
-- over have R's estimates of glm_data (1e-6 relative), its standard
-- errors over sqrt(40) and 40 times its deviance, weighted or not.  From
-- a sample's start the standard errors are those at the estimates; R's,
-- of the previous iteration's weights, differ from them by what the
-- deviance's test of convergence leaves (1e-4 relative allowed here).
-- Measured when this was written: estimates 3e-9 and 2e-9, standard
-- errors 5e-7 and 1.2e-5 from R's.  The passes over all rows are fewer:
-- R's iterations from its starting means take more.
CREATE TABLE glm_data40 AS SELECT d.* FROM glm_data AS d, generate_series(1, 40) AS k;
ANALYZE glm_data40;
SELECT 1 FROM learn.train('logistic_s', 'logistic', 'glm_data40', 'yb', '{x1,x2}',
	'{"start": "sample"}');
SELECT 1 FROM learn.train('logistic_sw', 'logistic', 'glm_data40', 'yb', '{x1,x2}',
	'{"start": "sample"}', weight => 'w');
SELECT m.name, m.params ->> 'start' AS start,
	   (m.metrics ->> 'sample_iterations')::int > 0 AS sampled,
	   (m.metrics ->> 'iterations')::int < it.value AS fewer_iterations,
	   rel_err((m.metrics ->> 'deviance')::float8, 40 * dev.value) <= 1e-9 AS deviance,
	   (SELECT count(*) FILTER (WHERE rel_err(c.estimate, r.estimate) <= 1e-6
								  AND rel_err(c.std_error * sqrt(40), r.std_error) <= 1e-4)
				|| ' of ' || count(*)
		  FROM glm_ref_coef r LEFT JOIN learn.coefficients c
			ON c.model_id = m.id AND c.term = r.term
		 WHERE r.case_name = v.ref) AS terms_as_r
  FROM (VALUES ('logistic_s', 'logistic'), ('logistic_sw', 'logistic_weighted')) AS v(name, ref)
  JOIN learn.models m ON m.name = v.name
  JOIN glm_ref_metrics it ON it.case_name = v.ref AND it.key = 'iterations'
  JOIN glm_ref_metrics dev ON dev.case_name = v.ref AND dev.key = 'deviance'
 ORDER BY 1;
-- the AUC from a sample's start is the AUC of the rows' scores
SELECT rel_err((metrics ->> 'auc')::float8, sql_auc('logistic_s', 'TABLE glm_data40', 'yb')) < 1e-12 AS auc_sql
  FROM learn.models WHERE name = 'logistic_s';
-- no sample of a query, of a grouped or offset fit, with a link other
-- than the binomial's logit, with fewer than 4 iterations allowed, nor by
-- default (auto) of a small table: the start is R's starting means
SELECT 1 FROM learn.train('logistic_sq', 'logistic', 'SELECT * FROM glm_data40', 'yb', '{x1,x2}',
	'{"start": "sample"}');
SELECT 1 FROM learn.train('logistic_sg', 'logistic', 'glm_data40', 'yb', '{x1,x2}',
	'{"start": "sample"}', group_by => '{g}');
SELECT 1 FROM learn.train('poisson_so', 'glm', 'glm_data40', 'yo', '{x1,x2}',
	'{"family": "poisson", "offset": "expo", "start": "sample"}');
SELECT 1 FROM learn.train('poisson_si', 'glm', 'glm_data40', 'yci', '{x2,x3}',
	'{"family": "poisson", "link": "identity", "start": "sample"}');
SELECT 1 FROM learn.train('probit_s', 'glm', 'glm_data40', 'yp', '{x1,x2}',
	'{"family": "binomial", "link": "probit", "start": "sample"}');
SELECT 1 FROM learn.train('poisson_s', 'glm', 'glm_data40', 'yc', '{x1,x2}',
	'{"family": "poisson", "start": "sample"}');
SELECT 1 FROM learn.train('logistic_s3', 'logistic', 'glm_data40', 'yb', '{x1,x2}',
	'{"start": "sample", "max_iterations": 3}');
SELECT 1 FROM learn.train('logistic_sa', 'logistic', 'glm_data40', 'yb', '{x1,x2}');
SELECT name, params ? 'start' AS start_shown, metrics ? 'sample_iterations' AS sampled
  FROM learn.models WHERE name IN ('logistic_sq', 'logistic_sg', 'poisson_so', 'poisson_si',
								   'probit_s', 'poisson_s', 'logistic_s3', 'logistic_sa')
 ORDER BY 1;
SELECT try($$SELECT learn.train('m', 'logistic', 'glm_data', 'yb', '{x1}', '{"start": "random"}')$$);

-- verbose prints an iteration a NOTICE
SELECT 1 FROM learn.train('verbose', 'glm', 'glm_data', 'yc', '{x1,x2}',
	'{"family": "poisson", "verbose": true, "tolerance": 1e-4}');

-- scoring: a classifier's probability, class and label; a glm's mean
SELECT bool_and(abs(learn.predict_proba('logistic', d) - 1 / (1 + exp(-(c0 + c1 * x1 + c2 * x2)))) < 1e-15)
	   AS proba_row,
	   bool_and(abs(learn.predict_proba('logistic', ARRAY[x1, x2]) -
					learn.logistic_predict(ARRAY[c0, c1, c2], ARRAY[x1, x2])) < 1e-15)
	   AS proba_array,
	   bool_and(learn.predict_proba('logistic', d, '0') = 1 - learn.predict_proba('logistic', d)
				AND learn.predict_proba('logistic', ARRAY[x1, x2], '1') = learn.predict_proba('logistic', d))
	   AS proba_class,
	   bool_and(learn.predict('logistic', d) = (learn.predict_proba('logistic', d) > 0.5)::int
				AND learn.predict('logistic', ARRAY[x1, x2]) = learn.predict('logistic', d))
	   AS class,
	   bool_and(learn.predict_label('logistic', d) = learn.predict('logistic', d)::text
				AND learn.predict_label('logistic', ARRAY[x1, x2]) = learn.predict('logistic', d)::text)
	   AS label
  FROM glm_data d,
	   (SELECT max(estimate) FILTER (WHERE position = 0) AS c0,
			   max(estimate) FILTER (WHERE position = 1) AS c1,
			   max(estimate) FILTER (WHERE position = 2) AS c2
		  FROM learn.coefficients c JOIN learn.models m ON m.id = c.model_id
		 WHERE m.name = 'logistic' AND m.deployed) AS c;
-- the planner gives the row forms only the model's columns
EXPLAIN (VERBOSE, COSTS OFF) SELECT learn.predict('logistic', d), learn.predict_proba('logistic', d) FROM glm_data d;
-- accuracy and log_loss on the training rows, as SQL computes them
SELECT abs((m.metrics ->> 'accuracy')::float8 - s.accuracy) < 1e-15 AS accuracy,
	   abs((m.metrics ->> 'log_loss')::float8 / s.log_loss - 1) < 1e-12 AS log_loss,
	   round(s.accuracy::numeric, 4) AS value
  FROM learn.models m,
	   (SELECT avg(((learn.predict_proba('logistic', d) > 0.5)::int = yb)::int) AS accuracy,
			   -avg(CASE yb WHEN 1 THEN ln(learn.predict_proba('logistic', d))
							ELSE ln(1 - learn.predict_proba('logistic', d)) END) AS log_loss
		  FROM glm_data d) AS s
 WHERE m.name = 'logistic' AND m.deployed;
SELECT classes FROM learn.models WHERE name IN ('logistic', 'logistic_bool') ORDER BY name;

-- any two-valued target: its values in order are the classes, the last
-- is the positive one
SELECT classes FROM learn.train('logistic_text', 'logistic',
	$$SELECT CASE yb WHEN 1 THEN 'yes' ELSE 'no' END AS answer, x1, x2 FROM glm_data$$,
	'answer', '{x1,x2}');
SELECT * FROM glm_same_terms('logistic_text', 'logistic');
SELECT bool_and(learn.predict_label('logistic_text', d) = CASE learn.predict('logistic', d) WHEN 1 THEN 'yes' ELSE 'no' END)
	   AS labels,
	   bool_and(learn.predict_proba('logistic_text', d, 'yes') = learn.predict_proba('logistic', d)) AS proba
  FROM glm_data d;
SELECT try($$SELECT learn.predict('logistic_text', ARRAY[1, 2])$$);
SELECT try($$SELECT learn.predict_proba('logistic_text', ARRAY[1, 2], 'maybe')$$);
SELECT try($$SELECT learn.predict_proba('poisson', ARRAY[1, 2])$$);
SELECT try($$SELECT learn.predict_label('poisson', ARRAY[1, 2])$$);
SELECT try($$SELECT learn.train('m', 'logistic', 'SELECT g::text AS g, x1 FROM glm_data', 'g', '{x1}')$$);
SELECT try($$SELECT learn.train('m', 'logistic', 'SELECT ''a''::text AS g, x1 FROM glm_data', 'g', '{x1}')$$);

-- a source that gives other rows in a later pass: the group the pass
-- finds no rows of cannot be fitted, and nothing loops
CREATE SEQUENCE glm_seq;
SELECT try($$SELECT learn.train('m', 'logistic',
	'SELECT yb, x1, nextval(''glm_seq'') > 400 AS late FROM glm_data', 'yb', '{x1}',
	group_by => '{late}')$$);

-- classes are told apart by the type's equality, not by their text:
-- '48 hours' is the interval '2 days'
CREATE TABLE glm_iv AS
SELECT x1, x2, (ARRAY['1 day', '2 days', '48 hours'])[1 + yb + (yb * i % 2)]::interval AS iv
  FROM (SELECT *, row_number() OVER () AS i FROM glm_data) AS d;
SELECT classes FROM learn.train('logistic_iv', 'logistic', 'glm_iv', 'iv', '{x1,x2}');
SELECT * FROM glm_same_terms('logistic_iv', 'logistic');

-- a training inside the source of another: each keeps its own target
CREATE FUNCTION glm_nested(i bigint) RETURNS float8 LANGUAGE plpgsql AS $$
BEGIN
	IF i = 1 THEN
		PERFORM learn.train('inner', 'logistic', 'SELECT yp, x1 FROM glm_data', 'yp', '{x1}');
	END IF;
	RETURN 0;
END $$;
SELECT 1 FROM learn.train('outer', 'logistic',
	$$SELECT CASE yb WHEN 1 THEN 'yes' ELSE 'no' END AS answer, x1, x2, glm_nested(i) AS z
	  FROM (SELECT *, row_number() OVER () AS i FROM glm_data) AS d$$, 'answer', '{x1,x2}');
SELECT * FROM glm_same_terms('outer', 'logistic');
SELECT name, target FROM learn.models WHERE name IN ('inner', 'outer') ORDER BY name;

-- a NULL offset skips its row, a NaN one is an error
SELECT n_rows, n_skipped FROM learn.train('offset_nulls', 'glm',
	'SELECT yo, x1, CASE WHEN yo = 3 THEN NULL ELSE ln(expo) END AS log_expo FROM glm_data',
	'yo', '{x1}', '{"family": "poisson", "offset": "log_expo"}');
SELECT count(*) FILTER (WHERE yo = 3) AS threes FROM glm_data;
SELECT try($$SELECT learn.train('m', 'glm',
	'SELECT yo, x1, CASE WHEN yo = 3 THEN ''NaN''::float8 ELSE ln(expo) END AS log_expo FROM glm_data',
	'yo', '{x1}', '{"family": "poisson", "offset": "log_expo"}')$$);

-- the pass aggregate called by hand: bad arguments are errors, not crashes
SELECT try($$SELECT learn._glm_pass(NULL, 2147483647, 35, 'y', yb, 1, 0, x1) FROM glm_data$$);
SELECT try($$SELECT learn._glm_pass('\x01000000077fffffff'::bytea, 0, 35, 'y', yb, 1, 0, x1) FROM glm_data$$);
SELECT try($$SELECT learn._glm_pass(decode('0100000004000000010000000000' || repeat('3ff0000000000000', 4) || '00', 'hex'),
	0, 35, 'y', yb, 1, 0, x1) FROM glm_data$$);
SELECT try($$SELECT learn._glm_pass(NULL, 0, 999, 'y', yb, 1, 0, x1) FROM glm_data$$);

-- a group of one class is stored as not fitted, with its reason
SELECT metrics FROM learn.train('logistic_groups', 'logistic',
	'SELECT CASE WHEN g = 3 THEN 1 ELSE yb END AS y, x1, x2, g FROM glm_data', 'y', '{x1,x2}',
	group_by => '{g}');
SELECT group_key, fitted, reason FROM learn.groups gr JOIN learn.models m ON m.id = gr.model_id
 WHERE m.name = 'logistic_groups' ORDER BY group_key;

SELECT bool_and(abs(learn.predict('poisson', d) / exp(c0 + c1 * x1 + c2 * x2) - 1) < 1e-14)
	   AS poisson_log
  FROM glm_data d,
	   (SELECT max(estimate) FILTER (WHERE position = 0) AS c0,
			   max(estimate) FILTER (WHERE position = 1) AS c1,
			   max(estimate) FILTER (WHERE position = 2) AS c2
		  FROM learn.coefficients c JOIN learn.models m ON m.id = c.model_id
		 WHERE m.name = 'poisson' AND m.deployed) AS c;

-- bad input: 22023 naming the problem
SELECT try($$SELECT learn.train('m', 'glm', 'glm_data', 'yg', '{x1}', '{"family": "poisson", "link": "logit"}')$$);
SELECT try($$SELECT learn.train('m', 'glm', 'glm_data', 'yg', '{x1}', '{"family": "tweedie"}')$$);
SELECT try($$SELECT learn.train('m', 'glm', 'SELECT x1, x1 AS y FROM glm_data', 'y', '{x1}', '{"family": "poisson"}')$$);
SELECT try($$SELECT learn.train('m', 'logistic', 'glm_data', 'yc', '{x1}')$$);
SELECT try($$SELECT learn.train('m', 'glm', 'glm_data', 'x1', '{x2}', '{"family": "gamma"}')$$);
SELECT try($$SELECT learn.train('m', 'logistic', 'glm_data', 'yb', '{x1}', '{"family": "binomial"}')$$);
SELECT try($$SELECT learn.train('m', 'logistic', 'glm_data', 'yb', '{x1}', '{"max_iterations": 0}')$$);
SELECT count(*) AS stored_after_errors FROM learn.models WHERE name = 'm';
