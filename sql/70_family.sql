--
-- Linear regression behind the family interface: the exact text of every
-- stored number of the reference fits (shortest round-trip form, so equal
-- text means equal bits), as the code before the interface produced them,
-- and the generic params errors of a family.
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

CREATE FUNCTION exact_fit(model text) RETURNS TABLE (
	group_key text[], "position" int, term text, estimate text, std_error text,
	statistic text, p_value text)
LANGUAGE sql AS $$
	SELECT c.group_key, c.position, c.term, c.estimate::text, c.std_error::text,
		   c.statistic::text, c.p_value::text
	  FROM learn.coefficients c JOIN learn.models m ON m.id = c.model_id
	 WHERE m.name = model AND m.deployed
	 ORDER BY c.group_key, c.position
$$;

SELECT id AS fam_mtcars FROM learn.train('fam_mtcars', 'linear', 'mtcars', 'mpg',
	'{cyl,disp,hp,drat,wt,qsec,vs,am,gear,carb}') \gset
SELECT * FROM exact_fit('fam_mtcars');
SELECT params, metrics FROM learn.models WHERE id = :fam_mtcars;

SELECT id AS fam_longley FROM learn.train('fam_longley', 'linear', 'longley', 'y') \gset
SELECT * FROM exact_fit('fam_longley');
SELECT metrics FROM learn.models WHERE id = :fam_longley;

SELECT id AS fam_stackloss FROM learn.train('fam_stackloss', 'linear', 'stackloss', 'stack_loss') \gset
SELECT * FROM exact_fit('fam_stackloss');
SELECT metrics FROM learn.models WHERE id = :fam_stackloss;

SELECT id AS fam_iris FROM learn.train('fam_iris', 'linear', 'iris', 'sepal_length',
	'{sepal_width,petal_length,petal_width}', group_by => '{species}') \gset
SELECT * FROM exact_fit('fam_iris');
SELECT metrics FROM learn.models WHERE id = :fam_iris;

SELECT id AS fam_weighted FROM learn.train('fam_weighted', 'linear', 'mtcars', 'mpg',
	'{wt,hp,qsec}', weight => 'drat') \gset
SELECT * FROM exact_fit('fam_weighted');
SELECT metrics FROM learn.models WHERE id = :fam_weighted;

SELECT id AS fam_noint FROM learn.train('fam_noint', 'linear', 'mtcars', 'mpg',
	'{wt,hp,qsec}', '{"intercept": false}') \gset
SELECT * FROM exact_fit('fam_noint');
SELECT params, metrics FROM learn.models WHERE id = :fam_noint;

SELECT id AS fam_rankdef FROM learn.train('fam_rankdef', 'linear', 'mtcars_rankdef', 'mpg',
	'{wt,hp,combo,qsec}') \gset
SELECT * FROM exact_fit('fam_rankdef');

SELECT id AS fam_hc0 FROM learn.train('fam_hc0', 'linear', 'stackloss', 'stack_loss',
	params => '{"robust": "HC0"}') \gset
SELECT * FROM exact_fit('fam_hc0');
SELECT params FROM learn.models WHERE id = :fam_hc0;

SELECT id AS fam_hc1 FROM learn.train('fam_hc1', 'linear', 'mtcars', 'mpg', '{wt,hp,qsec}',
	'{"robust": "hc1"}', weight => 'drat') \gset
SELECT * FROM exact_fit('fam_hc1');
SELECT params FROM learn.models WHERE id = :fam_hc1;

SELECT id AS fam_iris_hc1 FROM learn.train('fam_iris_hc1', 'linear', 'iris', 'sepal_length',
	'{sepal_width,petal_length,petal_width}', '{"robust": "HC1"}', '{species}') \gset
SELECT * FROM exact_fit('fam_iris_hc1');

SELECT learn.train('fam_wide', 'linear', 'wide', 'y') IS NOT NULL AS trained;
SELECT position, estimate, std_error FROM exact_fit('fam_wide') WHERE position % 10 = 0;

-- scoring through the family: the same bits as before
SELECT model, learn.predict('fam_mtcars', m)::text AS yhat
  FROM mtcars m ORDER BY model LIMIT 5;
SELECT species, learn.predict('fam_iris', i)::text AS yhat
  FROM iris i ORDER BY sepal_length, sepal_width, petal_length, petal_width, species LIMIT 6;
SELECT learn.predict('fam_noint', ARRAY[2.62, 110, 16.46])::text AS yhat;

-- the generic params errors of a family: the key is named, valid keys listed
SELECT try_full($$SELECT learn.train('m', 'linear', 'mtcars', 'mpg', '{wt}', '{"intercpt": false}')$$);
SELECT try_full($$SELECT learn.train('m', 'linear', 'mtcars', 'mpg', '{wt}', '{"Intercept": false}')$$);
SELECT try_full($$SELECT learn.train('m', 'linear', 'mtcars', 'mpg', '{wt}', '{"intercept": 1}')$$);
SELECT try_full($$SELECT learn.train('m', 'linear', 'mtcars', 'mpg', '{wt}', '{"intercept": null}')$$);
SELECT try_full($$SELECT learn.train('m', 'linear', 'mtcars', 'mpg', '{wt}', '{"deploy": "no"}')$$);
SELECT try_full($$SELECT learn.train('m', 'linear', 'mtcars', 'mpg', '{wt}', '{"robust": true}')$$);
SELECT try_full($$SELECT learn.train('m', 'linear', 'mtcars', 'mpg', '{wt}', '{"robust": 1}')$$);
SELECT try_full($$SELECT learn.train('m', 'linear', 'mtcars', 'mpg', '{wt}', '{"robust": "HC2"}')$$);
SELECT try_full($$SELECT learn.train('m', 'linear', 'mtcars', 'mpg', '{wt}', '{"seed": 1}')$$);
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
