--
-- learn.evaluate(model, source) and the held-out rows of learn.train
-- (params test_fraction and seed).
--
-- evaluate applies the metric aggregates (checked against scikit-learn in
-- 90_metrics) to the target and to learn.predict / predict_proba /
-- predict_label of each row: every result is compared here with the same
-- aggregates written by hand over the scoring functions, on the same rows,
-- to 1e-12 relative.  The split is computed again here, independently of
-- the C code, from its documented definition: a row is held out when
-- (hash_record_extended(ROW(target, weight, group_by..., features...),
-- seed) + 2^63) / 2^64 < test_fraction, in numeric arithmetic.
--
SET extra_float_digits = 0;
CREATE TABLE ev_glm (x1 float8, x2 float8, x3 float8, g int, w float8, yb int,
	yp int, yc int, yci int, yg float8, yi float8, ys int, yl boolean, expo float8, yo int);
\copy ev_glm FROM 'data/glm.csv' CSV HEADER
CREATE TABLE ev_mn (x1 float8, x2 float8, x3 float8, g int, w float8, y3 text,
	y4 int, yb int);
\copy ev_mn FROM 'data/multinomial.csv' CSV HEADER
CREATE TABLE ev_fac (x1 float8, x2 float8, color text, size text, g int, w float8,
	y float8, yb int, yc int);
\copy ev_fac FROM 'data/factors.csv' CSV HEADER
-- rows that cannot be scored: a NULL target, a NULL feature
UPDATE ev_glm SET yb = NULL, yp = NULL, yl = NULL WHERE x1 < -1.6;
UPDATE ev_glm SET x2 = NULL WHERE x3 > 0.97;
SELECT count(*) FILTER (WHERE yb IS NULL) AS null_target,
	   count(*) FILTER (WHERE x2 IS NULL) AS null_feature FROM ev_glm;

-- got and want agree: the same keys, numbers to 1e-12 relative, anything
-- else equal; 'same', or the keys that differ
CREATE FUNCTION ev_diff(got jsonb, want jsonb) RETURNS text
LANGUAGE sql AS $$
	SELECT COALESCE(string_agg(COALESCE(g.key, w.key), ',' ORDER BY COALESCE(g.key, w.key)), 'same')
	  FROM jsonb_each(got) g FULL JOIN jsonb_each(want) w ON g.key = w.key
	 WHERE g.key IS NULL OR w.key IS NULL
		OR NOT (g.value = w.value
				OR (jsonb_typeof(g.value) = 'number' AND jsonb_typeof(w.value) = 'number'
					AND abs(g.value::text::float8 - w.value::text::float8)
						<= 1e-12 * greatest(1, abs(w.value::text::float8))))
$$;

-- the errors a statement raises, as SQLSTATE: message
CREATE FUNCTION ev_try(stmt text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE stmt;
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

-- the held-out condition, as documented, of a row's hash_record_extended
CREATE FUNCTION ev_held_out(hash bigint, fraction numeric) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT (hash::numeric + 9223372036854775808) / 18446744073709551616 < fraction
$$;

-------------------------------------------------------------------------
-- learn.evaluate equals the metric aggregates over the scoring functions
-------------------------------------------------------------------------

-- linear
SELECT 1 FROM learn.train('ev_lin', 'linear', 'mtcars', 'mpg', '{wt,hp}');
SELECT e->>'model' AS model, ev_diff(e - 'model',
	(SELECT jsonb_build_object('n', count(*) FILTER (WHERE learn.predict('ev_lin', m) IS NOT NULL),
							   'n_skipped', count(*) FILTER (WHERE learn.predict('ev_lin', m) IS NULL),
							   'r2', learn.r2(mpg, learn.predict('ev_lin', m)),
							   'mse', learn.mse(mpg, learn.predict('ev_lin', m)),
							   'rmse', learn.rmse(mpg, learn.predict('ev_lin', m)),
							   'mae', learn.mae(mpg, learn.predict('ev_lin', m)))
	   FROM mtcars m)) AS diff
  FROM learn.evaluate('ev_lin', 'mtcars') e;
-- the training's own r2 and rmse, on the same rows
SELECT abs((e->>'r2')::float8 - (m.metrics->>'r2')::float8) < 1e-12 AS same_r2,
	   abs((e->>'rmse')::float8 - sqrt(power((m.metrics->>'sigma')::float8, 2) * 29 / 32)) < 1e-12 AS same_rmse
  FROM learn.evaluate('ev_lin', 'mtcars') e, learn.models m WHERE m.name = 'ev_lin';

-- glm (poisson), on a query source with NULL targets and NULL features
SELECT 1 FROM learn.train('ev_pois', 'glm', 'ev_glm', 'yp', '{x1,x2,x3}', '{"family": "poisson"}');
SELECT e->>'model' AS model, e->>'n' AS n, e->>'n_skipped' AS n_skipped, ev_diff(e - 'model',
	(SELECT jsonb_build_object('n', count(*) FILTER (WHERE yp IS NOT NULL AND learn.predict('ev_pois', d) IS NOT NULL),
							   'n_skipped', count(*) FILTER (WHERE yp IS NULL OR learn.predict('ev_pois', d) IS NULL),
							   'r2', learn.r2(yp, learn.predict('ev_pois', d)),
							   'mse', learn.mse(yp, learn.predict('ev_pois', d)),
							   'rmse', learn.rmse(yp, learn.predict('ev_pois', d)),
							   'mae', learn.mae(yp, learn.predict('ev_pois', d)))
	   FROM ev_glm d WHERE g <> 2)) AS diff
  FROM learn.evaluate('ev_pois', 'SELECT * FROM ev_glm WHERE g <> 2') e;

-- logistic, integer classes 0 and 1: the positive class is 1
SELECT 1 FROM learn.train('ev_logit', 'logistic', 'ev_glm', 'yb', '{x1,x2,x3}');
SELECT e->>'n' AS n, e->>'n_skipped' AS n_skipped, ev_diff(e - 'model',
	(SELECT jsonb_build_object('n', count(*) FILTER (WHERE yb IS NOT NULL AND learn.predict_proba('ev_logit', d) IS NOT NULL),
							   'n_skipped', count(*) FILTER (WHERE yb IS NULL OR learn.predict_proba('ev_logit', d) IS NULL),
							   'accuracy', learn.accuracy(yb::text, learn.predict_label('ev_logit', d)),
							   'auc', learn.auc(yb = 1, learn.predict_proba('ev_logit', d)),
							   'log_loss', learn.log_loss(yb = 1, learn.predict_proba('ev_logit', d)),
							   'precision', learn.precision(yb = 1, learn.predict_label('ev_logit', d) = '1'),
							   'recall', learn.recall(yb = 1, learn.predict_label('ev_logit', d) = '1'),
							   'f1', learn.f1(yb = 1, learn.predict_label('ev_logit', d) = '1'))
	   FROM ev_glm d)) AS diff
  FROM learn.evaluate('ev_logit', 'ev_glm') e;

-- logistic, a boolean target
SELECT 1 FROM learn.train('ev_logit_b', 'logistic', 'ev_glm', 'yl', '{x1,x3}');
SELECT ev_diff(e - 'model',
	(SELECT jsonb_build_object('n', count(*) FILTER (WHERE yl IS NOT NULL AND learn.predict_proba('ev_logit_b', d) IS NOT NULL),
							   'n_skipped', count(*) FILTER (WHERE yl IS NULL OR learn.predict_proba('ev_logit_b', d) IS NULL),
							   'accuracy', learn.accuracy(yl::text, learn.predict_label('ev_logit_b', d)),
							   'auc', learn.auc(yl, learn.predict_proba('ev_logit_b', d)),
							   'log_loss', learn.log_loss(yl, learn.predict_proba('ev_logit_b', d)),
							   'precision', learn.precision(yl, learn.predict_label('ev_logit_b', d)::boolean),
							   'recall', learn.recall(yl, learn.predict_label('ev_logit_b', d)::boolean),
							   'f1', learn.f1(yl, learn.predict_label('ev_logit_b', d)::boolean))
	   FROM ev_glm d)) AS diff
  FROM learn.evaluate('ev_logit_b', 'ev_glm') e;

-- multinomial: accuracy, and log_loss of each row's own class
SELECT 1 FROM learn.train('ev_mn', 'multinomial', 'ev_mn', 'y3', '{x1,x2,x3}');
SELECT e->>'n' AS n, ev_diff(e - 'model',
	(SELECT jsonb_build_object('n', count(*), 'n_skipped', 0,
							   'accuracy', learn.accuracy(y3, learn.predict_label('ev_mn', d)),
							   'log_loss', learn.log_loss(true, learn.predict_proba('ev_mn', d, y3)))
	   FROM ev_mn d)) AS diff
  FROM learn.evaluate('ev_mn', 'ev_mn') e;
-- a class the model does not know is not scored (n_skipped)
SELECT e->>'n' AS n, e->>'n_skipped' AS n_skipped, ev_diff(e - 'model' - 'n' - 'n_skipped',
	(SELECT jsonb_build_object('accuracy', learn.accuracy(y3, learn.predict_label('ev_mn', d)),
							   'log_loss', learn.log_loss(true, learn.predict_proba('ev_mn', d, y3)))
	   FROM ev_mn d WHERE y3 <> 'cat')) AS diff
  FROM learn.evaluate('ev_mn', $$SELECT x1, x2, x3, CASE WHEN y3 = 'cat' THEN 'lion' ELSE y3 END AS y3 FROM ev_mn$$) e;

-- categorical features: scoring finds the levels; a source whose query
-- derives them
SELECT 1 FROM learn.train('ev_fac', 'linear', 'ev_fac', 'y', '{x1,color,size}');
SELECT ev_diff(e - 'model',
	(SELECT jsonb_build_object('n', count(*), 'n_skipped', 0,
							   'r2', learn.r2(y, learn.predict('ev_fac', d)),
							   'mse', learn.mse(y, learn.predict('ev_fac', d)),
							   'rmse', learn.rmse(y, learn.predict('ev_fac', d)),
							   'mae', learn.mae(y, learn.predict('ev_fac', d)))
	   FROM ev_fac d WHERE g = 1)) AS diff
  FROM learn.evaluate('ev_fac', 'SELECT y, x1, color::varchar, size FROM ev_fac WHERE g = 1') e;

-- grouped: the total and each group, in the order of the group values; a
-- group the model does not have is all n_skipped
SELECT 1 FROM learn.train('ev_grp', 'linear', 'iris', 'sepal_length',
						  '{sepal_width,petal_length}', group_by => '{species}');
WITH e AS (SELECT learn.evaluate('ev_grp', $$SELECT * FROM iris UNION ALL
		SELECT 5, 3, 1.5, 0.2, 'unknown'$$) AS e)
SELECT 'total' AS part, e->>'n' AS n, e->>'n_skipped' AS n_skipped, ev_diff(e - 'model' - 'groups' - 'n_skipped' - 'n',
	(SELECT jsonb_build_object('r2', learn.r2(sepal_length, learn.predict('ev_grp', i)),
							   'mse', learn.mse(sepal_length, learn.predict('ev_grp', i)),
							   'rmse', learn.rmse(sepal_length, learn.predict('ev_grp', i)),
							   'mae', learn.mae(sepal_length, learn.predict('ev_grp', i)))
	   FROM iris i)) AS diff
  FROM e
UNION ALL
SELECT g->>'group_key', g->>'n', g->>'n_skipped', ev_diff(g - 'group_key' - 'n' - 'n_skipped',
	(SELECT jsonb_build_object('r2', learn.r2(sepal_length, learn.predict('ev_grp', i)),
							   'mse', learn.mse(sepal_length, learn.predict('ev_grp', i)),
							   'rmse', learn.rmse(sepal_length, learn.predict('ev_grp', i)),
							   'mae', learn.mae(sepal_length, learn.predict('ev_grp', i)))
	   FROM iris i WHERE species = g->'group_key'->>0))
  FROM e, jsonb_array_elements(e->'groups') g;

-- grouped logistic, integer groups; a version pinned by number
SELECT 1 FROM learn.train('ev_glogit', 'logistic', 'ev_glm', 'yb', '{x1,x2}', group_by => '{g}');
SELECT 1 FROM learn.train('ev_glogit', 'logistic', 'ev_glm', 'yb', '{x1}', group_by => '{g}');
SELECT grp->>'group_key' AS group_key, ev_diff(grp - 'group_key',
	(SELECT jsonb_build_object('n', count(*) FILTER (WHERE yb IS NOT NULL AND learn.predict_proba('ev_glogit@1', d) IS NOT NULL),
							   'n_skipped', count(*) FILTER (WHERE yb IS NULL OR learn.predict_proba('ev_glogit@1', d) IS NULL),
							   'accuracy', learn.accuracy(yb::text, learn.predict_label('ev_glogit@1', d)),
							   'auc', learn.auc(yb = 1, learn.predict_proba('ev_glogit@1', d)),
							   'log_loss', learn.log_loss(yb = 1, learn.predict_proba('ev_glogit@1', d)),
							   'precision', learn.precision(yb = 1, learn.predict_label('ev_glogit@1', d) = '1'),
							   'recall', learn.recall(yb = 1, learn.predict_label('ev_glogit@1', d) = '1'),
							   'f1', learn.f1(yb = 1, learn.predict_label('ev_glogit@1', d) = '1'))
	   FROM ev_glm d WHERE d.g::text = grp->'group_key'->>0)) AS diff
  FROM jsonb_array_elements(learn.evaluate('ev_glogit@1', 'ev_glm')->'groups') grp;
SELECT learn.evaluate('ev_glogit@1', 'ev_glm')->>'model' AS pinned,
	   learn.evaluate('ev_glogit', 'ev_glm')->>'model' AS deployed;

-- no rows: n 0, metrics null
SELECT learn.evaluate('ev_lin', 'SELECT * FROM mtcars WHERE false') AS empty;

-- errors
SELECT ev_try($$SELECT learn.evaluate('ev_lin', 'SELECT wt, hp FROM mtcars')$$);
SELECT ev_try($$SELECT learn.evaluate('ev_grp', 'SELECT sepal_length, sepal_width, petal_length FROM iris')$$);
SELECT ev_try($$SELECT learn.evaluate('ev_lin', 'SELECT model AS mpg, wt, hp FROM mtcars')$$);
SELECT ev_try($$SELECT learn.evaluate('ev_lin', 'SELECT mpg, wt FROM mtcars')$$);
-- a source with two columns of the target's (or a group column's) name: 42702
SELECT ev_try($$SELECT learn.evaluate('ev_lin', 'SELECT mpg, wt, hp, mpg FROM mtcars')$$);
SELECT ev_try($$SELECT learn.evaluate('ev_grp', 'SELECT *, species FROM iris')$$);
SELECT ev_try($$SELECT learn.train('ev_dup', 'linear', 'SELECT mpg, wt, hp, mpg FROM mtcars', 'mpg', '{wt,hp}')$$);
SELECT ev_try($$SELECT learn.evaluate('ev_nope', 'mtcars')$$);
SELECT ev_try($$SELECT learn.evaluate('ev_lin@9', 'mtcars')$$);
SELECT ev_try($$SELECT learn.evaluate('ev_lin', 'no_such_table')$$);
SELECT ev_try($$SELECT learn.evaluate('ev_lin', 'SELECT * FROM mtcars FOR UPDATE')$$);
SELECT ev_try($$SELECT learn.evaluate('ev_lin', 'SELECT * FROM mtcars; SELECT 1')$$);
SELECT ev_try($$SELECT learn.evaluate(NULL, 'mtcars')$$);

-- against scikit-learn, end to end (tests/reference/evaluate_reference.py:
-- statsmodels fits on the rows of part 'train' to full precision, sklearn
-- measures its predictions on part 'test'), to 1e-12 relative (measured
-- when this was written: at most 4.4e-16): the positive class of a text
-- target, the probability auc and log_loss read, the multiclass log_loss
-- over every class
CREATE TABLE ev_ref_data (id int, part text, x1 float8, x2 float8, y float8, yb text, y3 text);
\copy ev_ref_data FROM 'data/evaluate.csv' CSV HEADER
CREATE TABLE ev_ref (case_name text, key text, value float8);
\copy ev_ref FROM 'tests/reference/expected/evaluate_expected.csv' CSV HEADER
SELECT 1 FROM learn.train('ev_ref_linear', 'linear',
						  $$SELECT * FROM ev_ref_data WHERE part = 'train'$$, 'y', '{x1,x2}');
SELECT 1 FROM learn.train('ev_ref_logistic', 'logistic',
						  $$SELECT * FROM ev_ref_data WHERE part = 'train'$$, 'yb', '{x1,x2}',
						  '{"tolerance": 1e-12}');
SELECT 1 FROM learn.train('ev_ref_multinomial', 'multinomial',
						  $$SELECT * FROM ev_ref_data WHERE part = 'train'$$, 'y3', '{x1,x2}',
						  '{"tolerance": 1e-12}');
WITH e AS (
	SELECT c.case_name, learn.evaluate('ev_ref_' || c.case_name,
									   $$SELECT * FROM ev_ref_data WHERE part = 'test'$$) AS e
	  FROM (SELECT DISTINCT case_name FROM ev_ref) c)
SELECT r.case_name, count(*) AS keys,
	   count(*) FILTER (WHERE abs((e.e->>r.key)::float8 - r.value)
						<= 1e-12 * greatest(1, abs(r.value))) AS agree,
	   (SELECT count(*) FROM jsonb_object_keys(e.e - 'model')) AS evaluate_keys
  FROM ev_ref r JOIN e USING (case_name)
 GROUP BY r.case_name, e.e ORDER BY 1;

-------------------------------------------------------------------------
-- The held-out rows: params test_fraction and seed
-------------------------------------------------------------------------

-- test_fraction 0 (the default) changes nothing: no test metrics, and
-- neither param among the effective params
SELECT metrics ? 'test' AS has_test, params ? 'test_fraction' AS has_fraction,
	   params ? 'seed' AS has_seed
  FROM learn.train('ev_split0', 'linear', 'mtcars', 'mpg', '{wt,hp}', '{"seed": 5}');
SELECT params->'test_fraction' AS test_fraction, params->'seed' AS seed
  FROM learn.train('ev_split0', 'linear', 'mtcars', 'mpg', '{wt,hp}', '{"test_fraction": 0.25}');

-- a linear fit with held-out rows equals the fit on the other rows alone
CREATE VIEW ev_glm_train AS
SELECT * FROM ev_glm d WHERE NOT ev_held_out(hash_record_extended(ROW(d.yg, d.w, d.x1, d.x2, d.x3), 7), 0.3);
CREATE VIEW ev_glm_test AS
SELECT * FROM ev_glm d WHERE ev_held_out(hash_record_extended(ROW(d.yg, d.w, d.x1, d.x2, d.x3), 7), 0.3);
SELECT (SELECT count(*) FROM ev_glm_train) AS train_rows, (SELECT count(*) FROM ev_glm_test) AS test_rows;
SELECT n_rows, n_skipped, params->'test_fraction' AS test_fraction, params->'seed' AS seed
  FROM learn.train('ev_split', 'linear', 'ev_glm', 'yg', '{x1,x2,x3}',
				   '{"test_fraction": 0.3, "seed": 7}', weight => 'w');
SELECT n_rows, n_skipped
  FROM learn.train('ev_split_ref', 'linear', 'ev_glm_train', 'yg', '{x1,x2,x3}', weight => 'w');
-- the same coefficients, and the same metrics on the training rows
SELECT count(*) AS terms,
	   bool_and(abs(a.estimate - b.estimate) <= 1e-12 * greatest(1, abs(b.estimate))
				AND abs(a.std_error - b.std_error) <= 1e-12 * greatest(1, abs(b.std_error))) AS same
  FROM learn.coefficients a JOIN learn.coefficients b USING (position)
 WHERE a.model_id = (SELECT id FROM learn.models WHERE name = 'ev_split')
   AND b.model_id = (SELECT id FROM learn.models WHERE name = 'ev_split_ref');
SELECT ev_diff(a.metrics - 'test', b.metrics) AS train_metrics
  FROM learn.models a, learn.models b WHERE a.name = 'ev_split' AND b.name = 'ev_split_ref';
-- metrics.test is learn.evaluate on the held-out rows
SELECT m.metrics->'test'->>'n' AS test_n,
	   ev_diff(m.metrics->'test', learn.evaluate('ev_split', 'ev_glm_test') - 'model') AS test_metrics
  FROM learn.models m WHERE m.name = 'ev_split';
-- learn.model_summary shows them
SELECT s.test_r2 = (m.metrics->'test'->>'r2')::float8 AS test_r2,
	   s.test_rmse = (m.metrics->'test'->>'rmse')::float8 AS test_rmse,
	   s.test_mae = (m.metrics->'test'->>'mae')::float8 AS test_mae,
	   s.test_r2 <> s.r2 AS differs_from_train, s.n_rows
  FROM learn.model_summary s JOIN learn.models m USING (name, version)
 WHERE s.name = 'ev_split';

-- another seed, another split; the same seed, the same split
SELECT count(*) FILTER (WHERE ev_held_out(hash_record_extended(ROW(d.yg, d.w, d.x1, d.x2, d.x3), 7), 0.3)
					  <> ev_held_out(hash_record_extended(ROW(d.yg, d.w, d.x1, d.x2, d.x3), 8), 0.3)) > 0 AS splits_differ
  FROM ev_glm d;
SELECT m.n_rows + m.n_skipped = (SELECT count(*) FROM ev_glm d
								  WHERE NOT ev_held_out(hash_record_extended(ROW(d.yg, d.w, d.x1, d.x2, d.x3), 8), 0.3)) AS seed_8_rows
  FROM learn.train('ev_split8', 'linear', 'ev_glm', 'yg', '{x1,x2,x3}',
				   '{"test_fraction": 0.3, "seed": 8}', weight => 'w') m;
SELECT a.n_rows = b.n_rows AND a.metrics = b.metrics AS same_seed_same_model
  FROM learn.models a, learn.train('ev_split_again', 'linear', 'ev_glm', 'yg', '{x1,x2,x3}',
								   '{"test_fraction": 0.3, "seed": 7}', weight => 'w') b
 WHERE a.name = 'ev_split';

-- the split does not depend on the plan: serial and parallel agree
CREATE TABLE ev_big AS
SELECT i % 4 AS g, sin(i) AS x1, cos(i * 0.3) AS x2, (i % 7)::text AS c,
	   (sin(i * 0.1) + sin(i) - cos(i * 0.3) > 0) AS y
  FROM generate_series(1, 20000) i;
ANALYZE ev_big;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SELECT set_config(CASE WHEN current_setting('server_version_num')::int >= 160000
					   THEN 'debug_parallel_query' ELSE 'force_parallel_mode' END, 'on', false)
	   AS forced;
EXPLAIN (COSTS OFF) SELECT count(*) FROM ev_big;
SELECT id AS par FROM learn.train('ev_par', 'logistic', 'ev_big', 'y', '{x1,x2,c}',
								  '{"test_fraction": 0.2, "seed": 3}', group_by => '{g}') \gset
RESET max_parallel_workers_per_gather;
SELECT set_config(CASE WHEN current_setting('server_version_num')::int >= 160000
					   THEN 'debug_parallel_query' ELSE 'force_parallel_mode' END, 'off', false)
	   AS forced;
SET max_parallel_workers_per_gather = 0;
SELECT id AS ser FROM learn.train('ev_ser', 'logistic', 'ev_big', 'y', '{x1,x2,c}',
								  '{"test_fraction": 0.2, "seed": 3}', group_by => '{g}') \gset
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
SELECT a.n_rows = b.n_rows AS same_rows,
	   a.n_rows = (SELECT count(*) FROM ev_big d
					WHERE NOT ev_held_out(hash_record_extended(ROW(d.y, d.g, d.x1, d.x2, d.c), 3), 0.2)) AS rows_as_documented,
	   ev_diff(a.metrics->'test', b.metrics->'test') AS test_metrics
  FROM learn.models a, learn.models b WHERE a.id = :par AND b.id = :ser;
SELECT count(*) AS groups,
	   bool_and(a.n_rows = b.n_rows) AS same_rows,
	   string_agg(DISTINCT ev_diff(a.metrics->'test', b.metrics->'test'), ',') AS test_metrics
  FROM learn.groups a JOIN learn.groups b USING (group_key)
 WHERE a.model_id = :par AND b.model_id = :ser;
SELECT count(*) AS terms,
	   bool_and(abs(a.estimate - b.estimate) <= 1e-9 * greatest(1, abs(b.estimate))) AS same
  FROM learn.coefficients a JOIN learn.coefficients b USING (group_key, term)
 WHERE a.model_id = :par AND b.model_id = :ser;

-- grouped: each group's metrics.test is learn.evaluate's group on the
-- held-out rows, the model's is its total (no per-group list in it); the
-- levels of c come from the training rows
CREATE VIEW ev_big_test AS
SELECT * FROM ev_big d WHERE ev_held_out(hash_record_extended(ROW(d.y, d.g, d.x1, d.x2, d.c), 3), 0.2);
SELECT ev_diff(m.metrics->'test', learn.evaluate('ev_ser', 'ev_big_test') - 'model' - 'groups') AS total,
	   m.metrics->'test' ? 'groups' AS has_groups
  FROM learn.models m WHERE m.id = :ser;
SELECT string_agg(DISTINCT ev_diff(g.metrics->'test', e - 'group_key'), ',') AS groups, count(*)
  FROM learn.groups g
  JOIN jsonb_array_elements(learn.evaluate('ev_ser', 'ev_big_test')->'groups') e
	ON g.group_key = ARRAY(SELECT jsonb_array_elements_text(e->'group_key'))
 WHERE g.model_id = :ser;
-- and the fit is the one on the training rows alone
CREATE VIEW ev_big_train AS
SELECT * FROM ev_big d WHERE NOT ev_held_out(hash_record_extended(ROW(d.y, d.g, d.x1, d.x2, d.c), 3), 0.2);
SELECT id AS ref FROM learn.train('ev_big_ref', 'logistic', 'ev_big_train', 'y', '{x1,x2,c}',
								  group_by => '{g}') \gset
SELECT count(*) AS terms,
	   bool_and(abs(a.estimate - b.estimate) <= 1e-9 * greatest(1, abs(b.estimate))) AS same
  FROM learn.coefficients a JOIN learn.coefficients b USING (group_key, term)
 WHERE a.model_id = :ser AND b.model_id = :ref;

-- multinomial with held-out rows: its classes and fit from the training
-- rows alone
SELECT 1 FROM learn.train('ev_mn_split', 'multinomial', 'ev_mn', 'y3', '{x1,x2,x3}',
						  '{"test_fraction": 0.4, "seed": 11}');
CREATE VIEW ev_mn_train AS
SELECT * FROM ev_mn d WHERE NOT ev_held_out(hash_record_extended(ROW(d.y3, d.x1, d.x2, d.x3), 11), 0.4);
SELECT 1 FROM learn.train('ev_mn_ref', 'multinomial', 'ev_mn_train', 'y3', '{x1,x2,x3}');
SELECT a.classes = b.classes AS same_classes, a.n_rows = b.n_rows AS same_rows,
	   a.metrics->'test'->>'n' AS test_n
  FROM learn.models a, learn.models b WHERE a.name = 'ev_mn_split' AND b.name = 'ev_mn_ref';
SELECT count(*) AS terms,
	   bool_and(abs(a.estimate - b.estimate) <= 1e-9 * greatest(1, abs(b.estimate))) AS same
  FROM learn.coefficients a JOIN learn.coefficients b USING (class, term)
 WHERE a.model_id = (SELECT id FROM learn.models WHERE name = 'ev_mn_split')
   AND b.model_id = (SELECT id FROM learn.models WHERE name = 'ev_mn_ref');

-- every kind of feature the hash reads: numbers, boolean, text, varchar,
-- char, an enum and a domain
CREATE TYPE ev_color AS ENUM ('red', 'green', 'blue');
CREATE DOMAIN ev_size AS text CHECK (VALUE IN ('S', 'M', 'L', 'XL'));
CREATE TABLE ev_types AS
SELECT y, x1::numeric(10, 4) AS xn, (x2 > 0.5) AS xb, color AS xt, size::varchar(3) AS xv,
	   (CASE WHEN x2 > 0.3 THEN 'hi' ELSE 'lo' END)::char(2) AS xc,
	   (ARRAY['red', 'green', 'blue'])[1 + g % 3]::ev_color AS xe,
	   (CASE WHEN x1 > 0 THEN 'S' ELSE 'XL' END)::ev_size AS xd, (x2 * 10)::int2 AS xi
  FROM ev_fac;
SELECT n_rows = (SELECT count(*) FROM ev_types d
				  WHERE NOT ev_held_out(hash_record_extended(ROW(d.y, d.xn, d.xb, d.xt, d.xv, d.xc, d.xe, d.xd, d.xi), 4), 0.5))
	   AS rows_as_documented
  FROM learn.train('ev_types', 'linear', 'ev_types', 'y', '{xn,xb,xt,xv,xc,xe,xd,xi}',
				   '{"test_fraction": 0.5, "seed": 4}');

-- learn._split_hash, which training calls, is hash_record_extended of the
-- row, for each of these types and for NULLs
SELECT count(*) AS rows,
	   count(*) FILTER (WHERE learn._split_hash(4, d.y, d.xn, d.xb, d.xt, d.xv, d.xc, d.xe, d.xd, d.xi)
						 = hash_record_extended(ROW(d.y, d.xn, d.xb, d.xt, d.xv, d.xc, d.xe, d.xd, d.xi), 4))
	   AS equal
  FROM ev_types d;
SELECT count(*) AS rows, count(*) FILTER (WHERE yb IS NULL OR x2 IS NULL) AS with_null,
	   count(*) FILTER (WHERE learn._split_hash(9, d.yb, d.w, d.g, d.x2, d.yl)
						 = hash_record_extended(ROW(d.yb, d.w, d.g, d.x2, d.yl), 9)) AS equal
  FROM ev_glm d;

-- a training that fails while measuring its held-out rows leaves nothing
SELECT ev_try($$SELECT learn.train('ev_fails', 'linear',
	'SELECT mpg, wt, hp, 1 / CASE WHEN ev_held_out(hash_record_extended(ROW(mpg, wt, hp), 7), 0.3) THEN 0 ELSE 1 END AS z FROM mtcars',
	'mpg', '{wt,hp}', '{"test_fraction": 0.3, "seed": 7}')$$);
SELECT count(*) AS stored FROM learn.models WHERE name = 'ev_fails';
-- (the fit itself never reads z)
SELECT n_rows FROM learn.train('ev_fails_not', 'linear',
	'SELECT mpg, wt, hp, 1 / CASE WHEN ev_held_out(hash_record_extended(ROW(mpg, wt, hp), 7), 0.3) THEN 0 ELSE 1 END AS z FROM mtcars',
	'mpg', '{wt,hp}');

-- the SQL that evaluate and the split generate is schema-qualified: a
-- schema ahead of pg_catalog with look-alikes of what it calls changes
-- nothing (only the source text is read with the caller's search_path)
SELECT learn.evaluate('ev_mn', 'ev_mn') AS base_mn \gset
SELECT learn.evaluate('ev_logit', 'ev_glm') AS base_logit \gset
SELECT n_rows AS base_rows, metrics->'test' AS base_test FROM learn.models WHERE name = 'ev_split' \gset
CREATE SCHEMA ev_hostile;
CREATE FUNCTION ev_hostile.array_position(anycompatiblearray, anycompatible) RETURNS int
	LANGUAGE sql AS 'SELECT 1';
CREATE FUNCTION ev_hostile.hash_record_extended(record, bigint) RETURNS bigint
	LANGUAGE plpgsql AS 'BEGIN RETURN 0; END';
CREATE FUNCTION ev_hostile.always(text, text) RETURNS boolean LANGUAGE sql AS 'SELECT true';
CREATE OPERATOR ev_hostile.= (LEFTARG = text, RIGHTARG = text, FUNCTION = ev_hostile.always);
CREATE FUNCTION ev_hostile.always(bigint, bigint) RETURNS boolean LANGUAGE sql AS 'SELECT true';
CREATE OPERATOR ev_hostile.< (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = ev_hostile.always);
SET search_path = ev_hostile, pg_catalog, public;
-- (they would capture unqualified calls)
SELECT array_position(ARRAY[5, 6], 6) AS array_position, hash_record_extended(ROW(1), 0) AS hash,
	   'a' = 'b'::text AS eq, 2::bigint < 1::bigint AS lt;
SELECT learn.evaluate('ev_mn', 'ev_mn') = :'base_mn'::jsonb AS same_mn,
	   learn.evaluate('ev_logit', 'ev_glm') = :'base_logit'::jsonb AS same_logit;
SELECT n_rows = :base_rows AS same_rows, metrics->'test' = :'base_test'::jsonb AS same_test
  FROM learn.train('ev_split_hostile', 'linear', 'ev_glm', 'yg', '{x1,x2,x3}',
				   '{"test_fraction": 0.3, "seed": 7}', weight => 'w');
RESET search_path;

-- bad values: 22023 naming the param
SELECT ev_try($$SELECT learn.train('ev_bad', 'linear', 'mtcars', 'mpg', '{wt}', '{"test_fraction": 1}')$$);
SELECT ev_try($$SELECT learn.train('ev_bad', 'linear', 'mtcars', 'mpg', '{wt}', '{"test_fraction": -0.1}')$$);
SELECT ev_try($$SELECT learn.train('ev_bad', 'linear', 'mtcars', 'mpg', '{wt}', '{"test_fraction": "x"}')$$);
SELECT ev_try($$SELECT learn.train('ev_bad', 'linear', 'mtcars', 'mpg', '{wt}', '{"seed": 1.5}')$$);
SELECT ev_try($$SELECT learn.train('ev_bad', 'linear', 'mtcars', 'mpg', '{wt}', '{"seed": -1}')$$);
SELECT ev_try($$SELECT learn.train('ev_bad', 'linear', 'mtcars', 'mpg', '{wt}', '{"seed": "7"}')$$);
SELECT count(*) AS stored FROM learn.models WHERE name = 'ev_bad';

-- a target of type character(n): its labels are compared whole (a cast to
-- plain "character" would cut them to one character, matching no row)
CREATE TABLE ev_char AS
SELECT sepal_length, sepal_width, species::char(10) AS species,
	   CASE WHEN species = 'virginica' THEN 'yes' ELSE 'no' END::char(3) AS virginica
  FROM iris;
SELECT classes FROM learn.train('ev_char_mn', 'multinomial', 'ev_char', 'species',
								'{sepal_length,sepal_width}');
SELECT classes FROM learn.train('ev_char_lg', 'logistic', 'ev_char', 'virginica',
								'{sepal_length,sepal_width}');
-- evaluate's n and accuracy against the labels predict_label gives
SELECT (e->>'n')::int = c.n AS same_n, abs((e->>'accuracy')::float8 - c.accuracy) < 1e-12 AS same_accuracy
  FROM (SELECT learn.evaluate('ev_char_mn', 'ev_char') AS e) q,
	   (SELECT count(*) AS n, avg((learn.predict_label('ev_char_mn', r) = rtrim(r.species))::int) AS accuracy
		  FROM ev_char r) c;
SELECT (e->>'n')::int = c.n AS same_n, abs((e->>'accuracy')::float8 - c.accuracy) < 1e-12 AS same_accuracy
  FROM (SELECT learn.evaluate('ev_char_lg', 'ev_char') AS e) q,
	   (SELECT count(*) AS n, avg((learn.predict_label('ev_char_lg', r) = rtrim(r.virginica))::int) AS accuracy
		  FROM ev_char r) c;
