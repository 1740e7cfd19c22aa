/* pg_learn--0.2--0.3.sql: generalized linear models (glm, logistic) */

\echo Use "ALTER EXTENSION pg_learn UPDATE TO '0.3'" to load this file. \quit

SET LOCAL search_path = pg_catalog, pg_temp;

-------------------------------------------------------------------------
-- One IRLS pass: per group, the deviance of the given coefficients and
-- the weighted least-squares state of the next ones (src/state/irls.c).
-- Internal to learn.train, as learn._linear_meat is.
-------------------------------------------------------------------------
CREATE FUNCTION learn._glm_pass_trans(internal, bytea, integer, integer, text, float8, float8, float8, VARIADIC "any")
RETURNS internal AS 'MODULE_PATHNAME', 'glm_pass_trans'
LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION learn._glm_pass_trans(internal, bytea, integer, integer, text, float8, float8, float8, VARIADIC "any") IS 'Transition function of learn._glm_pass';
CREATE FUNCTION learn._glm_pass_combine(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'glm_pass_combine'
LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION learn._glm_pass_combine(internal, internal) IS 'Combine function of learn._glm_pass';
CREATE FUNCTION learn._glm_pass_serial(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'glm_pass_serial'
LANGUAGE C STRICT PARALLEL SAFE;
COMMENT ON FUNCTION learn._glm_pass_serial(internal) IS 'Serial function of learn._glm_pass';
CREATE FUNCTION learn._glm_pass_deserial(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'glm_pass_deserial'
LANGUAGE C STRICT PARALLEL SAFE;
COMMENT ON FUNCTION learn._glm_pass_deserial(bytea, internal) IS 'Deserial function of learn._glm_pass';
CREATE FUNCTION learn._glm_pass_final(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'glm_pass_final'
LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION learn._glm_pass_final(internal) IS 'Final function of learn._glm_pass';

CREATE AGGREGATE learn._glm_pass(param bytea, ngroupcols integer, spec integer, target text,
								 y float8, w float8, "offset" float8, VARIADIC x "any") (
	SFUNC = learn._glm_pass_trans,
	STYPE = internal,
	FINALFUNC = learn._glm_pass_final,
	COMBINEFUNC = learn._glm_pass_combine,
	SERIALFUNC = learn._glm_pass_serial,
	DESERIALFUNC = learn._glm_pass_deserial,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE learn._glm_pass(bytea, integer, integer, text, float8, float8, float8, VARIADIC "any") IS 'One IRLS pass of learn.train''s glm and logistic families, per group: the deviance at each group''s coefficients from param (NULL: R''s starting means) and the least-squares state of the next ones';

CREATE FUNCTION learn.logistic_predict(coef float8[], x float8[])
RETURNS float8 AS 'MODULE_PATHNAME', 'learn_logistic_predict'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION learn.logistic_predict(float8[], float8[]) IS 'The probability 1 / (1 + exp(-(coef[1] + coef[2:] . x))) of a logistic model''s coefficients (intercept first) for features x';

-------------------------------------------------------------------------
-- Classifiers: the probability and the label of a binary classifier.
-- learn.predict returns the class when the labels are numbers or
-- booleans (learn.models.classes).
-------------------------------------------------------------------------
CREATE FUNCTION learn.predict_proba(model text, x float8[])
RETURNS float8 AS 'MODULE_PATHNAME', 'learn_predict_proba_array'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION learn.predict_proba(text, float8[]) IS 'A binary classifier''s probability of its positive class (the last of learn.models.classes), for feature values in the order of learn.models.features';

CREATE FUNCTION learn._predict_proba_cols(model text, names text[], VARIADIC cols "any")
RETURNS float8 AS 'MODULE_PATHNAME', 'learn_predict_proba_cols'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION learn._predict_proba_cols(text, text[], VARIADIC "any") IS 'learn.predict_proba(text, record) as the planner rewrites it: named columns instead of the row';

CREATE FUNCTION learn.predict_proba(model text, x record)
RETURNS float8 AS 'MODULE_PATHNAME', 'learn_predict_proba_row'
LANGUAGE C STABLE PARALLEL SAFE SUPPORT learn._predict_support;
COMMENT ON FUNCTION learn.predict_proba(text, record) IS 'A binary classifier''s probability of its positive class for a row: its columns are matched to the features by name';

CREATE FUNCTION learn.predict_proba(model text, x float8[], class text)
RETURNS float8 AS 'MODULE_PATHNAME', 'learn_predict_proba_array'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION learn.predict_proba(text, float8[], text) IS 'A classifier''s probability of the given class, for feature values in the order of learn.models.features';

CREATE FUNCTION learn.predict_proba(model text, x record, class text)
RETURNS float8 AS 'MODULE_PATHNAME', 'learn_predict_proba_row'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION learn.predict_proba(text, record, text) IS 'A classifier''s probability of the given class for a row';

CREATE FUNCTION learn.predict_label(model text, x float8[])
RETURNS text AS 'MODULE_PATHNAME', 'learn_predict_label_array'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION learn.predict_label(text, float8[]) IS 'A classifier''s predicted class label, for feature values in the order of learn.models.features';

CREATE FUNCTION learn.predict_label(model text, x record)
RETURNS text AS 'MODULE_PATHNAME', 'learn_predict_label_row'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION learn.predict_label(text, record) IS 'A classifier''s predicted class label for a row';
