--
-- learn.train(..., 'linear') against R's lm on public data sets: every
-- coefficient, standard error, t statistic, p-value and metric to 1e-8
-- relative (tests/reference/lm_reference.R produced the references).
--
SET extra_float_digits = 0;

-- mtcars: all ten numeric features
SELECT name, version, algorithm, task, n_rows, n_skipped, deployed, features
  FROM learn.train('mtcars', 'linear', 'mtcars', 'mpg',
				   '{cyl,disp,hp,drat,wt,qsec,vs,am,gear,carb}');
SELECT * FROM check_coef('mtcars', 'mtcars');
SELECT * FROM check_metrics('mtcars', 'mtcars');

-- stackloss: features default to every other column (all integers)
SELECT n_rows, features FROM learn.train('stackloss', 'linear', 'stackloss', 'stack_loss');
SELECT * FROM check_coef('stackloss', 'stackloss');
SELECT * FROM check_metrics('stackloss', 'stackloss');

-- Longley (NIST StRD): R's values to 1e-8, and NIST's certified values
-- with a log relative error of at least 9 digits for every coefficient
SELECT n_rows FROM learn.train('longley', 'linear', 'longley', 'y');
SELECT * FROM check_coef('longley', 'longley');
SELECT * FROM check_metrics('longley', 'longley', tol => 1e-7);
SELECT count(*) AS terms,
	   bool_and(-log(rel_err(c.estimate, n.estimate)::numeric) >= 9) AS estimate_lre_ge_9,
	   bool_and(-log(rel_err(c.std_error, n.std_error)::numeric) >= 9) AS std_error_lre_ge_9
  FROM learn.coefficients c
  JOIN learn.models m ON m.id = c.model_id AND m.name = 'longley' AND m.deployed
  JOIN longley_certified n USING (term);
-- and the certified residual standard deviation and r2
SELECT -log(rel_err((metrics->>'sigma')::float8, 304.854073561965)::numeric) >= 9 AS sigma_lre_ge_9,
	   -log(rel_err((metrics->>'r2')::float8, 0.995479004577296)::numeric) >= 9 AS r2_lre_ge_9
  FROM learn.models WHERE name = 'longley' AND deployed;

-- weighted least squares (weights = drat)
SELECT n_rows, weight FROM learn.train('mtcars_weighted', 'linear', 'mtcars', 'mpg',
									   '{wt,hp,qsec}', weight => 'drat');
SELECT * FROM check_coef('mtcars_weighted', 'mtcars_weighted');
SELECT * FROM check_metrics('mtcars_weighted', 'mtcars_weighted');

-- no intercept: r2 against zero, as R
SELECT params->'intercept' AS intercept
  FROM learn.train('mtcars_noint', 'linear', 'mtcars', 'mpg', '{wt,hp,qsec}',
				   '{"intercept": false}');
SELECT * FROM check_coef('mtcars_noint', 'mtcars_noint');
SELECT * FROM check_metrics('mtcars_noint', 'mtcars_noint');
SELECT count(*) FILTER (WHERE position = 0) AS intercept_rows
  FROM learn.coefficients c JOIN learn.models m ON m.id = c.model_id
 WHERE m.name = 'mtcars_noint';

-- one fit per group in the same pass
SELECT n_rows, group_by, metrics->'n_groups' AS n_groups, metrics->'n_failed' AS n_failed
  FROM learn.train('iris', 'linear', 'iris', 'sepal_length',
				   '{sepal_width,petal_length,petal_width}', group_by => '{species}');
SELECT * FROM check_coef('iris', 'iris_grouped_setosa', '{setosa}');
SELECT * FROM check_coef('iris', 'iris_grouped_versicolor', '{versicolor}');
SELECT * FROM check_coef('iris', 'iris_grouped_virginica', '{virginica}');
SELECT * FROM check_metrics('iris', 'iris_grouped_setosa', '{setosa}');
SELECT * FROM check_metrics('iris', 'iris_grouped_virginica', '{virginica}');

-- rank deficiency: combo = 2 wt + hp is aliased (NULL), the rest fitted as R
SELECT n_rows, metrics->'rank' AS rank
  FROM learn.train('rankdef', 'linear', 'mtcars_rankdef', 'mpg', '{wt,hp,combo,qsec}');
SELECT * FROM check_coef('rankdef', 'mtcars_rankdef');
SELECT key, ok FROM check_metrics('rankdef', 'mtcars_rankdef') WHERE key <> 'condition_number';
SELECT coalesce((metrics->>'condition_number')::float8 > 1e12, true) AS singular
  FROM learn.models WHERE name = 'rankdef';

-- sandwich standard errors, as sandwich::vcovHC
SELECT params->'robust' AS robust
  FROM learn.train('stackloss_hc0', 'linear', 'stackloss', 'stack_loss',
				   params => '{"robust": "HC0"}');
SELECT * FROM check_coef('stackloss_hc0', 'stackloss_hc0');
SELECT params->'robust' AS robust
  FROM learn.train('stackloss_hc1', 'linear', 'stackloss', 'stack_loss',
				   params => '{"robust": "HC1"}');
SELECT * FROM check_coef('stackloss_hc1', 'stackloss_hc1');
SELECT params->'robust' AS robust
  FROM learn.train('mtcars_weighted_hc1', 'linear', 'mtcars', 'mpg', '{wt,hp,qsec}',
				   '{"robust": "HC1"}', weight => 'drat');
SELECT * FROM check_coef('mtcars_weighted_hc1', 'mtcars_weighted_hc1');

-- a check that can fail: classical errors are not the HC1 reference
SELECT std_error_ok FROM check_coef('stackloss', 'stackloss_hc1');

-- the same stackloss fit from a view, a query and a quoted table name
CREATE VIEW stackloss_view AS SELECT * FROM stackloss;
CREATE TABLE "Stack Loss" AS SELECT air_flow AS "Air Flow", water_temp, acid_conc, stack_loss FROM stackloss;
SELECT source FROM learn.train('stackloss', 'linear', 'stackloss_view', 'stack_loss');
SELECT * FROM check_coef('stackloss', 'stackloss');
SELECT source FROM learn.train('stackloss', 'linear',
	'SELECT air_flow, water_temp, acid_conc, stack_loss FROM stackloss WHERE stack_loss IS NOT NULL -- comment',
	'stack_loss');
SELECT * FROM check_coef('stackloss', 'stackloss');
SELECT source, features FROM learn.train('stackloss', 'linear', 'public."Stack Loss"', 'stack_loss');
SELECT c.term, rel_err(c.estimate, r.estimate) <= 1e-8 AS estimate_ok
  FROM learn.coefficients c JOIN learn.models m ON m.id = c.model_id
  JOIN (SELECT estimate, row_number() OVER () - 1 AS position
		  FROM ref_coef WHERE case_name = 'stackloss') r USING (position)
 WHERE m.name = 'stackloss' AND m.deployed ORDER BY position;
SELECT version, deployed FROM learn.models WHERE name = 'stackloss' ORDER BY version;

-- booleans enter as 0/1: the same fit as the integer column
SELECT id AS as_int FROM learn.train('am_int', 'linear', 'SELECT mpg, wt, am FROM mtcars', 'mpg') \gset
SELECT id AS as_bool FROM learn.train('am_bool', 'linear', 'SELECT mpg, wt, am = 1 AS am FROM mtcars', 'mpg') \gset
SELECT count(*) AS terms, bool_and(a.estimate = b.estimate) AS same
  FROM learn.coefficients a JOIN learn.coefficients b USING (position)
 WHERE a.model_id = :as_int AND b.model_id = :as_bool;

-- columns of a domain over a numeric type are numeric features
CREATE DOMAIN positive_float AS float8 CHECK (VALUE > 0);
SELECT id AS as_domain FROM learn.train('domain_features', 'linear',
	'SELECT mpg, wt::positive_float AS wt, hp FROM mtcars', 'mpg') \gset
SELECT id AS as_float FROM learn.train('float_features', 'linear',
	'SELECT mpg, wt, hp FROM mtcars', 'mpg') \gset
SELECT count(*) AS terms, bool_and(a.estimate = b.estimate) AS same
  FROM learn.coefficients a JOIN learn.coefficients b USING (position)
 WHERE a.model_id = :as_domain AND b.model_id = :as_float;

-- statistics do not depend on the data's scale: the same fit with x and y
-- times 1e300 and times 1e-300 (nothing is squared on the way)
CREATE TABLE scaled AS
SELECT i::float8 AS x, 3 + 2 * i + sin(i) AS y FROM generate_series(1, 50) i;
SELECT id AS s_one FROM learn.train('scale_1', 'linear', 'scaled', 'y') \gset
SELECT id AS s_big FROM learn.train('scale_big', 'linear', 'SELECT x * 1e300 AS x, y * 1e300 AS y FROM scaled', 'y') \gset
SELECT id AS s_small FROM learn.train('scale_small', 'linear', 'SELECT x * 1e-300 AS x, y * 1e-300 AS y FROM scaled', 'y') \gset
SELECT b.model_id = :s_big AS big, count(*) AS terms,
	   bool_and(rel_err(b.statistic, a.statistic) <= 1e-10) AS same_t,
	   bool_and(rel_err(b.p_value, a.p_value) <= 1e-10) AS same_p,
	   bool_and(rel_err(b.std_error / b.estimate, a.std_error / a.estimate) <= 1e-10) AS same_relative_se
  FROM learn.coefficients a JOIN learn.coefficients b USING (position)
 WHERE a.model_id = :s_one AND b.model_id IN (:s_big, :s_small)
 GROUP BY 1 ORDER BY 1;
SELECT name, rel_err((metrics->>'r2')::float8, (SELECT (metrics->>'r2')::float8 FROM learn.models WHERE id = :s_one)) <= 1e-12 AS same_r2,
	   rel_err((metrics->>'f_statistic')::float8, (SELECT (metrics->>'f_statistic')::float8 FROM learn.models WHERE id = :s_one)) <= 1e-10 AS same_f
  FROM learn.models WHERE id IN (:s_big, :s_small) ORDER BY name;
-- squares beyond a double are an error, not infinities
SELECT try($$SELECT learn.train('m', 'linear', 'SELECT x * 1e306 AS x, y * 1e306 AS y FROM scaled', 'y')$$);
SELECT try($$SELECT learn.train('m', 'linear', 'SELECT x * 1e306 AS x, y FROM scaled', 'y')$$);
SELECT try($$SELECT learn.train('m', 'linear', 'SELECT x, y * 1e306 AS y FROM scaled', 'y')$$);
-- the sandwich of robust errors squares the residuals: 1e200 fits, its
-- meat does not (a clean 22003, ungrouped and per group)
SELECT try($$SELECT learn.train('m', 'linear', 'SELECT x * 1e200 AS x, y * 1e200 AS y FROM scaled', 'y', params => '{"robust": "HC1"}')$$);
SELECT try($$SELECT learn.train('m', 'linear', 'SELECT x * 1e200 AS x, y * 1e200 AS y, x::int % 2 AS g FROM scaled', 'y', '{x}', '{"robust": "HC0"}', '{g}')$$);
-- 40 features near 1e120: the fit is fine, the meat is not (it used to come
-- back with NULL elements, read as dense memory)
DO $$
BEGIN
	EXECUTE (SELECT format('CREATE TABLE huge40 AS SELECT %s, y * 1e120 AS y FROM (SELECT i, %s, '
						   '(-1) ^ i * (1 + (i * 37 %% 11)) AS y FROM generate_series(1, 200) i) s',
						   string_agg(format('x%s * 1e120 AS x%s', j, j), ', '),
						   string_agg(format('sin(i * %s) AS x%s', j, j), ', '))
			   FROM generate_series(1, 40) j);
END $$;
SELECT try($$SELECT learn.train('m', 'linear', 'huge40', 'y', params => '{"robust": "HC1"}')$$);
SELECT try($$SELECT learn._linear_meat(array_fill(0::float8, ARRAY[2]), y, 'NaN', x1) FROM huge40$$);
-- weights whose sum is beyond a double
SELECT try($$SELECT learn.train('m', 'linear', 'SELECT x, y, 1e308 AS w FROM scaled', 'y', '{x}', weight => 'w')$$);
SELECT try($$SELECT learn.linear_partial(y, 1e308, x) FROM scaled$$);

-- a wide fit: 70 features (a state of 72 columns, folded by the blocked
-- level-3 QR), the data of tests/reference/wide_reference.R
SELECT format('CREATE TABLE wide AS SELECT y, %s FROM (SELECT x, '
			  '(SELECT sum(j / 10.0::float8 * x[j]) FROM generate_series(1, 70) j) + cos(i) AS y '
			  'FROM (SELECT i, ARRAY(SELECT sin(0.1::float8 * i * j + j) FROM generate_series(1, 70) j) AS x '
			  'FROM generate_series(1, 300) i) a) b',
			  string_agg(format('x[%s] AS x%s', j, j), ', ' ORDER BY j))
  FROM generate_series(1, 70) j \gexec
SELECT n_rows, cardinality(features) AS features FROM learn.train('wide', 'linear', 'wide', 'y');
SELECT * FROM check_coef('wide', 'wide');
