--
-- learn.update: new rows merged into a model's stored states give a new
-- version equal to training on all the rows at once (1e-9 relative on
-- estimates, standard errors, statistics, p-values and every metric),
-- without reading the old rows; what cannot be merged is refused.
--
SET extra_float_digits = 0;

-- rows 1..3000; a group 'late' only in rows > 2400, a group 'early' only
-- in rows <= 600; a text column of three levels; weights
CREATE TABLE up_rows AS
SELECT i,
	   CASE WHEN i > 2400 AND i % 7 = 0 THEN 'late'
			WHEN i <= 600 AND i % 5 = 0 THEN 'early'
			ELSE 'g' || (i % 3) END AS g,
	   'c' || ((i / 4) % 3) AS c,
	   sin(i * 0.37) * 2 + 3 AS x1,
	   cos(i * 0.11) + (i % 10) * 0.1 AS x2,
	   1 + (i % 4) * 0.5 AS w
  FROM generate_series(1, 3000) AS i;
ALTER TABLE up_rows ADD COLUMN y float8;
UPDATE up_rows SET y = 1 + 2 * x1 - 0.5 * x2 + CASE c WHEN 'c1' THEN 0.7 WHEN 'c2' THEN -0.3 ELSE 0 END
	+ sin(i * 1.7) * 0.4;
-- a NULL and a weight 0 among the old and the new rows
UPDATE up_rows SET x2 = NULL WHERE i IN (17, 2917);
UPDATE up_rows SET w = 0 WHERE i IN (18, 2918);

-- Every term and metric of model a (a reference 'name@N') against model
-- b's: the largest relative difference, and how many were compared.
CREATE FUNCTION up_diff(a text, b text) RETURNS text
LANGUAGE sql AS $$
WITH ia AS (SELECT id, metrics, n_rows, n_skipped FROM learn.models
			 WHERE name = split_part(a, '@', 1) AND version = split_part(a, '@', 2)::int),
	 ib AS (SELECT id, metrics, n_rows, n_skipped FROM learn.models
			 WHERE name = split_part(b, '@', 1) AND version = split_part(b, '@', 2)::int),
	 terms AS (
		SELECT x.group_key, x.term, v.a, v.b
		  FROM learn.coefficients x
		  FULL JOIN learn.coefficients y
			ON y.model_id = (SELECT id FROM ib) AND y.group_key = x.group_key AND y.term = x.term
		 CROSS JOIN LATERAL (VALUES (x.estimate, y.estimate), (x.std_error, y.std_error),
									(x.statistic, y.statistic), (x.p_value, y.p_value)) AS v(a, b)
		 WHERE x.model_id = (SELECT id FROM ia)),
	 metrics AS (
		SELECT k.key, (k.value)::text::float8 AS a, (m.value)::text::float8 AS b
		  FROM (SELECT metrics FROM ia) ma, jsonb_each(ma.metrics) k
		  FULL JOIN (SELECT e.* FROM ib, jsonb_each(ib.metrics) e) m ON m.key = k.key
		 WHERE jsonb_typeof(k.value) = 'number'
		UNION ALL
		SELECT g.key, (g.value)::text::float8, (h.value)::text::float8
		  FROM learn.groups x JOIN learn.groups y
			ON y.model_id = (SELECT id FROM ib) AND y.group_key = x.group_key,
			   jsonb_each(x.metrics) g, jsonb_each(y.metrics) h
		 WHERE x.model_id = (SELECT id FROM ia) AND g.key = h.key AND jsonb_typeof(g.value) = 'number'),
	 d AS (SELECT a, b FROM terms UNION ALL SELECT a, b FROM metrics)
SELECT format('%s values, %s', count(*),
			  CASE WHEN bool_and(a IS NOT DISTINCT FROM b
								 OR abs(a - b) <= 1e-9 * greatest(abs(a), abs(b), 1e-300)
								 OR (abs(a) < 1e-12 AND abs(b) < 1e-12))
					AND (SELECT n_rows FROM ia) = (SELECT n_rows FROM ib)
					AND (SELECT n_skipped FROM ia) = (SELECT n_skipped FROM ib)
			  THEN 'equal to 1e-9' ELSE 'DIFFERENT' END)
  FROM d
$$;

-- ---------------------------------------------------------------------
-- ungrouped, weighted, with a categorical feature and an expression
-- ---------------------------------------------------------------------
SELECT name, version, n_rows, n_skipped
  FROM learn.train('up_m', 'linear', 'SELECT * FROM up_rows WHERE i <= 2000', 'y',
				   ARRAY['x1', 'x2', 'c', 'ln(x1) AS log_x1'], weight => 'w');
-- one state, stamped with the model's terms
SELECT s.group_key, length(s.state) > 0 AS has_state
  FROM learn._states((SELECT id FROM learn.models WHERE name = 'up_m' AND version = 1)) s;
SELECT name, version, source, n_rows, n_skipped, deployed, params -> 'updated_from' ->> 'name' AS parent_name,
	   params -> 'updated_from' ->> 'version' AS parent_version,
	   (params -> 'updated_from' ->> 'id')::bigint = (SELECT id FROM learn.models WHERE name = 'up_m' AND version = 1) AS parent_id,
	   features, feature_exprs IS NOT NULL AS has_exprs, weight
  FROM learn.update('up_m', 'SELECT * FROM up_rows WHERE i > 2000');
SELECT name, version, n_rows FROM learn.train('up_all', 'linear', 'up_rows', 'y',
	ARRAY['x1', 'x2', 'c', 'ln(x1) AS log_x1'], weight => 'w');
SELECT up_diff('up_m@2', 'up_all@1');
-- and it scores as the model trained on all the rows
SELECT count(*) AS rows, bool_and(abs(learn.predict('up_m', r) - learn.predict('up_all', r))
								  <= 1e-9 * abs(learn.predict('up_all', r))) AS same_scores
  FROM up_rows r WHERE x2 IS NOT NULL;
-- the first version is unchanged, and still scores as it did
SELECT version, deployed, n_rows FROM learn.models WHERE name = 'up_m' ORDER BY version;

-- updates chain: 0..1000, then 1001..2000, then the rest; from a version
-- by number; a source with no rows gives the parent's fit again
SELECT version, n_rows FROM learn.train('up_c', 'linear', 'SELECT * FROM up_rows WHERE i <= 1000', 'y',
	ARRAY['x1', 'x2', 'c'], weight => 'w');
SELECT version, n_rows FROM learn.update('up_c@1', 'SELECT * FROM up_rows WHERE i BETWEEN 1001 AND 2000');
SELECT version, n_rows FROM learn.update('up_c@2', 'SELECT * FROM up_rows WHERE i > 2000');
SELECT version, n_rows FROM learn.update('up_c', 'SELECT * FROM up_rows WHERE false');
SELECT version, n_rows FROM learn.train('up_c_all', 'linear', 'up_rows', 'y', ARRAY['x1', 'x2', 'c'], weight => 'w');
SELECT up_diff('up_c@3', 'up_c_all@1'), up_diff('up_c@4', 'up_c_all@1');
SELECT version, params -> 'updated_from' ->> 'version' AS parent FROM learn.models WHERE name = 'up_c' ORDER BY version;

-- ---------------------------------------------------------------------
-- grouped: new rows bring a new group ('late'), and a group of the old
-- rows ('early') has none of them
-- ---------------------------------------------------------------------
SELECT version, n_rows, metrics ->> 'n_groups' AS n_groups
  FROM learn.train('up_g', 'linear', 'SELECT * FROM up_rows WHERE i <= 2400', 'y',
				   ARRAY['x1', 'x2', 'c'], group_by => ARRAY['g'], weight => 'w');
SELECT version, n_rows, metrics ->> 'n_groups' AS n_groups
  FROM learn.update('up_g', 'SELECT * FROM up_rows WHERE i > 2400');
SELECT version, n_rows, metrics ->> 'n_groups' AS n_groups
  FROM learn.train('up_g_all', 'linear', 'up_rows', 'y', ARRAY['x1', 'x2', 'c'],
				   group_by => ARRAY['g'], weight => 'w');
SELECT up_diff('up_g@2', 'up_g_all@1');
SELECT group_key, n_rows, fitted FROM learn.groups
 WHERE model_id = (SELECT id FROM learn.models WHERE name = 'up_g' AND version = 2) ORDER BY group_key;
SELECT count(*) AS states FROM learn._states((SELECT id FROM learn.models WHERE name = 'up_g' AND version = 2));

-- a group too small to fit keeps its state, and is fitted once new rows come
SELECT version, metrics ->> 'n_fitted' AS fitted, metrics ->> 'n_failed' AS failed
  FROM learn.train('up_small', 'linear',
				   'SELECT * FROM up_rows WHERE i <= 2400 OR (g = ''late'' AND i <= 2415)', 'y',
				   ARRAY['x1', 'x2', 'c'], group_by => ARRAY['g']);
SELECT version, metrics ->> 'n_fitted' AS fitted, metrics ->> 'n_failed' AS failed
  FROM learn.update('up_small', 'SELECT * FROM up_rows WHERE i > 2400 AND NOT (g = ''late'' AND i <= 2415)');
SELECT version FROM learn.train('up_small_all', 'linear', 'up_rows', 'y', ARRAY['x1', 'x2', 'c'],
								group_by => ARRAY['g']);
SELECT up_diff('up_small@2', 'up_small_all@1');

-- ---------------------------------------------------------------------
-- what is refused
-- ---------------------------------------------------------------------
\set VERBOSITY default
-- a new level is a term of its own (22P03)
\set ON_ERROR_STOP 0
SELECT learn.update('up_m', $$SELECT i, g, CASE WHEN i = 2999 THEN 'c9' ELSE c END AS c, x1, x2, w, y FROM up_rows$$);
-- a categorical feature given as a number, and the reverse (22P03)
SELECT learn.update('up_m', 'SELECT i, g, i AS c, x1, x2, w, y FROM up_rows');
SELECT learn.update('up_m', 'SELECT i, g, c, x1, x2::text AS x2, w, y FROM up_rows');
-- a missing feature, target or weight column (42703)
SELECT learn.update('up_m', 'SELECT i, g, c, x1, w, y FROM up_rows');
SELECT learn.update('up_m', 'SELECT i, g, c, x1, x2, w FROM up_rows');
SELECT learn.update('up_m', 'SELECT i, g, c, x1, x2, y FROM up_rows');
SELECT learn.update('up_g', 'SELECT i, c, x1, x2, w, y FROM up_rows');
-- a source column named as the model's expression (42701)
SELECT learn.update('up_m', 'SELECT *, 1.0 AS log_x1 FROM up_rows');
-- robust standard errors, and families fitted by passes (0A000)
SELECT version FROM learn.train('up_rob', 'linear', 'up_rows', 'y', ARRAY['x1'], '{"robust": "HC1"}');
SELECT learn.update('up_rob', 'up_rows');
SELECT version FROM learn.train('up_logit', 'logistic', 'SELECT *, (y > 6)::int AS b FROM up_rows', 'b', ARRAY['x1']);
SELECT learn.update('up_logit', 'SELECT *, (y > 6)::int AS b FROM up_rows');
-- held-out rows and imputed means (0A000)
SELECT version FROM learn.train('up_split', 'linear', 'up_rows', 'y', ARRAY['x1'], '{"test_fraction": 0.25, "seed": 3}');
SELECT learn.update('up_split', 'up_rows');
SELECT version FROM learn.train('up_imp', 'linear', 'up_rows', 'y', ARRAY['x1', 'x2'], '{"impute": "mean"}');
SELECT learn.update('up_imp', 'up_rows');
-- unknown models and versions, NULL arguments, a bad source
SELECT learn.update('up_nope', 'up_rows');
SELECT learn.update('up_m@9', 'up_rows');
SELECT learn.update('up_m@0', 'up_rows');
SELECT learn.update(NULL, 'up_rows');
SELECT learn.update('up_m', NULL);
SELECT learn.update('up_m', 'up_rows WHERE i > 3');
SELECT learn.update('up_m', 'SELECT * FROM up_no_such_table');
-- a model whose states were lost (as one of pg_learn 0.5 has none): 55000
DELETE FROM learn.states WHERE model_id = (SELECT id FROM learn.models WHERE name = 'up_c' AND version = 1);
SELECT learn.update('up_c@1', 'up_rows');
\set ON_ERROR_STOP 1
-- nothing was stored by the refused updates
SELECT name, max(version) FROM learn.models WHERE name LIKE 'up\_%' GROUP BY name ORDER BY name;

-- ---------------------------------------------------------------------
-- export and import carry the states: an imported model can be updated,
-- and gives what updating the original gives
-- ---------------------------------------------------------------------
SELECT jsonb_array_length(learn.export_model('up_g@2') -> 'states') AS states,
	   learn.export_model('up_g@2') #>> '{states,0,group_key,0}' AS first_key,
	   learn.export_model('up_g@2') #> '{lineage,updated_from}' ->> 'version' AS lineage_parent,
	   learn.export_model('up_g@2') -> 'params' ? 'updated_from' AS in_params;
SELECT version, n_rows FROM learn.import_model(learn.export_model('up_g@1'), 'up_g_copy');
SELECT version, n_rows FROM learn.update('up_g_copy', 'SELECT * FROM up_rows WHERE i > 2400');
SELECT up_diff('up_g_copy@2', 'up_g_all@1');
-- an ungrouped model's one state
SELECT version, n_rows FROM learn.import_model(learn.export_model('up_m@1'), 'up_m_copy');
SELECT version, n_rows FROM learn.update('up_m_copy', 'SELECT * FROM up_rows WHERE i > 2000');
SELECT up_diff('up_m_copy@2', 'up_all@1');
-- a model without states exports none
SELECT learn.export_model('up_rob') ? 'states' AS rob_states;
-- bad states (22023, naming the member)
\set ON_ERROR_STOP 0
SELECT learn.import_model(jsonb_set(learn.export_model('up_g@1'), '{states,0,state}', '"AAAA"'), 'up_bad');
SELECT learn.import_model(jsonb_set(learn.export_model('up_g@1'), '{states,0,state}', '"not base64!"'), 'up_bad');
SELECT learn.import_model(jsonb_set(learn.export_model('up_g@1'), '{states,0,state}', '17'), 'up_bad');
SELECT learn.import_model(jsonb_set(learn.export_model('up_g@1'), '{states,1,group_key}', '["nope"]'), 'up_bad');
SELECT learn.import_model(jsonb_set(learn.export_model('up_g@1'), '{states,1,group_key}',
									learn.export_model('up_g@1') #> '{states,0,group_key}'), 'up_bad');
SELECT learn.import_model(jsonb_set(learn.export_model('up_g@1'), '{states}',
									(learn.export_model('up_g@1') -> 'states') - 0), 'up_bad');
SELECT learn.import_model(jsonb_set(learn.export_model('up_g@1'), '{states,0}',
									(learn.export_model('up_g@1') #> '{states,0}') || '{"extra": 1}'), 'up_bad');
SELECT learn.import_model(jsonb_set(learn.export_model('up_g@1'), '{states,0}', '"x"'), 'up_bad');
SELECT learn.import_model(jsonb_set(learn.export_model('up_g@1'), '{states}', '{}'), 'up_bad');
-- a state of other terms, and one whose factor was tampered with
SELECT learn.import_model(jsonb_set(learn.export_model('up_m@1'), '{states,0,state}',
									learn.export_model('up_c@3') #> '{states,0,state}'), 'up_bad');
SELECT learn.import_model(jsonb_set(learn.export_model('up_m@1'), '{states,0,state}',
		to_jsonb(translate(encode(overlay(decode(learn.export_model('up_m@1') #>> '{states,0,state}', 'base64')
											 placing '\x7ff0000000000000'::bytea from 63 for 8), 'base64'), E'\n', ''))),
		'up_bad');
-- states where the model keeps none
SELECT learn.import_model(learn.export_model('up_rob') || jsonb_build_object('states', learn.export_model('up_c@3') -> 'states'), 'up_bad');
SELECT learn.import_model(learn.export_model('up_logit') || '{"states": []}', 'up_bad');
SELECT learn.import_model(learn.export_model('up_imp') || jsonb_build_object('states', learn.export_model('up_c@3') -> 'states'), 'up_bad');
-- two groups of the same rows' count swapped: the counts agree, but each
-- state fits to the other group's coefficients
SELECT 1 FROM learn.train('up_twins', 'linear',
	$$SELECT i % 2 AS g, x1, x2, y + (i % 2) * x1 AS y FROM up_rows WHERE i <= 402 AND i NOT IN (17, 402)$$,
	'y', '{x1,x2}', group_by => '{g}');
SELECT count(DISTINCT n_rows) AS one_size FROM learn.groups
 WHERE model_id = (SELECT id FROM learn.models WHERE name = 'up_twins');
SELECT learn.import_model(jsonb_set(jsonb_set(learn.export_model('up_twins'), '{states,0,state}',
											  learn.export_model('up_twins') #> '{states,1,state}'),
									'{states,1,state}', learn.export_model('up_twins') #> '{states,0,state}'),
						  'up_bad');
-- the group's terms are the state's, no more and named alike: an
-- intercept added to a model without one, a term renamed (22023)
SELECT 1 FROM learn.train('up_noi', 'linear', 'SELECT x1, x2, y FROM up_rows WHERE i <= 400',
	'y', '{x1,x2}', '{"intercept": false}');
SELECT learn.import_model(jsonb_insert(learn.export_model('up_noi'), '{groups,0,terms,0}',
	'{"term": "(intercept)", "class": "", "position": 0, "estimate": 100,
	  "std_error": 1, "statistic": 100, "p_value": 0}'), 'up_bad');
SELECT learn.import_model(jsonb_set(learn.export_model('up_noi'), '{groups,0,terms,1,term}', '"x9"'),
	'up_bad');
\set ON_ERROR_STOP 1
-- unswapped, the same document imports
SELECT n_rows FROM learn.import_model(learn.export_model('up_twins'), 'up_twins_copy');
SELECT count(*) AS bad_imports FROM learn.models WHERE name = 'up_bad';

-- ---------------------------------------------------------------------
-- states are not PUBLIC: another role reads neither the table nor a
-- model's states, and cannot update a model of a name it does not own
-- ---------------------------------------------------------------------
CREATE ROLE regress_up_other;
GRANT SELECT ON up_rows TO regress_up_other;
SET ROLE regress_up_other;
\set ON_ERROR_STOP 0
\set VERBOSITY terse
SELECT count(*) FROM learn.states;
SELECT count(*) FROM learn._states((SELECT id FROM learn.models WHERE name = 'up_m' AND version = 1));
SELECT learn.update('up_m', 'up_rows');
\set ON_ERROR_STOP 1
-- its export of the model holds no states, and a NOTICE says so; the
-- model imported from it scores, but cannot be updated (55000)
SELECT learn.export_model('up_m') ? 'states' AS other_sees_states;
SELECT version FROM learn.import_model(learn.export_model('up_m'), 'up_other_copy');
SELECT learn.predict('up_other_copy', r) = learn.predict('up_m', r) AS same_score
  FROM up_rows r WHERE i = 5;
\set ON_ERROR_STOP 0
SELECT learn.update('up_other_copy', 'up_rows');
\set ON_ERROR_STOP 1
\set VERBOSITY default
-- its own models it updates
SELECT version, n_rows FROM learn.train('up_other', 'linear', 'SELECT * FROM up_rows WHERE i <= 100', 'y', ARRAY['x1']);
SELECT version, n_rows FROM learn.update('up_other', 'SELECT * FROM up_rows WHERE i > 100');
RESET ROLE;
SELECT learn.drop_model('up_other'), learn.drop_model('up_other_copy');
DROP OWNED BY regress_up_other;
DROP ROLE regress_up_other;

-- ---------------------------------------------------------------------
-- hostile sources and documents
-- ---------------------------------------------------------------------
\set VERBOSITY default
\set ON_ERROR_STOP 0
-- the check of levels is not fooled by the source's own text: a new level
-- is 22P03 whatever the source says
SELECT learn.update('up_m', $$SELECT i, g, CASE WHEN i = 2999 THEN 'c9' ELSE c END AS c, x1, x2, w, y
							   FROM up_rows WHERE 'ALL (, ' <> 'ALL ('$$);
-- nor by a case-blind collation of the source's column: "C1" is not "c1"
CREATE COLLATION up_ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
SELECT learn.update('up_m', $$SELECT i, g, (CASE WHEN i = 2999 THEN 'C1' ELSE c END) COLLATE up_ci AS c,
							   x1, x2, w, y FROM up_rows WHERE i > 2000$$);
-- a column that a stored expression reads is missing from the new rows
-- (named, with the expression), and an imported expression reads a table:
-- an error that shows where in the expression (the backend crashed when
-- showing it)
SELECT learn.update('up_m', 'SELECT i, g, c, x2, w, y FROM up_rows');
SELECT version FROM learn.import_model(jsonb_set(learn.export_model('up_m@1'), '{feature_exprs,3}',
												 '"(SELECT 1 FROM up_no_table)"'), 'up_sub');
SELECT learn.update('up_sub', 'up_rows');
\set ON_ERROR_STOP 1
-- with the model's levels only, that collation merges as training did
SELECT version, n_rows FROM learn.update('up_m@1', $$SELECT i, g, c COLLATE up_ci AS c, x1, x2, w, y
													FROM up_rows WHERE i > 2000$$);
SELECT up_diff('up_m@' || (SELECT max(version) FROM learn.models WHERE name = 'up_m'), 'up_all@1');
-- a state's counts are its group's (bytes 15..22 of a state are its rows,
-- 23..30 its skipped rows, 39..46 the sum of its weights): two groups'
-- states swapped, a state of one row more, of no weight (22023)
\set ON_ERROR_STOP 0
SELECT learn.import_model(jsonb_set(jsonb_set(learn.export_model('up_g@1'), '{states,0,state}',
											  learn.export_model('up_g@1') #> '{states,1,state}'),
									'{states,1,state}', learn.export_model('up_g@1') #> '{states,0,state}'),
						  'up_bad');
SELECT learn.import_model(jsonb_set(learn.export_model('up_m@1'), '{states,0,state}',
		to_jsonb(translate(encode(overlay(decode(learn.export_model('up_m@1') #>> '{states,0,state}', 'base64')
										  placing int8send((learn.export_model('up_m@1') ->> 'n_rows')::bigint + 1)
										  from 15 for 8), 'base64'), E'\n', ''))),
		'up_bad');
SELECT learn.import_model(jsonb_set(learn.export_model('up_m@1'), '{states,0,state}',
		to_jsonb(translate(encode(overlay(decode(learn.export_model('up_m@1') #>> '{states,0,state}', 'base64')
										  placing float8send(0) from 39 for 8), 'base64'), E'\n', ''))),
		'up_bad');
\set ON_ERROR_STOP 1
SELECT count(*) AS bad_imports FROM learn.models WHERE name = 'up_bad';

-- group keys that need quoting, a NULL key, a group of NULL rows only and
-- a group of weight 0 only survive train, update (of weight-0 rows only,
-- of no row), export, import and update: the last is the fit of all rows
CREATE TABLE up_keys AS
SELECT i, x1, x2, c, y, CASE WHEN i > 2990 THEN 0 ELSE w END AS w,
	   CASE WHEN i > 2980 AND i <= 2990 THEN NULL ELSE x2 END AS x2n,
	   CASE WHEN i > 2990 THEN 'weightless' WHEN i > 2980 THEN 'hollow' WHEN i % 5 = 0 THEN 'a{b' WHEN i % 5 = 1 THEN 'q"x'
			WHEN i % 5 = 2 THEN 'p,q' WHEN i % 5 = 3 THEN NULL ELSE 'NULL' END AS g
  FROM up_rows;
SELECT version, n_rows, n_skipped FROM learn.train('up_k', 'linear', 'SELECT * FROM up_keys WHERE i <= 2000 OR i > 2980',
												   'y', ARRAY['x1', 'x2n', 'c'], group_by => ARRAY['g'], weight => 'w');
SELECT version, n_rows, n_skipped FROM learn.update('up_k', 'SELECT * FROM up_keys WHERE i BETWEEN 2001 AND 2980 AND w = 0');
SELECT version, n_rows, n_skipped FROM learn.update('up_k', 'SELECT * FROM up_keys WHERE false');
SELECT version, n_rows, n_skipped FROM learn.import_model(learn.export_model('up_k'), 'up_k_copy');
SELECT learn.export_model('up_k_copy') -> 'states' = learn.export_model('up_k') -> 'states' AS same_states;
SELECT version, n_rows, n_skipped FROM learn.update('up_k_copy', 'SELECT * FROM up_keys WHERE i BETWEEN 2001 AND 2980');
SELECT version, n_rows, n_skipped FROM learn.train('up_k_all', 'linear', 'up_keys', 'y', ARRAY['x1', 'x2n', 'c'],
												   group_by => ARRAY['g'], weight => 'w');
SELECT up_diff('up_k_copy@2', 'up_k_all@1');
SELECT g.group_key, g.n_rows, g.n_skipped, g.fitted, g.reason
  FROM learn.groups g JOIN learn.models m ON m.id = g.model_id
 WHERE m.name = 'up_k_copy' AND m.version = 2 ORDER BY g.group_key;

-- a categorical column of text at training may be an enum (of another
-- order), a varchar or a blank-padded char(n) in the new rows: the levels
-- are the values' text, and the update is the fit of all rows
CREATE TYPE up_level AS ENUM ('c2', 'c1', 'c0');
SELECT version, n_rows FROM learn.update('up_m@1', 'SELECT i, g, c::up_level AS c, x1, x2, w, y FROM up_rows WHERE i > 2000');
SELECT up_diff('up_m@' || (SELECT max(version) FROM learn.models WHERE name = 'up_m'), 'up_all@1');
SELECT version, n_rows FROM learn.update('up_m@1', 'SELECT i, g, c::char(6) AS c, x1, x2, w, y FROM up_rows WHERE i > 2000');
SELECT up_diff('up_m@' || (SELECT max(version) FROM learn.models WHERE name = 'up_m'), 'up_all@1');
SELECT version, n_rows FROM learn.update('up_m@1', 'SELECT i, g, c::varchar(6) AS c, x1, x2, w, y FROM up_rows WHERE i > 2000');
SELECT up_diff('up_m@' || (SELECT max(version) FROM learn.models WHERE name = 'up_m'), 'up_all@1');

-- a feature expression calls a function of the model's owner: the owner
-- updates the model; a superuser may not run that role's code (42501)
CREATE ROLE regress_up_fn;
CREATE SCHEMA up_fn AUTHORIZATION regress_up_fn;
GRANT SELECT ON up_rows TO regress_up_fn;
SET ROLE regress_up_fn;
CREATE FUNCTION up_fn.twice(float8) RETURNS float8 LANGUAGE sql IMMUTABLE PARALLEL SAFE AS 'SELECT $1 * 2';
SELECT version FROM learn.train('up_fn', 'linear', 'SELECT * FROM up_rows WHERE i <= 2000', 'y',
								ARRAY['x1', 'up_fn.twice(x2) AS x2_twice']);
SELECT version, n_rows FROM learn.update('up_fn', 'SELECT * FROM up_rows WHERE i > 2000');
RESET ROLE;
\set ON_ERROR_STOP 0
SELECT learn.update('up_fn', 'SELECT * FROM up_rows WHERE i > 2000');
\set ON_ERROR_STOP 1
SELECT learn.drop_model('up_fn');
DROP OWNED BY regress_up_fn;
DROP ROLE regress_up_fn;
DROP COLLATION up_ci;
