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
