--
-- Views for BI tools: learn.model_summary and learn.deployed_coefficients
-- (plain typed columns, readable by everyone), and a comment on every
-- object of pg_learn.
--
SET extra_float_digits = 0;
SELECT 1 FROM learn.train('bi_mpg', 'linear', 'mtcars', 'mpg', '{wt,hp}');
SELECT 1 FROM learn.train('bi_mpg', 'linear', 'mtcars', 'mpg', '{wt}', '{"deploy": false}');
SELECT 1 FROM learn.train('bi_am', 'logistic', 'mtcars', 'am', '{wt,hp}');
SELECT 1 FROM learn.train('bi_carb', 'glm', 'mtcars', 'carb', '{wt}', '{"family": "poisson"}');
SELECT 1 FROM learn.train('bi_by_am', 'linear', 'mtcars', 'mpg', '{wt}', group_by => '{am}');

-- one row per version, the metrics as numbers
SELECT name, version, algorithm, task, deployed, n_rows, trained_at IS NOT NULL AS trained_at,
	   round(r2::numeric, 6) AS r2, round(adj_r2::numeric, 6) AS adj_r2,
	   round(rmse::numeric, 6) AS rmse, mae, round(aic::numeric, 6) AS aic,
	   round(bic::numeric, 6) AS bic, round(deviance::numeric, 6) AS deviance,
	   round(accuracy::numeric, 6) AS accuracy, round(auc::numeric, 6) AS auc,
	   round(log_loss::numeric, 6) AS log_loss
  FROM learn.model_summary WHERE name LIKE 'bi\_%' ORDER BY name, version;
-- the held-out columns stay NULL until a model holds rows out
SELECT count(*) AS versions,
	   count(test_r2) + count(test_adj_r2) + count(test_rmse) + count(test_mae)
	   + count(test_aic) + count(test_bic) + count(test_deviance) + count(test_accuracy)
	   + count(test_auc) + count(test_log_loss) AS test_values
  FROM learn.model_summary WHERE name LIKE 'bi\_%';

-- every version trained so far, by every test: each column is exactly the
-- catalog's value, the metric columns the numbers in metrics (and in
-- metrics.test), NULL where a key is absent or null
SELECT count(*) = (SELECT count(*) FROM learn.models) AS every_version,
	   bool_and(s.name = m.name AND s.algorithm = m.algorithm AND s.task = m.task
				AND s.deployed = m.deployed AND s.n_rows = m.n_rows
				AND s.trained_at = m.trained_at) AS catalog_columns,
	   bool_and(s.r2 IS NOT DISTINCT FROM (m.metrics->>'r2')::float8
				AND s.adj_r2 IS NOT DISTINCT FROM (m.metrics->>'adj_r2')::float8
				AND s.rmse IS NOT DISTINCT FROM (m.metrics->>'rmse')::float8
				AND s.mae IS NOT DISTINCT FROM (m.metrics->>'mae')::float8
				AND s.aic IS NOT DISTINCT FROM (m.metrics->>'aic')::float8
				AND s.bic IS NOT DISTINCT FROM (m.metrics->>'bic')::float8
				AND s.deviance IS NOT DISTINCT FROM (m.metrics->>'deviance')::float8
				AND s.accuracy IS NOT DISTINCT FROM (m.metrics->>'accuracy')::float8
				AND s.auc IS NOT DISTINCT FROM (m.metrics->>'auc')::float8
				AND s.log_loss IS NOT DISTINCT FROM (m.metrics->>'log_loss')::float8) AS metrics,
	   bool_and(s.test_r2 IS NOT DISTINCT FROM (m.metrics->'test'->>'r2')::float8
				AND s.test_adj_r2 IS NOT DISTINCT FROM (m.metrics->'test'->>'adj_r2')::float8
				AND s.test_rmse IS NOT DISTINCT FROM (m.metrics->'test'->>'rmse')::float8
				AND s.test_mae IS NOT DISTINCT FROM (m.metrics->'test'->>'mae')::float8
				AND s.test_aic IS NOT DISTINCT FROM (m.metrics->'test'->>'aic')::float8
				AND s.test_bic IS NOT DISTINCT FROM (m.metrics->'test'->>'bic')::float8
				AND s.test_deviance IS NOT DISTINCT FROM (m.metrics->'test'->>'deviance')::float8
				AND s.test_accuracy IS NOT DISTINCT FROM (m.metrics->'test'->>'accuracy')::float8
				AND s.test_auc IS NOT DISTINCT FROM (m.metrics->'test'->>'auc')::float8
				AND s.test_log_loss IS NOT DISTINCT FROM (m.metrics->'test'->>'log_loss')::float8) AS test_metrics,
	   count(*) FILTER (WHERE s.r2 IS NOT NULL) > 0 AS some_r2,
	   count(*) FILTER (WHERE s.auc IS NOT NULL) > 0 AS some_auc
  FROM learn.model_summary s JOIN learn.models m USING (name, version);

-- a metric that is absent, null, not a number or not in an object is NULL
SELECT learn._metric('{"r2": 0.5}', 'r2') AS number,
	   learn._metric('{"r2": 1e-300}', 'r2') AS tiny,
	   learn._metric('{}', 'r2') AS absent,
	   learn._metric('{"r2": null}', 'r2') AS json_null,
	   learn._metric('{"r2": "0.5"}', 'r2') AS string,
	   learn._metric('{"r2": {"a": 1}}', 'r2') AS object,
	   learn._metric('[0.5]', 'r2') AS array_metrics,
	   learn._metric(NULL, 'r2') AS sql_null,
	   learn._metric('{"test": {"r2": 0.25}}'::jsonb -> 'test', 'r2') AS nested;

-- the terms of each deployed version, as in learn.coefficients
SELECT name, group_key, class, term, round(estimate::numeric, 6) AS estimate,
	   round(std_error::numeric, 6) AS std_error, round(statistic::numeric, 4) AS statistic,
	   round(p_value::numeric, 6) AS p_value
  FROM learn.deployed_coefficients WHERE name LIKE 'bi\_%'
 ORDER BY name, group_key, class, term;
-- every term of every deployed version, nothing else
SELECT count(*) > 0 AS some_terms,
	   count(*) = (SELECT count(*) FROM learn.coefficients c JOIN learn.models m ON m.id = c.model_id
					WHERE m.deployed) AS every_deployed_term,
	   bool_and(EXISTS (SELECT FROM learn.coefficients c JOIN learn.models m ON m.id = c.model_id
						 WHERE m.deployed AND m.name = d.name AND c.group_key = d.group_key
						   AND c.class = d.class AND c.term = d.term
						   AND c.estimate IS NOT DISTINCT FROM d.estimate
						   AND c.std_error IS NOT DISTINCT FROM d.std_error
						   AND c.statistic IS NOT DISTINCT FROM d.statistic
						   AND c.p_value IS NOT DISTINCT FROM d.p_value)) AS same_values
  FROM learn.deployed_coefficients d;
-- a redeploy shows in the view at once
SELECT version FROM learn.deploy('bi_mpg', 2);
SELECT term FROM learn.deployed_coefficients WHERE name = 'bi_mpg' ORDER BY term;
SELECT version FROM learn.deploy('bi_mpg', 1);

-- plain typed columns, no jsonb
SELECT c.relname, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod) AS type
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
 WHERE c.oid IN ('learn.model_summary'::regclass, 'learn.deployed_coefficients'::regclass)
   AND a.attnum > 0
 ORDER BY c.relname, a.attnum;
SELECT table_name, data_type, count(*) AS columns
  FROM information_schema.columns
 WHERE table_schema = 'learn' AND table_name IN ('model_summary', 'deployed_coefficients')
 GROUP BY 1, 2 ORDER BY 1, 2;

-- readable by everyone, with the reader's own rights on the catalog
SELECT c.relname, c.reloptions,
	   has_table_privilege('public', c.oid, 'SELECT') AS public_select,
	   has_table_privilege('public', c.oid, 'INSERT') AS public_insert
  FROM pg_class c
 WHERE c.oid IN ('learn.model_summary'::regclass, 'learn.deployed_coefficients'::regclass)
 ORDER BY 1;
CREATE ROLE regress_bi_reader;
SET ROLE regress_bi_reader;
SELECT count(*) > 0 AS summary, (SELECT count(*) > 0 FROM learn.deployed_coefficients) AS terms
  FROM learn.model_summary;
RESET ROLE;
DROP ROLE regress_bi_reader;

-- the views' functions and operators were bound when pg_learn was
-- installed: objects on the reader's search_path never run
CREATE SCHEMA bi_hostile;
CREATE FUNCTION bi_hostile.jsonb_typeof(jsonb) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	RAISE NOTICE 'hostile jsonb_typeof ran';
	RETURN 'number';
END
$$;
CREATE FUNCTION bi_hostile.eq_text(text, text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
	RAISE NOTICE 'hostile =(text, text) ran';
	RETURN true;
END
$$;
CREATE OPERATOR bi_hostile.= (LEFTARG = text, RIGHTARG = text, FUNCTION = bi_hostile.eq_text);
CREATE FUNCTION bi_hostile.eq_bigint(bigint, bigint) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
	RAISE NOTICE 'hostile =(bigint, bigint) ran';
	RETURN true;
END
$$;
CREATE OPERATOR bi_hostile.= (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = bi_hostile.eq_bigint);
SET search_path = bi_hostile, pg_catalog, public;
SELECT jsonb_typeof('1') AS probe;
SELECT count(r2) > 0 AS summary FROM learn.model_summary;
SELECT count(*) > 0 AS terms FROM learn.deployed_coefficients;
RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA bi_hostile CASCADE;
RESET client_min_messages;

-- Every object of pg_learn has a comment: the schema, each member of the
-- extension, and each column of its tables, views and composite types.
SELECT pg_describe_object(d.classid, d.objid, 0) AS uncommented
  FROM pg_depend d
 WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
   AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'pg_learn')
   AND obj_description(d.objid, d.classid::regclass::name) IS NULL
   -- PostgreSQL 17 on records the implicit types too: the array types and
   -- the row types of tables and views, which take no comment of their own
   AND NOT (d.classid = 'pg_type'::regclass AND EXISTS (
		SELECT 1 FROM pg_type t LEFT JOIN pg_class c ON c.oid = t.typrelid
		 WHERE t.oid = d.objid AND (t.typcategory = 'A' OR c.relkind IN ('r', 'p', 'v', 'm', 'f'))))
UNION ALL
SELECT pg_describe_object('pg_class'::regclass, a.attrelid, a.attnum)
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
 WHERE c.relnamespace = 'learn'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'c', 'f')
   AND a.attnum > 0 AND NOT a.attisdropped AND col_description(a.attrelid, a.attnum) IS NULL
UNION ALL
SELECT 'schema learn' WHERE obj_description('learn'::regnamespace, 'pg_namespace') IS NULL
 ORDER BY 1;
SELECT obj_description('learn'::regnamespace, 'pg_namespace') AS schema_comment;
