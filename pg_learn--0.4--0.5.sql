/* pg_learn--0.4--0.5.sql: feature expressions, imputation, explanations,
 * evaluation on any source and held-out splits */

\echo Use "ALTER EXTENSION pg_learn UPDATE TO '0.5'" to load this file. \quit

SET LOCAL search_path = pg_catalog, pg_temp;

-------------------------------------------------------------------------
-- Feature expressions: the expression of each feature (NULL for a plain
-- column), deparsed so that it reads the same under any search_path.
-------------------------------------------------------------------------
ALTER TABLE learn.models ADD COLUMN feature_exprs text[];
COMMENT ON COLUMN learn.models.feature_exprs IS 'The SQL expression of each feature over the source''s columns, NULL for a plain column; evaluated again at scoring';

-------------------------------------------------------------------------
-- Imputation (params "impute": "mean"): the value that replaces a NULL in
-- each feature at training and at scoring.
-------------------------------------------------------------------------
ALTER TABLE learn.models ADD COLUMN impute_values text[];
COMMENT ON COLUMN learn.models.impute_values IS 'With params "impute": "mean", the value that replaces a NULL in each feature (a number''s mean, a category''s most frequent level), at training and at scoring; NULL when NULLs are skipped';

-------------------------------------------------------------------------
-- Explanations: each feature's part in one prediction
-------------------------------------------------------------------------
CREATE FUNCTION learn.explain(model text, x float8[])
RETURNS jsonb AS 'MODULE_PATHNAME', 'learn_explain_array'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION learn.explain(text, float8[]) IS 'Explains the prediction for feature values in the order of learn.models.features: the intercept and each feature''s value, term, estimate and contribution (estimate times value, on the link scale), which sum to the linear predictor';

CREATE FUNCTION learn.explain(model text, x record)
RETURNS jsonb AS 'MODULE_PATHNAME', 'learn_explain_row'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION learn.explain(text, record) IS 'Explains the prediction for a row: the intercept and each feature''s value, term, estimate and contribution (estimate times value, on the link scale), which sum to the linear predictor; imputed values and unseen levels are flagged';

CREATE FUNCTION learn.explain(model text, x text)
RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
RETURN learn.explain(model, learn._features(x));
COMMENT ON FUNCTION learn.explain(text, text) IS 'Explains the prediction for feature values given as the text of a float8[], e.g. a driver''s untyped parameter';

-------------------------------------------------------------------------
-- The planner's rewrite of the row forms (learn._predict_support) also
-- serves learn.predict_label and learn.predict_proba with a class: the
-- executor passes only the model's columns, never the whole row.
-------------------------------------------------------------------------
CREATE FUNCTION learn._predict_proba_class_cols(model text, names text[], class text, VARIADIC cols "any")
RETURNS float8 AS 'MODULE_PATHNAME', 'learn_predict_proba_class_cols'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION learn._predict_proba_class_cols(text, text[], text, VARIADIC "any") IS 'learn.predict_proba(text, record, text) as the planner rewrites it: named columns instead of the row';

CREATE FUNCTION learn._predict_label_cols(model text, names text[], VARIADIC cols "any")
RETURNS text AS 'MODULE_PATHNAME', 'learn_predict_label_cols'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION learn._predict_label_cols(text, text[], VARIADIC "any") IS 'learn.predict_label(text, record) as the planner rewrites it: named columns instead of the row';

ALTER FUNCTION learn.predict_proba(text, record, text) SUPPORT learn._predict_support;
ALTER FUNCTION learn.predict_label(text, record) SUPPORT learn._predict_support;
COMMENT ON FUNCTION learn._predict_support(internal) IS 'Planner support of the row forms of learn.predict, learn.predict_proba and learn.predict_label: passes only the model''s columns';

-- Evaluation on any source (src/evaluate.c).  The held-out rows of a
-- training (params test_fraction and seed) get the same metrics in
-- metrics.test, which learn.model_summary's test_* columns already read.
-------------------------------------------------------------------------
CREATE FUNCTION learn.evaluate(model text, source text)
RETURNS jsonb AS 'MODULE_PATHNAME', 'learn_evaluate'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION learn.evaluate(text, text) IS 'A model version''s metrics on the rows of a table, view or query, in one pass: regression r2, mse, rmse, mae; classifier accuracy, log_loss (binary: auc, precision, recall, f1); per group for a grouped model';

-- learn.train's held-out split: a row's hash, the same as
-- hash_record_extended(ROW(values...), seed) without building the row
CREATE FUNCTION learn._split_hash(seed bigint, VARIADIC "any")
RETURNS bigint AS 'MODULE_PATHNAME', 'learn_split_hash'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION learn._split_hash(bigint, VARIADIC "any") IS 'The hash by which learn.train holds rows out (params test_fraction, seed): hash_record_extended(ROW(values...), seed), without building the row';

-- learn.linreg over a moving window frame: rows that leave the frame are
-- taken out of the state (a QR downdate) instead of refitting the frame.
-- CREATE OR REPLACE keeps the aggregate's OID, so views that use it stay.
-------------------------------------------------------------------------
CREATE FUNCTION learn._linreg_moving_trans(internal, float8, float8[])
RETURNS internal AS 'MODULE_PATHNAME', 'linreg_moving_trans'
LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION learn._linreg_moving_trans(internal, float8, float8[]) IS 'Moving-aggregate transition function of learn.linreg: a row enters the window frame';

CREATE FUNCTION learn._linreg_moving_inv(internal, float8, float8[])
RETURNS internal AS 'MODULE_PATHNAME', 'linreg_moving_inv'
LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION learn._linreg_moving_inv(internal, float8, float8[]) IS 'Inverse transition function of learn.linreg: the oldest row leaves the window frame (a QR downdate, refactored from the frame''s rows when accuracy requires)';

CREATE FUNCTION learn._linreg_moving_final(internal)
RETURNS learn.linreg_result AS 'MODULE_PATHNAME', 'linreg_moving_final'
LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION learn._linreg_moving_final(internal) IS 'Moving-aggregate final function of learn.linreg: solves the window frame''s state without changing it; NULL for fewer rows than elements of x';

CREATE OR REPLACE AGGREGATE learn.linreg(y float8, x float8[]) (
	SFUNC = learn._linreg_trans,
	STYPE = internal,
	COMBINEFUNC = learn._linear_combine,
	SERIALFUNC = learn._linear_serial,
	DESERIALFUNC = learn._linear_deserial,
	FINALFUNC = learn._linreg_final,
	PARALLEL = SAFE,
	MSFUNC = learn._linreg_moving_trans,
	MINVFUNC = learn._linreg_moving_inv,
	MSTYPE = internal,
	MFINALFUNC = learn._linreg_moving_final,
	MFINALFUNC_MODIFY = READ_ONLY
);
COMMENT ON AGGREGATE learn.linreg(float8, float8[]) IS 'Ordinary least squares of y on x (put a 1 in x for an intercept), as MADlib''s linregr; over a moving window frame it updates and downdates one QR factor';

-------------------------------------------------------------------------
-- Export and import (src/transfer.c): a model version as one versioned
-- jsonb document ("format": "pg_learn model", "format_version": 1), to
-- keep in source control or to move between databases.  The format is
-- described in docs/reference.md, "Export and import".
-------------------------------------------------------------------------
CREATE FUNCTION learn.export_model(model text)
RETURNS jsonb AS 'MODULE_PATHNAME', 'learn_export_model'
LANGUAGE C STRICT STABLE;
COMMENT ON FUNCTION learn.export_model(text) IS 'A model version (''name'': the deployed one, or ''name@N'') as a jsonb document of format "pg_learn model" version 1: its features, expressions, encodings, params, classes, metrics, groups, exact coefficients and lineage; learn.import_model reads it back';

CREATE FUNCTION learn.import_model(document jsonb, name text DEFAULT NULL)
RETURNS learn.models AS 'MODULE_PATHNAME', 'learn_import_model'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION learn.import_model(jsonb, text) IS 'Stores a document of learn.export_model as a new version of the model name (the document''s name when NULL), after checking every member (22023 naming a bad one); owned, numbered and deployed (unless params deploy is false) as learn.train''s models are, with its lineage in params.imported_from';
