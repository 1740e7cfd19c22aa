--
-- The glm, logistic and multinomial families under memcheck: every IRLS
-- pass on parallel workers (transition, serial, deserial and combine
-- functions of learn._glm_pass), grouped fits whose groups converge at
-- different iterations, step halving, separation, a group of one class,
-- classes of a text target, an offset, and scoring by name in every form.
-- Multinomial fits of text and integer classes, weighted and grouped (a
-- group lacking a class, a separated group), and scored in every form; a
-- logistic fit's AUC kept by the pass that turned out the last, by one
-- more pass, and dropped when its scores outgrow learn.max_group_memory
-- (in a worker, in the leader's combine, without workers).
--
\set ON_ERROR_STOP 0
SET extra_float_digits = 0;
CREATE TABLE gl AS
SELECT i, sin(i * 0.37) AS x1, cos(i * 0.11) + 1 AS x2, (i % 4) AS g, 1 + i % 3 AS w,
       (sin(i * 0.37) + 0.3 * sin(i * 1.7) > 0.2)::int AS yb,
       floor(exp(0.5 + 0.4 * sin(i * 0.37)) * (1 + (i * 7919 % 13) / 13.0))::int AS yc,
       exp(0.3 + 0.2 * sin(i * 0.37)) * (0.5 + (i * 104729 % 97) / 97.0) AS yg,
       (ARRAY['no', 'yes'])[1 + (sin(i * 0.37) + 0.3 * sin(i * 1.7) > 0.2)::int] AS ans,
       ln(1 + i % 5) AS off,
       -- three classes by a latent score, its noise by group: group 0 is
       -- nearly separated, the others converge at different iterations
       (ARRAY['bird', 'cat', 'dog'])[1 + (sin(i * 0.37) + (0.15 + 0.3 * (i % 4)) * sin(i * 1.3) > -0.4)::int
                                      + (sin(i * 0.37) + (0.15 + 0.3 * (i % 4)) * sin(i * 1.3) > 0.4)::int] AS y3,
       least(3, greatest(0, floor(1.6 * (cos(i * 0.11) + 1 + 0.6 * sin(i * 2.9)) - 0.4)))::int AS y4
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

-- multinomial: three text classes, weighted; four integer classes, with
-- and without an intercept, stopped early; grouped, one group lacking a
-- class ('dog' in group 1) and one nearly separated (group 0)
SELECT classes, metrics ->> 'iterations' FROM learn.train('vm', 'multinomial', 'gl', 'y3', '{x1,x2}', weight => 'w');
SELECT classes, metrics ->> 'iterations' FROM learn.train('vm4', 'multinomial', 'gl', 'y4', '{x1,x2}');
SELECT metrics ->> 'iterations' FROM learn.train('vm4n', 'multinomial', 'gl', 'y4', '{x1,x2}',
	'{"intercept": false, "max_iterations": 3, "max_classes": 4}');
SELECT 1 FROM learn.train('vmg', 'multinomial', $$SELECT * FROM gl WHERE NOT (g = 1 AND y3 = 'dog')$$,
	'y3', '{x1,x2}', weight => 'w', group_by => '{g}');
SELECT gr.group_key, gr.fitted, gr.reason, gr.metrics ->> 'iterations' AS iterations
  FROM learn.groups gr JOIN learn.models m ON m.id = gr.model_id AND m.name = 'vmg' ORDER BY 1;
-- separated: class 'a' by x1 alone, and every class by x1
SELECT metrics ->> 'converged' FROM learn.train('vms', 'multinomial',
	$$SELECT CASE WHEN x1 < -0.5 THEN 'a' WHEN x2 + 0.5 * sin(i * 1.3) > 1 THEN 'b' ELSE 'c' END AS s, x1, x2
	  FROM gl WHERE i <= 1200$$, 's', '{x1,x2}');
SELECT metrics ->> 'converged' FROM learn.train('vms2', 'multinomial',
	$$SELECT CASE WHEN x1 < -0.3 THEN 0 WHEN x1 < 0.3 THEN 1 ELSE 2 END AS s, x1, x2 FROM gl WHERE i <= 600$$,
	's', '{x1,x2}');
-- errors: too many classes; a class that appears after the classes were read
SELECT learn.train('ve', 'multinomial', 'gl', 'y4', '{x1,x2}', '{"max_classes": 3}');
CREATE SEQUENCE vseq;
SELECT learn.train('ve', 'multinomial',
	$$SELECT CASE WHEN nextval('vseq') > 7000 AND i = 77 THEN 'owl' ELSE y3 END AS y, x1 FROM gl$$, 'y', '{x1}');
-- scoring a multinomial model in every form: by array, by the table's row
-- (planned as columns), by a row of a subquery, each class's probability,
-- the label, the class of integer labels; a grouped model, its unfitted
-- group's rows NULL
SELECT sum(learn.predict_proba('vm', gl, 'cat')), sum(learn.predict_proba('vm', ARRAY[x1, x2], 'dog')),
	   count(*) FILTER (WHERE learn.predict_label('vm', gl) = y3),
	   count(*) FILTER (WHERE learn.predict_label('vm', ARRAY[x1, x2]) = y3),
	   sum(learn.predict('vm4', gl)), sum(learn.predict('vm4', ARRAY[x1, x2])),
	   sum(learn.predict_proba('vm4', gl, '3')), count(learn.predict_label('vm4', gl)),
	   count(learn.predict_label('vmg', gl)), sum(learn.predict_proba('vmg', gl, 'bird')),
	   sum(learn.predict_proba('vms2', gl, '1'))
  FROM gl;
SELECT sum(learn.predict('vm4', s)), count(learn.predict_label('vm', s)),
	   sum(learn.predict_proba('vm', s, 'bird')), count(learn.predict_label('vmg', s))
  FROM (SELECT x1, x2, g, i FROM gl WHERE i % 2 = 0) s;
-- one call site, models of 3, 4 and 2 classes by turns, a cache of one model
SET learn.model_cache_size = 1;
SELECT count(learn.predict_label((ARRAY['vm', 'vm4', 'vl', 'vm4n'])[1 + i % 4], ARRAY[x1, x2])),
	   count(learn.predict_label((ARRAY['vm', 'vm4', 'vl', 'vmg'])[1 + i % 4], s)),
	   sum(learn.predict_proba((ARRAY['vm4', 'vl', 'vm4n'])[1 + i % 3], ARRAY[x1, x2], '1'))
  FROM (SELECT x1, x2, g, i FROM gl) s;
RESET learn.model_cache_size;
-- a multinomial model needs the class; text labels are no numbers; NULLs
SELECT learn.predict_proba('vm', ARRAY[1, 2]);
SELECT learn.predict_proba('vm', ARRAY[1, 2], NULL);
SELECT learn.predict_proba('vm', ARRAY[1, 2], 'owl');
SELECT learn.predict('vm', ARRAY[1, 2]);
SELECT sum(learn.predict_proba('vm', gl)) FROM gl;
SELECT learn.predict_label('vm', ARRAY[NULL, 2]::float8[]), learn.predict_label('vm', NULL::float8[]),
	   learn.predict('vm4', ARRAY[1e300, -1e300]), learn.predict_proba('vm4', ARRAY[1e300, 1e300], '0');
SELECT learn.predict_label('vmg', ARRAY[1, 2]);

-- the AUC: kept by the pass that turned out the last (the default
-- tolerance, a limit of iterations), by one more pass at the final
-- coefficients (a tolerance loose enough to converge on the first pass
-- that evaluates a fit), per group, each as a sum over the scores
CREATE FUNCTION vauc(model text, src text) RETURNS float8 LANGUAGE plpgsql AS $f$
DECLARE r float8;
BEGIN
	EXECUTE format($q$
		WITH s AS (SELECT learn.predict_proba(%L, d) AS p, yb, w FROM (%s) d),
		t AS (SELECT p, sum(w) FILTER (WHERE yb = 1) AS pos, sum(w) FILTER (WHERE yb = 0) AS neg
				FROM s GROUP BY p),
		u AS (SELECT coalesce(pos, 0) AS pos, coalesce(neg, 0) AS neg,
					 coalesce(sum(neg) OVER (ORDER BY p ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS below
				FROM t)
		SELECT sum(pos * (below + 0.5 * neg)) / (sum(pos) * sum(neg)) FROM u$q$, model, src) INTO r;
	RETURN r;
END
$f$;
SELECT name, metrics ->> 'iterations' AS iterations,
	   abs((metrics ->> 'auc')::float8 - vauc(name, 'TABLE gl')) < 1e-12 AS auc
  FROM learn.models WHERE name = 'vl' AND deployed;
SELECT metrics ->> 'iterations' AS iterations,
	   abs((metrics ->> 'auc')::float8 - vauc('va', 'SELECT x1, x2, yb, w FROM gl')) < 1e-12 AS auc
  FROM learn.train('va', 'logistic', 'gl', 'yb', '{x1,x2}', '{"tolerance": 0.9}', weight => 'w');
SELECT metrics ->> 'iterations' AS iterations,
	   abs((metrics ->> 'auc')::float8 - vauc('va2', 'SELECT x1, x2, yb, 1 AS w FROM gl')) < 1e-12 AS auc
  FROM learn.train('va2', 'logistic', 'gl', 'yb', '{x1,x2}', '{"max_iterations": 2}');
SELECT 1 FROM learn.train('vag', 'logistic', 'gl', 'yb', '{x1,x2}', '{"tolerance": 0.9}', '{g}');
SELECT gr.group_key, abs((gr.metrics ->> 'auc')::float8 -
		vauc('vag', format('SELECT x1, x2, g, yb, 1 AS w FROM gl WHERE g = %s', gr.group_key[1]))) < 1e-12 AS auc
  FROM learn.groups gr JOIN learn.models m ON m.id = gr.model_id AND m.name = 'vag' ORDER BY 1;
-- more scores than learn.max_group_memory holds (64 kB: 4096): dropped
-- by the leader's combine (6000 rows, about 2000 in each process), by each
-- worker (12000 rows), without workers, and in one group of two
CREATE TABLE gl2 AS SELECT gl.*, (i % 4 = 0) AS small FROM gl, generate_series(1, 2) r;
ANALYZE gl2;
SET learn.max_group_memory = 64;
SELECT metrics -> 'auc' FROM learn.train('vab', 'logistic', 'gl', 'yb', '{x1,x2}');
SELECT metrics -> 'auc' FROM learn.train('vab', 'logistic', 'gl2', 'yb', '{x1,x2}', weight => 'w');
SELECT 1 FROM learn.train('vabg', 'logistic', 'gl2', 'yb', '{x1,x2}', group_by => '{small}');
SELECT gr.group_key, gr.metrics -> 'auc' AS auc
  FROM learn.groups gr JOIN learn.models m ON m.id = gr.model_id AND m.name = 'vabg' ORDER BY 1;
SET max_parallel_workers_per_gather = 0;
SELECT metrics -> 'auc' FROM learn.train('vab', 'logistic', 'gl', 'yb', '{x1,x2}', '{"tolerance": 0.9}');
SET max_parallel_workers_per_gather = 2;
RESET learn.max_group_memory;
