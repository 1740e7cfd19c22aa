--
-- learn.export_model and learn.import_model: a model version as a jsonb
-- document, and back.  An imported model must have the original's exact
-- coefficients, score identically, and export to the same document (but
-- for its name, version, lineage and who trained it when).
--
SET extra_float_digits = 0;

CREATE TABLE tx_glm (x1 float8, x2 float8, x3 float8, g int, w float8, yb int,
	yp int, yc int, yci int, yg float8, yi float8, ys int, yl boolean, expo float8, yo int);
\copy tx_glm FROM 'data/glm.csv' CSV HEADER
CREATE TABLE tx_mn (x1 float8, x2 float8, x3 float8, g int, w float8, y3 text,
	y4 int, yb int);
\copy tx_mn FROM 'data/multinomial.csv' CSV HEADER
-- mtcars with a few NULLs, for imputation
CREATE TABLE tx_cars AS
SELECT model, mpg, CASE WHEN gear = 4 AND carb = 4 THEN NULL ELSE disp END AS disp,
	   hp, wt, CASE WHEN carb = 2 THEN NULL ELSE gear::text END AS gear, am
  FROM mtcars;

-- the members of a document that an import changes
CREATE FUNCTION tx_content(doc jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE
RETURN doc - '{name,version,lineage,trained_by,trained_at}'::text[];

-- every row of learn.coefficients, learn.encodings and learn.groups of
-- one model equals the other's: 0 differences, and how many rows
CREATE FUNCTION tx_same_rows(a text, b text) RETURNS text
LANGUAGE sql AS $$
WITH ia AS (SELECT id FROM learn.models WHERE name = split_part(a, '@', 1)
			 AND version = coalesce(nullif(split_part(a, '@', 2), '')::int,
									(SELECT version FROM learn.models WHERE name = a AND deployed))),
	 ib AS (SELECT id FROM learn.models WHERE name = b AND deployed),
	 ca AS (SELECT group_key, class, position, term, estimate, std_error, statistic, p_value
			  FROM learn.coefficients WHERE model_id = (SELECT id FROM ia)),
	 cb AS (SELECT group_key, class, position, term, estimate, std_error, statistic, p_value
			  FROM learn.coefficients WHERE model_id = (SELECT id FROM ib)),
	 ea AS (SELECT feature, position, level FROM learn.encodings WHERE model_id = (SELECT id FROM ia)),
	 eb AS (SELECT feature, position, level FROM learn.encodings WHERE model_id = (SELECT id FROM ib)),
	 ga AS (SELECT group_key, n_rows, n_skipped, fitted, reason, metrics
			  FROM learn.groups WHERE model_id = (SELECT id FROM ia)),
	 gb AS (SELECT group_key, n_rows, n_skipped, fitted, reason, metrics
			  FROM learn.groups WHERE model_id = (SELECT id FROM ib))
SELECT format('coef %s/%s, enc %s/%s, groups %s/%s',
	(SELECT count(*) FROM ((TABLE ca EXCEPT ALL TABLE cb) UNION ALL (TABLE cb EXCEPT ALL TABLE ca)) d),
	(SELECT count(*) FROM ca),
	(SELECT count(*) FROM ((TABLE ea EXCEPT ALL TABLE eb) UNION ALL (TABLE eb EXCEPT ALL TABLE ea)) d),
	(SELECT count(*) FROM ea),
	(SELECT count(*) FROM ((TABLE ga EXCEPT ALL TABLE gb) UNION ALL (TABLE gb EXCEPT ALL TABLE ga)) d),
	(SELECT count(*) FROM ga))
$$;

-- export a, import it as b; then: same rows, same document content, and
-- the model row's own columns
CREATE FUNCTION tx_round_trip(a text, b text) RETURNS TABLE (rows text, same_doc boolean,
	same_model boolean, imported_from jsonb)
LANGUAGE plpgsql AS $$
DECLARE
	doc jsonb := learn.export_model(a);
	m learn.models;
	o learn.models;
BEGIN
	m := learn.import_model(doc, b);
	SELECT * INTO o FROM learn.models
	 WHERE id = (doc #>> '{lineage,exported_from,id}')::bigint;
	RETURN QUERY SELECT tx_same_rows(a, b),
		tx_content(learn.export_model(b)) = tx_content(doc),
		(m.algorithm, m.task, m.source, m.target, m.features, m.feature_exprs,
		 m.impute_values, m.group_by, m.weight, m.classes, m.n_rows, m.n_skipped,
		 m.metrics, m.params - 'imported_from', m.deployed)
		IS NOT DISTINCT FROM
		(o.algorithm, o.task, o.source, o.target, o.features, o.feature_exprs,
		 o.impute_values, o.group_by, o.weight, o.classes, o.n_rows, o.n_skipped,
		 o.metrics, o.params, true),
		(m.params -> 'imported_from' -> 'exported_from') - '{id,trained_at,trained_by,database}'::text[];
END
$$;

-- Linear: plain, grouped (two groups cannot be fitted), weighted
SELECT 1 FROM learn.train('tx_lm', 'linear', 'mtcars', 'mpg', '{wt,hp}');
SELECT * FROM tx_round_trip('tx_lm', 'tx_lm_copy');
SELECT 1 FROM learn.train('tx_lm_g', 'linear', 'mtcars', 'mpg', '{wt}', group_by => '{carb}');
SELECT * FROM tx_round_trip('tx_lm_g', 'tx_lm_g_copy');
SELECT count(*) FILTER (WHERE NOT fitted) AS not_fitted FROM learn.groups g
  JOIN learn.models m ON m.id = g.model_id WHERE m.name = 'tx_lm_g_copy';
SELECT 1 FROM learn.train('tx_lm_w', 'linear', 'mtcars', 'mpg', '{wt,hp}', weight => 'drat');
SELECT * FROM tx_round_trip('tx_lm_w', 'tx_lm_w_copy');
SELECT count(*) AS rows,
	   count(*) FILTER (WHERE learn.predict('tx_lm', c) IS DISTINCT FROM learn.predict('tx_lm_copy', c)
					  OR learn.predict('tx_lm_g', c) IS DISTINCT FROM learn.predict('tx_lm_g_copy', c)
					  OR learn.predict('tx_lm_w', c) IS DISTINCT FROM learn.predict('tx_lm_w_copy', c))
		   AS differ,
	   count(learn.predict('tx_lm_g_copy', c)) AS grouped_scored
  FROM mtcars c;

-- GLM (poisson; binomial probit), logistic (grouped), multinomial
SELECT 1 FROM learn.train('tx_pois', 'glm', 'tx_glm', 'yc', '{x1,x2}', '{"family": "poisson"}');
SELECT * FROM tx_round_trip('tx_pois', 'tx_pois_copy');
SELECT 1 FROM learn.train('tx_probit', 'glm', 'tx_glm', 'yp', '{x1,x2}',
	'{"family": "binomial", "link": "probit"}');
SELECT * FROM tx_round_trip('tx_probit', 'tx_probit_copy');
SELECT 1 FROM learn.train('tx_logit', 'logistic', 'tx_glm', 'yb', '{x1,x2}', group_by => '{g}');
SELECT * FROM tx_round_trip('tx_logit', 'tx_logit_copy');
SELECT count(*) AS rows,
	   count(*) FILTER (WHERE learn.predict('tx_pois', r) IS DISTINCT FROM learn.predict('tx_pois_copy', r)
					  OR learn.predict('tx_probit', r) IS DISTINCT FROM learn.predict('tx_probit_copy', r)
					  OR learn.predict('tx_logit', r) IS DISTINCT FROM learn.predict('tx_logit_copy', r)
					  OR learn.predict_proba('tx_logit', r) IS DISTINCT FROM learn.predict_proba('tx_logit_copy', r)
					  OR learn.predict_label('tx_logit', r) IS DISTINCT FROM learn.predict_label('tx_logit_copy', r))
		   AS differ
  FROM tx_glm r;
SELECT 1 FROM learn.train('tx_mn', 'multinomial', 'tx_mn', 'y3', '{x1,x2}');
SELECT * FROM tx_round_trip('tx_mn', 'tx_mn_copy');
SELECT count(*) AS rows,
	   count(*) FILTER (WHERE learn.predict_label('tx_mn', r) IS DISTINCT FROM learn.predict_label('tx_mn_copy', r)
					  OR learn.predict_proba('tx_mn', r, 'dog') IS DISTINCT FROM learn.predict_proba('tx_mn_copy', r, 'dog')
					  OR learn.predict_proba('tx_mn', r, 'cat') IS DISTINCT FROM learn.predict_proba('tx_mn_copy', r, 'cat'))
		   AS differ
  FROM tx_mn r;

-- A categorical feature; feature expressions with imputed NULLs
SELECT 1 FROM learn.train('tx_cat', 'linear', 'iris', 'sepal_length', '{petal_width,species}');
SELECT * FROM tx_round_trip('tx_cat', 'tx_cat_copy');
SELECT 1 FROM learn.train('tx_expr', 'linear', 'tx_cars', 'mpg',
	ARRAY['log(disp) AS log_disp', 'hp::float8 / wt AS power', 'gear'], '{"impute": "mean"}');
SELECT * FROM tx_round_trip('tx_expr', 'tx_expr_copy');
SELECT count(*) AS rows,
	   count(*) FILTER (WHERE learn.predict('tx_cat', r) IS DISTINCT FROM learn.predict('tx_cat_copy', r))
		   AS differ
  FROM iris r;
SELECT count(*) AS rows, count(*) FILTER (WHERE disp IS NULL OR gear IS NULL) AS imputed,
	   count(*) FILTER (WHERE learn.predict('tx_expr', r) IS DISTINCT FROM learn.predict('tx_expr_copy', r)
					  OR learn.predict('tx_expr_copy', r) IS NULL)
		   AS differ
  FROM tx_cars r;

-- Floats are exact in the document: every stored estimate reads back
SELECT count(*) AS terms,
	   count(*) FILTER (WHERE (t ->> 'estimate')::float8 IS DISTINCT FROM c.estimate) AS differ
  FROM learn.export_model('tx_probit') d,
	   jsonb_array_elements(d -> 'groups' -> 0 -> 'terms') t
  JOIN learn.coefficients c ON c.model_id = (SELECT id FROM learn.models WHERE name = 'tx_probit')
   AND c.position = (t ->> 'position')::int;

-- A document keeps its name; imports chain their lineage; params.deploy
SELECT name, version, deployed FROM learn.import_model(learn.export_model('tx_lm_copy'));
SELECT (learn.export_model('tx_lm_copy') #> '{lineage,exported_from}') - '{id,database,trained_at,trained_by}'::text[] AS exported_from,
	   learn.export_model('tx_lm_copy') #> '{lineage,imported_from,exported_from,version}' AS imported_from,
	   learn.export_model('tx_lm_copy') #> '{lineage,imported_from,imported_from,exported_from,name}' AS origin;
SELECT name, version, deployed FROM learn.import_model(
	jsonb_set(learn.export_model('tx_lm'), '{params,deploy}', 'false'), 'tx_lm_copy');
SELECT version FROM learn.models WHERE name = 'tx_lm_copy' AND deployed;
SELECT learn.export_model('tx_lm_copy@3') ->> 'version' AS version;
SELECT learn.export_model('tx_lm') ->> 'format' AS format,
	   learn.export_model('tx_lm') ->> 'format_version' AS format_version,
	   learn.export_model('tx_lm') ? 'states' AS has_states;

-- Bad documents: 22023 naming what is wrong
CREATE TABLE tx_doc AS SELECT learn.export_model('tx_mn') AS d, learn.export_model('tx_lm_g') AS g,
	learn.export_model('tx_expr') AS e, learn.export_model('tx_cat') AS c;
SELECT try($$SELECT learn.import_model('[1, 2]')$$);
SELECT try($$SELECT learn.import_model(d - 'format') FROM tx_doc$$);
SELECT try($$SELECT learn.import_model(jsonb_set(d, '{format_version}', '2')) FROM tx_doc$$);
SELECT try($$SELECT learn.import_model(d || '{"color": 1}') FROM tx_doc$$);
SELECT try($$SELECT learn.import_model(d || '{"states": []}') FROM tx_doc$$);
SELECT try($$SELECT learn.import_model(jsonb_set(d, '{algorithm}', '"forest"')) FROM tx_doc$$);
SELECT try($$SELECT learn.import_model(jsonb_set(d, '{task}', '"regression"')) FROM tx_doc$$);
SELECT try($$SELECT learn.import_model(jsonb_set(d, '{features}', '["x1", "x1"]')) FROM tx_doc$$);
-- too many elements are refused before they are read (not: "repeats")
SELECT try($$SELECT learn.import_model(jsonb_set(d, '{features}',
	(SELECT jsonb_agg('x1'::text) FROM generate_series(1, 1001)))) FROM tx_doc$$);
SELECT try($$SELECT learn.import_model(jsonb_set(d, '{group_by}',
	(SELECT jsonb_agg('g'::text) FROM generate_series(1, 1001)))) FROM tx_doc$$);
SELECT try($$SELECT learn.import_model(jsonb_set(d, '{params,max_classes}', '"many"')) FROM tx_doc$$);
SELECT try($$SELECT learn.import_model(jsonb_set(d, '{classes}', '["cat"]')) FROM tx_doc$$);
SELECT try($$SELECT learn.import_model(jsonb_set(d, '{groups,0,terms,1,estimate}', '"1.5"')) FROM tx_doc$$);
SELECT try($$SELECT learn.import_model(jsonb_set(d, '{groups,0,terms,1,position}', '7')) FROM tx_doc$$);
SELECT try($$SELECT learn.import_model(jsonb_set(d, '{groups,0,terms,1,position}', '0')) FROM tx_doc$$);
SELECT try($$SELECT learn.import_model(jsonb_set(d, '{groups,0,terms,1,class}', '"cow"')) FROM tx_doc$$);
SELECT try($$SELECT learn.import_model(jsonb_set(d, '{groups,0,terms,1,p_value}', '1e999')) FROM tx_doc$$);
SELECT try($$SELECT learn.import_model(jsonb_set(g, '{groups,1,group_key}', '["1", "2"]')) FROM tx_doc$$);
SELECT try($$SELECT learn.import_model(jsonb_set(g, '{groups,1,group_key}', (g #> '{groups,0,group_key}'))) FROM tx_doc$$);
SELECT try($$SELECT learn.import_model(jsonb_set(g, '{groups,0,fitted}', 'false')) FROM tx_doc$$);
SELECT try($$SELECT learn.import_model(jsonb_set(g, '{groups,0,n_rows}', '-1')) FROM tx_doc$$);
SELECT try($$SELECT learn.import_model(jsonb_set(e, '{feature_exprs}', '["1"]')) FROM tx_doc$$);
SELECT try($$SELECT learn.import_model(jsonb_set(e, '{feature_exprs,0}', '"1); DROP TABLE tx_doc; SELECT (1"')) FROM tx_doc$$);
SELECT try($$SELECT learn.import_model(jsonb_set(e, '{feature_exprs,0}', '"log(disp) FROM pg_class"')) FROM tx_doc$$);
SELECT try($$SELECT learn.import_model(jsonb_set(e, '{impute_values,2}', '"7"')) FROM tx_doc$$);
SELECT try($$SELECT learn.import_model(jsonb_set(e, '{impute_values,0}', '"NaN"')) FROM tx_doc$$);
-- (float8in, which scoring reads it with, refuses an underflow to zero)
SELECT try($$SELECT learn.import_model(jsonb_set(e, '{impute_values,0}', '"1e-400"')) FROM tx_doc$$);
SELECT try($$SELECT learn.import_model(e - 'impute_values') FROM tx_doc$$);
SELECT try($$SELECT learn.import_model(jsonb_set(c, '{encodings,sepal_width}', '["a"]')) FROM tx_doc$$);
SELECT try($$SELECT learn.import_model(jsonb_set(c, '{encodings,species}', '["setosa", "setosa"]')) FROM tx_doc$$);
SELECT try($$SELECT learn.import_model(jsonb_set(d, '{metrics}', '[]')) FROM tx_doc$$);
SELECT try($$SELECT learn.import_model(d, 'a@b') FROM tx_doc$$);
SELECT try($$SELECT learn.import_model(jsonb_set(d, '{lineage}', '"here"')) FROM tx_doc$$);
SELECT try($$SELECT learn.import_model(jsonb_set(d, '{params,imported_from}', '{}')) FROM tx_doc$$);
-- an expression that parses is stored, but scoring analyzes it as it
-- analyzes any model's: a volatile function is refused there
SELECT name, deployed FROM learn.import_model(
	jsonb_set((SELECT e FROM tx_doc), '{feature_exprs,0}', '"pg_catalog.random()"'), 'tx_evil');
SELECT try($$SELECT learn.predict('tx_evil', r) FROM tx_cars r$$);
SELECT learn.drop_model('tx_evil');
-- none of them stored anything, and tx_doc is still there
SELECT count(*) FROM learn.models WHERE name = 'tx_mn';
SELECT count(*) FROM tx_doc;

-- Name ownership: another role cannot add a version to tx_lm, but may
-- import under a name of its own, and score it
CREATE ROLE regress_tx_other;
GRANT SELECT ON mtcars TO regress_tx_other;
SET ROLE regress_tx_other;
SELECT try($$SELECT learn.import_model(learn.export_model('tx_lm'))$$);
SELECT name, version, trained_by FROM learn.import_model(learn.export_model('tx_lm'), 'tx_lm_other');
SELECT count(*) FILTER (WHERE learn.predict('tx_lm', c) IS DISTINCT FROM learn.predict('tx_lm_other', c))
	AS differ
  FROM mtcars c;
RESET ROLE;
SELECT learn.drop_model('tx_lm_other');
REVOKE SELECT ON mtcars FROM regress_tx_other;
DROP ROLE regress_tx_other;
