/* pg_learn--0.3--0.4.sql: real tables in, honest numbers out (categorical
 * features, feature expressions, evaluation, views for BI tools, scoring
 * from any driver) */

\echo Use "ALTER EXTENSION pg_learn UPDATE TO '0.4'" to load this file. \quit

SET LOCAL search_path = pg_catalog, pg_temp;

-------------------------------------------------------------------------
-- Metric aggregates (src/metrics.c)
-------------------------------------------------------------------------
-- Three internal states serve them: sums and counts (regression errors,
-- equal pairs, boolean outcomes, log loss), the kept scores of learn.auc
-- and the label pairs of learn.confusion_matrix.  Pairs with a NULL are
-- ignored; over no pairs each gives NULL.

CREATE FUNCTION learn._metric_combine(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'learn_metric_combine'
LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION learn._metric_combine(internal, internal) IS 'Combine function of the sum and count metric aggregates';
CREATE FUNCTION learn._metric_serial(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'learn_metric_serial'
LANGUAGE C STRICT PARALLEL SAFE;
COMMENT ON FUNCTION learn._metric_serial(internal) IS 'Serial function of the sum and count metric aggregates';
CREATE FUNCTION learn._metric_deserial(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'learn_metric_deserial'
LANGUAGE C STRICT PARALLEL SAFE;
COMMENT ON FUNCTION learn._metric_deserial(bytea, internal) IS 'Deserial function of the sum and count metric aggregates';

-- regression: r2, mse, rmse, mae share one state
CREATE FUNCTION learn._regression_trans(internal, float8, float8)
RETURNS internal AS 'MODULE_PATHNAME', 'learn_regression_trans'
LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION learn._regression_trans(internal, float8, float8) IS 'Transition function of learn.r2, learn.mse, learn.rmse and learn.mae';
CREATE FUNCTION learn._r2_final(internal)
RETURNS float8 AS 'MODULE_PATHNAME', 'learn_r2_final'
LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION learn._r2_final(internal) IS 'Final function of learn.r2';
CREATE FUNCTION learn._mse_final(internal)
RETURNS float8 AS 'MODULE_PATHNAME', 'learn_mse_final'
LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION learn._mse_final(internal) IS 'Final function of learn.mse';
CREATE FUNCTION learn._rmse_final(internal)
RETURNS float8 AS 'MODULE_PATHNAME', 'learn_rmse_final'
LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION learn._rmse_final(internal) IS 'Final function of learn.rmse';
CREATE FUNCTION learn._mae_final(internal)
RETURNS float8 AS 'MODULE_PATHNAME', 'learn_mae_final'
LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION learn._mae_final(internal) IS 'Final function of learn.mae';

CREATE AGGREGATE learn.r2(y float8, yhat float8) (
	SFUNC = learn._regression_trans,
	STYPE = internal,
	FINALFUNC = learn._r2_final,
	COMBINEFUNC = learn._metric_combine,
	SERIALFUNC = learn._metric_serial,
	DESERIALFUNC = learn._metric_deserial,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE learn.r2(float8, float8) IS 'Coefficient of determination 1 - SSE / SS(y) of predictions yhat of y, as scikit-learn''s r2_score';
CREATE AGGREGATE learn.mse(y float8, yhat float8) (
	SFUNC = learn._regression_trans,
	STYPE = internal,
	FINALFUNC = learn._mse_final,
	COMBINEFUNC = learn._metric_combine,
	SERIALFUNC = learn._metric_serial,
	DESERIALFUNC = learn._metric_deserial,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE learn.mse(float8, float8) IS 'Mean squared error of predictions yhat of y';
CREATE AGGREGATE learn.rmse(y float8, yhat float8) (
	SFUNC = learn._regression_trans,
	STYPE = internal,
	FINALFUNC = learn._rmse_final,
	COMBINEFUNC = learn._metric_combine,
	SERIALFUNC = learn._metric_serial,
	DESERIALFUNC = learn._metric_deserial,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE learn.rmse(float8, float8) IS 'Root mean squared error of predictions yhat of y';
CREATE AGGREGATE learn.mae(y float8, yhat float8) (
	SFUNC = learn._regression_trans,
	STYPE = internal,
	FINALFUNC = learn._mae_final,
	COMBINEFUNC = learn._metric_combine,
	SERIALFUNC = learn._metric_serial,
	DESERIALFUNC = learn._metric_deserial,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE learn.mae(float8, float8) IS 'Mean absolute error of predictions yhat of y';

-- accuracy: text labels, or any two values of one type (integer classes
-- against learn.predict's float8)
CREATE FUNCTION learn._accuracy_trans(internal, text, text)
RETURNS internal AS 'MODULE_PATHNAME', 'learn_accuracy_trans'
LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION learn._accuracy_trans(internal, text, text) IS 'Transition function of learn.accuracy(text, text)';
CREATE FUNCTION learn._accuracy_trans(internal, anycompatible, anycompatible)
RETURNS internal AS 'MODULE_PATHNAME', 'learn_accuracy_trans'
LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION learn._accuracy_trans(internal, anycompatible, anycompatible) IS 'Transition function of learn.accuracy(anycompatible, anycompatible)';
CREATE FUNCTION learn._accuracy_final(internal)
RETURNS float8 AS 'MODULE_PATHNAME', 'learn_accuracy_final'
LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION learn._accuracy_final(internal) IS 'Final function of learn.accuracy';

CREATE AGGREGATE learn.accuracy(actual text, predicted text) (
	SFUNC = learn._accuracy_trans,
	STYPE = internal,
	FINALFUNC = learn._accuracy_final,
	COMBINEFUNC = learn._metric_combine,
	SERIALFUNC = learn._metric_serial,
	DESERIALFUNC = learn._metric_deserial,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE learn.accuracy(text, text) IS 'Share of pairs whose predicted label equals the actual one';
CREATE AGGREGATE learn.accuracy(actual anycompatible, predicted anycompatible) (
	SFUNC = learn._accuracy_trans,
	STYPE = internal,
	FINALFUNC = learn._accuracy_final,
	COMBINEFUNC = learn._metric_combine,
	SERIALFUNC = learn._metric_serial,
	DESERIALFUNC = learn._metric_deserial,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE learn.accuracy(anycompatible, anycompatible) IS 'Share of pairs whose predicted value equals the actual one, compared in their common type (e.g. integer classes against learn.predict''s float8)';

-- precision, recall, f1: the positive class is true
CREATE FUNCTION learn._binary_trans(internal, boolean, boolean)
RETURNS internal AS 'MODULE_PATHNAME', 'learn_binary_trans'
LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION learn._binary_trans(internal, boolean, boolean) IS 'Transition function of learn.precision, learn.recall and learn.f1';
CREATE FUNCTION learn._precision_final(internal)
RETURNS float8 AS 'MODULE_PATHNAME', 'learn_precision_final'
LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION learn._precision_final(internal) IS 'Final function of learn.precision';
CREATE FUNCTION learn._recall_final(internal)
RETURNS float8 AS 'MODULE_PATHNAME', 'learn_recall_final'
LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION learn._recall_final(internal) IS 'Final function of learn.recall';
CREATE FUNCTION learn._f1_final(internal)
RETURNS float8 AS 'MODULE_PATHNAME', 'learn_f1_final'
LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION learn._f1_final(internal) IS 'Final function of learn.f1';

CREATE AGGREGATE learn.precision(actual boolean, predicted boolean) (
	SFUNC = learn._binary_trans,
	STYPE = internal,
	FINALFUNC = learn._precision_final,
	COMBINEFUNC = learn._metric_combine,
	SERIALFUNC = learn._metric_serial,
	DESERIALFUNC = learn._metric_deserial,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE learn.precision(boolean, boolean) IS 'Precision TP / (TP + FP), true the positive class; NULL without a predicted true';
CREATE AGGREGATE learn.recall(actual boolean, predicted boolean) (
	SFUNC = learn._binary_trans,
	STYPE = internal,
	FINALFUNC = learn._recall_final,
	COMBINEFUNC = learn._metric_combine,
	SERIALFUNC = learn._metric_serial,
	DESERIALFUNC = learn._metric_deserial,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE learn.recall(boolean, boolean) IS 'Recall TP / (TP + FN), true the positive class; NULL without an actual true';
CREATE AGGREGATE learn.f1(actual boolean, predicted boolean) (
	SFUNC = learn._binary_trans,
	STYPE = internal,
	FINALFUNC = learn._f1_final,
	COMBINEFUNC = learn._metric_combine,
	SERIALFUNC = learn._metric_serial,
	DESERIALFUNC = learn._metric_deserial,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE learn.f1(boolean, boolean) IS 'F1 score 2 TP / (2 TP + FP + FN), true the positive class; NULL when every pair is a true negative';

-- log_loss
CREATE FUNCTION learn._log_loss_trans(internal, boolean, float8)
RETURNS internal AS 'MODULE_PATHNAME', 'learn_log_loss_trans'
LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION learn._log_loss_trans(internal, boolean, float8) IS 'Transition function of learn.log_loss';
CREATE FUNCTION learn._log_loss_final(internal)
RETURNS float8 AS 'MODULE_PATHNAME', 'learn_log_loss_final'
LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION learn._log_loss_final(internal) IS 'Final function of learn.log_loss';

CREATE AGGREGATE learn.log_loss(actual boolean, p float8) (
	SFUNC = learn._log_loss_trans,
	STYPE = internal,
	FINALFUNC = learn._log_loss_final,
	COMBINEFUNC = learn._metric_combine,
	SERIALFUNC = learn._metric_serial,
	DESERIALFUNC = learn._metric_deserial,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE learn.log_loss(boolean, float8) IS 'Mean of -log p(actual), p the probability of true clipped to [eps, 1 - eps], as scikit-learn''s log_loss';

-- auc: every score kept, 8 bytes a row
CREATE FUNCTION learn._auc_trans(internal, boolean, float8)
RETURNS internal AS 'MODULE_PATHNAME', 'learn_auc_trans'
LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION learn._auc_trans(internal, boolean, float8) IS 'Transition function of learn.auc';
CREATE FUNCTION learn._auc_combine(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'learn_auc_combine'
LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION learn._auc_combine(internal, internal) IS 'Combine function of learn.auc';
CREATE FUNCTION learn._auc_serial(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'learn_auc_serial'
LANGUAGE C STRICT PARALLEL SAFE;
COMMENT ON FUNCTION learn._auc_serial(internal) IS 'Serial function of learn.auc';
CREATE FUNCTION learn._auc_deserial(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'learn_auc_deserial'
LANGUAGE C STRICT PARALLEL SAFE;
COMMENT ON FUNCTION learn._auc_deserial(bytea, internal) IS 'Deserial function of learn.auc';
CREATE FUNCTION learn._auc_final(internal)
RETURNS float8 AS 'MODULE_PATHNAME', 'learn_auc_final'
LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION learn._auc_final(internal) IS 'Final function of learn.auc';

CREATE AGGREGATE learn.auc(actual boolean, score float8) (
	SFUNC = learn._auc_trans,
	STYPE = internal,
	FINALFUNC = learn._auc_final,
	COMBINEFUNC = learn._auc_combine,
	SERIALFUNC = learn._auc_serial,
	DESERIALFUNC = learn._auc_deserial,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE learn.auc(boolean, float8) IS 'Exact ROC AUC of scores for the actual class true, ties counting one half, as scikit-learn''s roc_auc_score; NULL unless both classes are present';

-- confusion_matrix
CREATE FUNCTION learn._confusion_trans(internal, text, text)
RETURNS internal AS 'MODULE_PATHNAME', 'learn_confusion_trans'
LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION learn._confusion_trans(internal, text, text) IS 'Transition function of learn.confusion_matrix';
CREATE FUNCTION learn._confusion_combine(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'learn_confusion_combine'
LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION learn._confusion_combine(internal, internal) IS 'Combine function of learn.confusion_matrix';
CREATE FUNCTION learn._confusion_serial(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'learn_confusion_serial'
LANGUAGE C STRICT PARALLEL SAFE;
COMMENT ON FUNCTION learn._confusion_serial(internal) IS 'Serial function of learn.confusion_matrix';
CREATE FUNCTION learn._confusion_deserial(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'learn_confusion_deserial'
LANGUAGE C STRICT PARALLEL SAFE;
COMMENT ON FUNCTION learn._confusion_deserial(bytea, internal) IS 'Deserial function of learn.confusion_matrix';
CREATE FUNCTION learn._confusion_final(internal)
RETURNS jsonb AS 'MODULE_PATHNAME', 'learn_confusion_final'
LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION learn._confusion_final(internal) IS 'Final function of learn.confusion_matrix';

CREATE AGGREGATE learn.confusion_matrix(actual text, predicted text) (
	SFUNC = learn._confusion_trans,
	STYPE = internal,
	FINALFUNC = learn._confusion_final,
	COMBINEFUNC = learn._confusion_combine,
	SERIALFUNC = learn._confusion_serial,
	DESERIALFUNC = learn._confusion_deserial,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE learn.confusion_matrix(text, text) IS 'Confusion matrix as {"labels": [...], "matrix": [[...], ...]}: rows are actual labels, columns predicted ones, labels in byte order';

-- (end of the metric aggregates)

-------------------------------------------------------------------------
-- Scoring from any driver; views for BI tools; comments
-------------------------------------------------------------------------

COMMENT ON SCHEMA learn IS 'pg_learn: models trained, stored and scored in SQL; the catalog tables and the views over them are readable by everyone';

-- Scoring by name from a driver.  node-postgres, psqlODBC, JDBC with
-- stringtype=unspecified and PREPARE without parameter types send
-- parameters of type unknown, as a quoted literal is: between the
-- float8[] and the record overloads PostgreSQL cannot choose for them
-- (42725).  Overload resolution prefers the string category for an
-- unknown argument, so with a text overload an unknown x resolves to it,
-- and it reads the text as float8[].  Arguments of known types resolve as
-- before: an array of numbers to the array form, a row to the row form
-- (still rewritten by the planner); text and varchar values, which
-- matched no overload before, are read as arrays too.
--
-- The text forms are SQL-standard bodies, parsed here with this script's
-- path: they refer to the functions they call by OID, so no search_path
-- of a caller can redirect them, and the planner inlines them, so a call
-- costs what the array form costs plus the text's array_in.

CREATE FUNCTION learn._features_error(x text)
RETURNS pg_catalog.float8[]
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	RAISE EXCEPTION USING
		ERRCODE = 'invalid_text_representation',
		MESSAGE = format('features must be an array of numbers, not %s',
						 quote_literal(CASE WHEN length(x) > 60 THEN left(x, 57) || '...' ELSE x END)),
		DETAIL = 'Features given as text are read as a float8[] literal: numbers in braces, such as ''{2.8,120,18}'', in the order of learn.models.features.',
		HINT = 'Pass an array (ARRAY[2.8, 120, 18], a float8[] parameter) or its text.';
END
$$;
COMMENT ON FUNCTION learn._features_error(text) IS 'Raises the error of text that learn._features cannot read as an array of numbers';

-- Text that cannot begin an array literal, such as a JSON array
-- '[2.8,120,18]' or a list '2.8,120,18', gets the error above; anything
-- else goes to float8[]'s own input, whose errors name the element that
-- is not a number.
CREATE FUNCTION learn._features(x text)
RETURNS pg_catalog.float8[]
LANGUAGE sql STABLE PARALLEL SAFE
RETURN CASE
	WHEN x IS NULL
		OR x OPERATOR(pg_catalog.~) '^[[:space:]]*(\{|\[[-+0-9:[:space:]]*\])'::pg_catalog.text
		THEN x::pg_catalog.float8[]
	ELSE learn._features_error(x)
END;
COMMENT ON FUNCTION learn._features(text) IS 'Features given as text, read as float8[]; text that is not an array literal is an error (22P02)';

CREATE FUNCTION learn.predict(model text, x text)
RETURNS float8
LANGUAGE sql STABLE PARALLEL SAFE
RETURN learn.predict(model, learn._features(x));
COMMENT ON FUNCTION learn.predict(text, text) IS 'Scores feature values given as the text of a float8[], e.g. a driver''s untyped parameter or a literal ''{2.8,120,18}''';

CREATE FUNCTION learn.predict_proba(model text, x text)
RETURNS float8
LANGUAGE sql STABLE PARALLEL SAFE
RETURN learn.predict_proba(model, learn._features(x));
COMMENT ON FUNCTION learn.predict_proba(text, text) IS 'A binary classifier''s probability of its positive class, for feature values given as the text of a float8[]';

CREATE FUNCTION learn.predict_proba(model text, x text, class text)
RETURNS float8
LANGUAGE sql STABLE PARALLEL SAFE
RETURN learn.predict_proba(model, learn._features(x), class);
COMMENT ON FUNCTION learn.predict_proba(text, text, text) IS 'A classifier''s probability of the given class, for feature values given as the text of a float8[]';

CREATE FUNCTION learn.predict_label(model text, x text)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
RETURN learn.predict_label(model, learn._features(x));
COMMENT ON FUNCTION learn.predict_label(text, text) IS 'A classifier''s predicted class label, for feature values given as the text of a float8[]';

-- Views for BI tools: plain typed columns, nothing to unpack.  They run
-- with the rights of whoever queries them (security_invoker), so they
-- show what the catalog tables' grants show.

-- A number of a metrics object, or NULL (absent, null for not finite, or
-- not a number).
CREATE FUNCTION learn._metric(metrics jsonb, key text)
RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE
	WHEN pg_catalog.jsonb_typeof(metrics OPERATOR(pg_catalog.->) key)
		 OPERATOR(pg_catalog.=) 'number'::pg_catalog.text
		THEN (metrics OPERATOR(pg_catalog.->>) key)::pg_catalog.float8
END;
COMMENT ON FUNCTION learn._metric(jsonb, text) IS 'The number under key in a metrics object as float8; NULL when absent or not a number';

CREATE VIEW learn.model_summary WITH (security_invoker = true) AS
SELECT m.name, m.version, m.algorithm, m.task, m.deployed, m.n_rows, m.trained_at,
	   learn._metric(m.metrics, 'r2') AS r2,
	   learn._metric(m.metrics, 'adj_r2') AS adj_r2,
	   learn._metric(m.metrics, 'rmse') AS rmse,
	   learn._metric(m.metrics, 'mae') AS mae,
	   learn._metric(m.metrics, 'aic') AS aic,
	   learn._metric(m.metrics, 'bic') AS bic,
	   learn._metric(m.metrics, 'deviance') AS deviance,
	   learn._metric(m.metrics, 'accuracy') AS accuracy,
	   learn._metric(m.metrics, 'auc') AS auc,
	   learn._metric(m.metrics, 'log_loss') AS log_loss,
	   learn._metric(t.test, 'r2') AS test_r2,
	   learn._metric(t.test, 'adj_r2') AS test_adj_r2,
	   learn._metric(t.test, 'rmse') AS test_rmse,
	   learn._metric(t.test, 'mae') AS test_mae,
	   learn._metric(t.test, 'aic') AS test_aic,
	   learn._metric(t.test, 'bic') AS test_bic,
	   learn._metric(t.test, 'deviance') AS test_deviance,
	   learn._metric(t.test, 'accuracy') AS test_accuracy,
	   learn._metric(t.test, 'auc') AS test_auc,
	   learn._metric(t.test, 'log_loss') AS test_log_loss
  FROM learn.models m,
	   LATERAL (SELECT m.metrics OPERATOR(pg_catalog.->) 'test'::pg_catalog.text AS test) t;

COMMENT ON VIEW learn.model_summary IS 'One row per model version with its common metrics as float8 columns, on the training rows and on the held-out rows (test_*)';
COMMENT ON COLUMN learn.model_summary.name IS 'Model name';
COMMENT ON COLUMN learn.model_summary.version IS 'Version number within the name: 1, 2, ...';
COMMENT ON COLUMN learn.model_summary.algorithm IS 'Training algorithm, e.g. linear';
COMMENT ON COLUMN learn.model_summary.task IS 'regression, classification, clustering or decomposition';
COMMENT ON COLUMN learn.model_summary.deployed IS 'Whether scoring by name uses this version';
COMMENT ON COLUMN learn.model_summary.n_rows IS 'Rows the fit used';
COMMENT ON COLUMN learn.model_summary.trained_at IS 'When the training transaction ran';
COMMENT ON COLUMN learn.model_summary.r2 IS 'R squared on the training rows; NULL when the model has none (e.g. a classifier, a grouped model)';
COMMENT ON COLUMN learn.model_summary.adj_r2 IS 'Adjusted R squared on the training rows';
COMMENT ON COLUMN learn.model_summary.rmse IS 'Root mean squared error on the training rows';
COMMENT ON COLUMN learn.model_summary.mae IS 'Mean absolute error on the training rows';
COMMENT ON COLUMN learn.model_summary.aic IS 'Akaike information criterion, as R''s AIC';
COMMENT ON COLUMN learn.model_summary.bic IS 'Bayesian information criterion, as R''s BIC';
COMMENT ON COLUMN learn.model_summary.deviance IS 'Residual deviance of a glm, logistic or multinomial fit';
COMMENT ON COLUMN learn.model_summary.accuracy IS 'Share of training rows a classifier predicts right';
COMMENT ON COLUMN learn.model_summary.auc IS 'Area under the ROC curve of a binary classifier on the training rows';
COMMENT ON COLUMN learn.model_summary.log_loss IS 'Mean negative log-likelihood of a classifier on the training rows';
COMMENT ON COLUMN learn.model_summary.test_r2 IS 'R squared on the held-out rows (params.test_fraction); NULL without them';
COMMENT ON COLUMN learn.model_summary.test_adj_r2 IS 'Adjusted R squared on the held-out rows';
COMMENT ON COLUMN learn.model_summary.test_rmse IS 'Root mean squared error on the held-out rows';
COMMENT ON COLUMN learn.model_summary.test_mae IS 'Mean absolute error on the held-out rows';
COMMENT ON COLUMN learn.model_summary.test_aic IS 'Akaike information criterion on the held-out rows';
COMMENT ON COLUMN learn.model_summary.test_bic IS 'Bayesian information criterion on the held-out rows';
COMMENT ON COLUMN learn.model_summary.test_deviance IS 'Deviance on the held-out rows';
COMMENT ON COLUMN learn.model_summary.test_accuracy IS 'Share of held-out rows a classifier predicts right';
COMMENT ON COLUMN learn.model_summary.test_auc IS 'Area under the ROC curve on the held-out rows';
COMMENT ON COLUMN learn.model_summary.test_log_loss IS 'Mean negative log-likelihood on the held-out rows';

CREATE VIEW learn.deployed_coefficients WITH (security_invoker = true) AS
SELECT m.name, c.group_key, c.class, c.term, c.estimate, c.std_error, c.statistic, c.p_value
  FROM learn.models m
  JOIN learn.coefficients c ON c.model_id OPERATOR(pg_catalog.=) m.id
 WHERE m.deployed;

COMMENT ON VIEW learn.deployed_coefficients IS 'The terms of the deployed version of each model name, one row per term, group and class';
COMMENT ON COLUMN learn.deployed_coefficients.name IS 'Model name';
COMMENT ON COLUMN learn.deployed_coefficients.group_key IS 'The group''s values as text in group_by order; {} when ungrouped';
COMMENT ON COLUMN learn.deployed_coefficients.class IS 'Class of a multinomial model; empty otherwise';
COMMENT ON COLUMN learn.deployed_coefficients.term IS '(intercept) or the feature name';
COMMENT ON COLUMN learn.deployed_coefficients.estimate IS 'Coefficient; NULL when the term is aliased';
COMMENT ON COLUMN learn.deployed_coefficients.std_error IS 'Standard error (classical or sandwich, see params.robust)';
COMMENT ON COLUMN learn.deployed_coefficients.statistic IS 't statistic, or z for binomial, poisson and multinomial fits';
COMMENT ON COLUMN learn.deployed_coefficients.p_value IS 'Two-sided p-value of the statistic';

GRANT SELECT ON learn.model_summary, learn.deployed_coefficients TO PUBLIC;

-- what 0.1 left without a comment
COMMENT ON COLUMN learn.linreg_result.coef IS 'Least-squares coefficients, one per element of x; NULL where aliased';
COMMENT ON COLUMN learn.linreg_result.r2 IS 'R squared, 1 - RSS/TSS with TSS centred at the mean of y (as MADlib)';
COMMENT ON COLUMN learn.linreg_result.adj_r2 IS 'Adjusted R squared; NULL when n equals the rank';
COMMENT ON COLUMN learn.linreg_result.std_err IS 'Classical standard errors of coef';
COMMENT ON COLUMN learn.linreg_result.t_stats IS 't statistics, coef / std_err';
COMMENT ON COLUMN learn.linreg_result.p_values IS 'Two-sided p-values of the t statistics';
COMMENT ON COLUMN learn.linreg_result.condition_no IS 'Condition number of X, the largest over the smallest singular value';
COMMENT ON COLUMN learn.linreg_result.n IS 'Rows used';

-- (end of scoring from any driver, views and comments)

-------------------------------------------------------------------------
-- Categorical features and feature expressions
-------------------------------------------------------------------------


-- The levels of each categorical feature of a model version, in order:
-- the first is the reference level of R's treatment coding.
CREATE TABLE learn.encodings (
	model_id		bigint NOT NULL REFERENCES learn.models (id) ON DELETE CASCADE,
	feature			text NOT NULL,
	position		integer NOT NULL CHECK (position >= 1),
	level			text NOT NULL,
	PRIMARY KEY (model_id, feature, position),
	UNIQUE (model_id, feature, level)
);

COMMENT ON TABLE learn.encodings IS 'The levels of each categorical feature of a model version, in coefficient order; scoring reads them';
COMMENT ON COLUMN learn.encodings.model_id IS 'The model version (learn.models.id)';
COMMENT ON COLUMN learn.encodings.feature IS 'The categorical feature (an element of learn.models.features)';
COMMENT ON COLUMN learn.encodings.position IS '1 for the first level in the column''s order (the reference level when the model has an intercept), then 2, 3, ...';
COMMENT ON COLUMN learn.encodings.level IS 'The level: the text of the column''s value (value::text); its term is "feature=level" in learn.coefficients';

SELECT pg_catalog.pg_extension_config_dump('learn.encodings', '');
GRANT SELECT ON learn.encodings TO PUBLIC;

-- A scoring trigger: BEFORE INSERT OR UPDATE ... FOR EACH ROW EXECUTE
-- FUNCTION learn.score_trigger('model', 'column' [, 'class']).
CREATE FUNCTION learn.score_trigger() RETURNS trigger
	AS 'MODULE_PATHNAME', 'learn_score_trigger' LANGUAGE C;
COMMENT ON FUNCTION learn.score_trigger() IS 'Trigger: writes the new row''s prediction by model tgargs[0] into column tgargs[1] (a regression''s value, a classifier''s probability of the last class or of tgargs[2], its class or its label, by the column''s type)';

-- (end of categorical features and feature expressions)
