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

-- (end of scoring from any driver, views and comments)

-------------------------------------------------------------------------
-- Categorical features and feature expressions
-------------------------------------------------------------------------

-- (end of categorical features and feature expressions)
