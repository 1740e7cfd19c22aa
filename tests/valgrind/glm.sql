--
-- The glm and logistic families under memcheck: every IRLS pass on
-- parallel workers (transition, serial, deserial and combine functions of
-- learn._glm_pass), grouped fits whose groups converge at different
-- iterations, step halving, separation, a group of one class, classes of
-- a text target, an offset, and scoring by name in every form.
--
\set ON_ERROR_STOP 0
SET extra_float_digits = 0;
CREATE TABLE gl AS
SELECT i, sin(i * 0.37) AS x1, cos(i * 0.11) + 1 AS x2, (i % 4) AS g, 1 + i % 3 AS w,
       (sin(i * 0.37) + 0.3 * sin(i * 1.7) > 0.2)::int AS yb,
       floor(exp(0.5 + 0.4 * sin(i * 0.37)) * (1 + (i * 7919 % 13) / 13.0))::int AS yc,
       exp(0.3 + 0.2 * sin(i * 0.37)) * (0.5 + (i * 104729 % 97) / 97.0) AS yg,
       (ARRAY['no', 'yes'])[1 + (sin(i * 0.37) + 0.3 * sin(i * 1.7) > 0.2)::int] AS ans,
       ln(1 + i % 5) AS off
  FROM generate_series(1, 6000) i;
ANALYZE gl;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SELECT metrics ->> 'iterations' FROM learn.train('vl', 'logistic', 'gl', 'yb', '{x1,x2}', weight => 'w');
SELECT metrics FROM learn.train('vlg', 'logistic', 'gl', 'yb', '{x1,x2}', group_by => '{g}');
SELECT classes FROM learn.train('vlt', 'logistic', 'gl', 'ans', '{x1,x2}');
SELECT metrics ->> 'iterations' FROM learn.train('vp', 'glm', 'gl', 'yc', '{x1,x2}',
	'{"family": "poisson", "offset": "off"}', group_by => '{g}');
SELECT metrics ->> 'iterations' FROM learn.train('vg', 'glm', 'gl', 'yg', '{x1,x2}', '{"family": "gamma", "link": "log"}');
SELECT metrics ->> 'iterations' FROM learn.train('vi', 'glm', 'gl', 'yg', '{x1,x2}', '{"family": "inverse_gaussian"}');
SELECT metrics ->> 'iterations' FROM learn.train('vpr', 'glm', 'gl', 'yb', '{x1,x2}',
	'{"family": "binomial", "link": "probit", "max_iterations": 3}');
-- separation, a group of one class
SELECT metrics ->> 'converged' FROM learn.train('vs', 'logistic', 'SELECT (x1 > 0) AS s, x1, x2 FROM gl', 's', '{x1,x2}');
SELECT metrics FROM learn.train('vo', 'logistic', 'SELECT CASE WHEN g = 2 THEN 1 ELSE yb END AS y, x1, g FROM gl', 'y', '{x1}', group_by => '{g}');
-- errors mid-pass
SELECT learn.train('ve', 'glm', 'SELECT -yc AS y, x1 FROM gl', 'y', '{x1}', '{"family": "poisson"}');
SELECT learn.train('ve', 'logistic', 'SELECT g AS y, x1 FROM gl', 'y', '{x1}');
-- scoring in every form
SELECT sum(learn.predict('vl', gl)), sum(learn.predict_proba('vl', gl)),
	   sum(learn.predict_proba('vl', ARRAY[x1, x2], '0')), count(learn.predict_label('vl', gl)),
	   count(learn.predict_label('vlt', ARRAY[x1, x2])), sum(learn.predict_proba('vlt', gl, 'yes')),
	   sum(learn.predict('vp', gl)), sum(learn.predict('vlg', gl))
  FROM gl;
SELECT learn.predict('vlt', ARRAY[1, 2]);
SELECT learn.predict_proba('vp', ARRAY[1, 2]);
-- NULL, NaN offsets
SELECT n_skipped FROM learn.train('vn', 'glm', 'SELECT yc, x1, CASE WHEN i % 100 = 0 THEN NULL ELSE off END AS off FROM gl',
	'yc', '{x1}', '{"family": "poisson", "offset": "off"}');
SELECT learn.train('vn', 'glm', 'SELECT yc, x1, CASE WHEN i = 77 THEN ''NaN''::float8 ELSE off END AS off FROM gl',
	'yc', '{x1}', '{"family": "poisson", "offset": "off"}');
