--
-- Linear regression behind the family interface: the stored numbers of the
-- reference fits against those the code before the interface stored
-- (tests/reference/expected/family_bits_*.csv, the exact text pg_learn
-- wrote then, extra_float_digits = 3).  On the machine that recorded them
-- they were equal to the last bit; the test allows 1e-10 relative, since
-- another CPU can make OpenBLAS pick other kernels and other last bits.
-- Then the generic params errors of a family.
--
SET extra_float_digits = 3;

CREATE FUNCTION try_full(stmt text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	msg text;
	hint text;
BEGIN
	EXECUTE stmt;
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, hint = PG_EXCEPTION_HINT;
	RETURN SQLSTATE || ': ' || msg || coalesce(nullif(' HINT: ' || hint, ' HINT: '), '');
END
$$;

CREATE TABLE fam_bits_coef (model text, group_key text[], "position" int, estimate float8,
	std_error float8, statistic float8, p_value float8);
\copy fam_bits_coef FROM 'tests/reference/expected/family_bits_coef.csv' CSV HEADER
CREATE TABLE fam_bits_metrics (model text, metrics jsonb);
\copy fam_bits_metrics FROM 'tests/reference/expected/family_bits_metrics.csv' CSV HEADER

-- every stored term of a deployed model against the recorded one: terms
-- compared, and whether all agree (NULL where the recorded one is NULL)
CREATE FUNCTION same_fit(model_name text, OUT terms bigint, OUT same boolean)
LANGUAGE sql AS $$
	SELECT count(*),
		   -- a term missing now counts as a difference
		   coalesce(bool_and(coalesce(c.position IS NOT NULL AND
			   (rel_err(c.estimate, b.estimate) <= 1e-10
				AND (b.std_error IS NULL OR rel_err(c.std_error, b.std_error) <= 1e-10)
				AND (b.statistic IS NULL OR rel_err(c.statistic, b.statistic) <= 1e-10)
				AND (b.p_value IS NULL OR rel_err(c.p_value, b.p_value) <= 1e-10)
				OR (c.estimate IS NULL AND b.estimate IS NULL)), false)), false)
	  FROM fam_bits_coef b
	  JOIN learn.models m ON m.name = b.model AND m.deployed
	  LEFT JOIN learn.coefficients c
		ON c.model_id = m.id AND c.group_key = b.group_key AND c.position = b.position
	 WHERE b.model = model_name
$$;

-- every numeric metric of a model (per group from learn.groups, against the
-- recorded metrics.groups) against the recorded one; the other keys equal
CREATE FUNCTION same_metrics(model_name text, OUT metrics bigint, OUT same boolean)
LANGUAGE sql AS $$
	WITH m AS (SELECT id, metrics FROM learn.models WHERE name = model_name AND deployed),
	pairs(now, was) AS (
		SELECT m.metrics -> e.key, e.value
		  FROM m, fam_bits_metrics b, jsonb_each(b.metrics) e
		 WHERE b.model = model_name AND e.key NOT IN ('groups')
		UNION ALL
		SELECT g.metrics -> e.key, e.value
		  FROM m, fam_bits_metrics b, jsonb_each(b.metrics -> 'groups') gk,
			   jsonb_each(gk.value) e, learn.groups g
		 WHERE b.model = model_name AND g.model_id = m.id AND g.group_key::text = gk.key)
	SELECT count(*),
		   coalesce(bool_and(coalesce(CASE WHEN jsonb_typeof(was) = 'number'
								  THEN rel_err((now #>> '{}')::float8, (was #>> '{}')::float8) <= 1e-10
								  ELSE now = was END, false)), false)
	  FROM pairs
$$;

SELECT id AS fam_mtcars FROM learn.train('fam_mtcars', 'linear', 'mtcars', 'mpg',
	'{cyl,disp,hp,drat,wt,qsec,vs,am,gear,carb}') \gset
SELECT * FROM same_fit('fam_mtcars');
SELECT * FROM same_metrics('fam_mtcars');
SELECT params FROM learn.models WHERE id = :fam_mtcars;

SELECT 1 FROM learn.train('fam_longley', 'linear', 'longley', 'y');
SELECT * FROM same_fit('fam_longley');
SELECT * FROM same_metrics('fam_longley');

SELECT 1 FROM learn.train('fam_stackloss', 'linear', 'stackloss', 'stack_loss');
SELECT * FROM same_fit('fam_stackloss');
SELECT * FROM same_metrics('fam_stackloss');

SELECT id AS fam_iris FROM learn.train('fam_iris', 'linear', 'iris', 'sepal_length',
	'{sepal_width,petal_length,petal_width}', group_by => '{species}') \gset
SELECT * FROM same_fit('fam_iris');
-- a grouped model's per-group metrics are rows of learn.groups now, with
-- the numbers the earlier metrics.groups held; learn.models keeps a summary
SELECT * FROM same_metrics('fam_iris');
SELECT metrics FROM learn.models WHERE id = :fam_iris;
SELECT group_key, n_rows, n_skipped, fitted, reason FROM learn.groups
 WHERE model_id = :fam_iris ORDER BY 1;

SELECT 1 FROM learn.train('fam_weighted', 'linear', 'mtcars', 'mpg', '{wt,hp,qsec}', weight => 'drat');
SELECT * FROM same_fit('fam_weighted');
SELECT * FROM same_metrics('fam_weighted');

SELECT id AS fam_noint FROM learn.train('fam_noint', 'linear', 'mtcars', 'mpg',
	'{wt,hp,qsec}', '{"intercept": false}') \gset
SELECT * FROM same_fit('fam_noint');
SELECT * FROM same_metrics('fam_noint');
SELECT params FROM learn.models WHERE id = :fam_noint;

SELECT 1 FROM learn.train('fam_rankdef', 'linear', 'mtcars_rankdef', 'mpg', '{wt,hp,combo,qsec}');
SELECT * FROM same_fit('fam_rankdef');

SELECT id AS fam_hc0 FROM learn.train('fam_hc0', 'linear', 'stackloss', 'stack_loss',
	params => '{"robust": "HC0"}') \gset
SELECT * FROM same_fit('fam_hc0');
SELECT params FROM learn.models WHERE id = :fam_hc0;

SELECT id AS fam_hc1 FROM learn.train('fam_hc1', 'linear', 'mtcars', 'mpg', '{wt,hp,qsec}',
	'{"robust": "hc1"}', weight => 'drat') \gset
SELECT * FROM same_fit('fam_hc1');
SELECT params FROM learn.models WHERE id = :fam_hc1;

SELECT 1 FROM learn.train('fam_iris_hc1', 'linear', 'iris', 'sepal_length',
	'{sepal_width,petal_length,petal_width}', '{"robust": "HC1"}', '{species}');
SELECT * FROM same_fit('fam_iris_hc1');

SELECT 1 FROM learn.train('fam_wide', 'linear', 'wide', 'y');
SELECT * FROM same_fit('fam_wide');

-- scoring through the family: each form equals the formula over the
-- stored coefficients
SELECT bool_and(rel_err(learn.predict('fam_mtcars', m),
						(SELECT sum(c.estimate * CASE c.term WHEN '(intercept)' THEN 1
												  ELSE (to_jsonb(m) ->> c.term)::float8 END)
						   FROM learn.coefficients c WHERE c.model_id = :fam_mtcars)) <= 1e-12)
	   AS row_form_ok
  FROM mtcars m;
SELECT bool_and(rel_err(learn.predict('fam_iris', i),
						(SELECT sum(c.estimate * CASE c.term WHEN '(intercept)' THEN 1
												  ELSE (to_jsonb(i) ->> c.term)::float8 END)
						   FROM learn.coefficients c
						  WHERE c.model_id = :fam_iris AND c.group_key = ARRAY[i.species])) <= 1e-12)
	   AS grouped_ok
  FROM iris i;
SELECT rel_err(learn.predict('fam_noint', ARRAY[2.62, 110, 16.46]),
			   (SELECT sum(c.estimate * x) FROM learn.coefficients c,
					   unnest(ARRAY[2.62, 110, 16.46]::float8[]) WITH ORDINALITY u(x, i)
				 WHERE c.model_id = :fam_noint AND c.position = u.i)) <= 1e-12 AS array_form_ok;

-- the generic params errors of a family: the key is named, valid keys listed
SELECT try_full($$SELECT learn.train('m', 'linear', 'mtcars', 'mpg', '{wt}', '{"intercpt": false}')$$);
SELECT try_full($$SELECT learn.train('m', 'linear', 'mtcars', 'mpg', '{wt}', '{"Intercept": false}')$$);
SELECT try_full($$SELECT learn.train('m', 'linear', 'mtcars', 'mpg', '{wt}', '{"intercept": 1}')$$);
SELECT try_full($$SELECT learn.train('m', 'linear', 'mtcars', 'mpg', '{wt}', '{"intercept": null}')$$);
SELECT try_full($$SELECT learn.train('m', 'linear', 'mtcars', 'mpg', '{wt}', '{"deploy": "no"}')$$);
SELECT try_full($$SELECT learn.train('m', 'linear', 'mtcars', 'mpg', '{wt}', '{"robust": true}')$$);
SELECT try_full($$SELECT learn.train('m', 'linear', 'mtcars', 'mpg', '{wt}', '{"robust": 1}')$$);
SELECT try_full($$SELECT learn.train('m', 'linear', 'mtcars', 'mpg', '{wt}', '{"robust": "HC2"}')$$);
SELECT try_full($$SELECT learn.train('m', 'linear', 'mtcars', 'mpg', '{wt}', '{"seed": 1.5}')$$);
SELECT try_full($$SELECT learn.train('m', 'linear', 'mtcars', 'mpg', '{wt}', '"intercept"')$$);
SELECT try_full($$SELECT learn.train('m', 'linearr', 'mtcars', 'mpg')$$);
SELECT try_full($$SELECT learn.train('m', 'kmeans', 'mtcars', 'mpg')$$);
SELECT try_full($$SELECT learn.train('m', 'linear', 'mtcars', NULL)$$);
SELECT count(*) AS stored FROM learn.models WHERE name = 'm';
-- the effective params: defaults filled in, spellings made canonical
SELECT params FROM learn.train('fam_params', 'linear', 'mtcars', 'mpg', '{wt}',
	'{"robust": "hc0", "deploy": false}');

-- a version whose algorithm this library has no family for cannot be scored
INSERT INTO learn.models (name, version, algorithm, task, source, features,
	n_rows, n_skipped, train_seconds) VALUES ('fam_retired', 1, 'retired', 'regression',
	'mtcars', '{wt}', 1, 0, 0);
INSERT INTO learn.coefficients (model_id, group_key, position, term, estimate)
  SELECT id, '{}', 0, '(intercept)', 1 FROM learn.models WHERE name = 'fam_retired';
SELECT try_full($$SELECT learn.predict('fam_retired@1', ARRAY[1.0])$$);
DELETE FROM learn.models WHERE name = 'fam_retired';

SELECT learn.drop_model(name) FROM (SELECT DISTINCT name FROM learn.models
  WHERE name LIKE 'fam\_%') n ORDER BY name;

-- A hash aggregate over pg_learn's aggregates keeps its groups in memory
-- while their states fit: the planner's estimate of a state (SSPACE) is
-- a small model's, not the 8 kB it assumes for an internal state without
-- one, which capped the groups held in memory at hash_mem / 8 kB and
-- spilled the input of every pass of a training of more groups.  3,000
-- groups of 5 rows: one batch each, at the default work_mem.
CREATE TABLE fam_groups AS
SELECT i % 3000 AS g, (i * 7 % 11)::float8 AS y, (i % 13)::float8 AS x1,
	   (i % 5)::float8 AS x2, i % 2 = 0 AS b
  FROM generate_series(1, 15000) AS i;
ANALYZE fam_groups;
CREATE FUNCTION hash_batches(query text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	plan json;
BEGIN
	SET LOCAL work_mem = '4MB';
	SET LOCAL hash_mem_multiplier = 2;
	SET LOCAL max_parallel_workers_per_gather = 0;
	SET LOCAL enable_sort = off;
	EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, FORMAT JSON) ' || query INTO plan;
	RETURN (plan -> 0 -> 'Plan' ->> 'Strategy') || ', ' ||
		   coalesce(plan -> 0 -> 'Plan' ->> 'Planned Partitions', '0') || ' partitions planned, ' ||
		   (plan -> 0 -> 'Plan' ->> 'HashAgg Batches') || ' batch(es)';
END
$$;
SELECT a, hash_batches(format('SELECT g, %s FROM fam_groups GROUP BY g', a))
  FROM unnest(ARRAY['learn.linear_partial(y, 1, x1, x2)',
					'learn.linear_partial(y, 1, ''{x1,x2}''::text[], x1, x2)',
					'learn.linreg(y, ARRAY[1, x1, x2])',
					'learn.linreg_partial(y, ARRAY[1, x1, x2])',
					'learn._glm_pass(NULL, 0, 291, ''b'', b::int, 1, 0, x1, x2)',
					'learn.r2(y, x1)', 'learn.f1(b, x1 > 5)',
					'learn.confusion_matrix(b::text, (x1 > 5)::text)']) AS a;
SELECT a, hash_batches(format('SELECT g, %s FROM (SELECT g, learn.linear_partial(y, 1, x1, x2) AS s FROM fam_groups GROUP BY g, x2) AS p GROUP BY g', a))
  FROM unnest(ARRAY['learn.linear_merge(s)']) AS a;
DROP TABLE fam_groups;
DROP FUNCTION hash_batches(text);
