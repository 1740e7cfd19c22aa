/* pg_learn--0.6--0.7.sql: the planner's estimate of the memory of a group
 * of pg_learn's aggregates */

\echo Use "ALTER EXTENSION pg_learn UPDATE TO '0.7'" to load this file. \quit

SET LOCAL search_path = pg_catalog, pg_temp;

-------------------------------------------------------------------------
-- An aggregate whose state is internal and declares no SSPACE is planned
-- as if each group's state took 8 kB (ALLOCSET_DEFAULT_INITSIZE).  A hash
-- aggregate then keeps at most hash_mem / 8 kB groups in memory before it
-- spills its input to disk, whatever the states really take: a training
-- grouped by 5,000 groups (4 MB of states) spilled 50 MB of its input at
-- the default work_mem, and its aggregate took 1.5 times as long.  SSPACE
-- is the state of a group of a model of a few features (about 700 bytes;
-- a metric's sums: about 300), measured; a larger state still spills by
-- the memory it really takes.  CREATE OR REPLACE keeps each aggregate's
-- OID, so views and functions that use them are untouched.  learn.auc
-- keeps every score of its group and keeps the default.
-------------------------------------------------------------------------

CREATE OR REPLACE AGGREGATE learn.linear_partial(y float8, w float8, VARIADIC x "any") (
	SFUNC = learn._linear_trans,
	STYPE = internal,
	COMBINEFUNC = learn._linear_combine,
	SERIALFUNC = learn._linear_serial,
	DESERIALFUNC = learn._linear_deserial,
	FINALFUNC = learn._linear_final_state,
	PARALLEL = SAFE,
	SSPACE = 768
);

CREATE OR REPLACE AGGREGATE learn.linear_merge(bytea) (
	SFUNC = learn._linear_merge_trans,
	STYPE = internal,
	COMBINEFUNC = learn._linear_combine,
	SERIALFUNC = learn._linear_serial,
	DESERIALFUNC = learn._linear_deserial,
	FINALFUNC = learn._linear_final_state,
	PARALLEL = SAFE,
	SSPACE = 768
);

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
	MFINALFUNC_MODIFY = READ_ONLY,
	SSPACE = 768
);

CREATE OR REPLACE AGGREGATE learn.linreg_partial(y float8, x float8[]) (
	SFUNC = learn._linreg_trans,
	STYPE = internal,
	COMBINEFUNC = learn._linear_combine,
	SERIALFUNC = learn._linear_serial,
	DESERIALFUNC = learn._linear_deserial,
	FINALFUNC = learn._linear_final_state,
	PARALLEL = SAFE,
	SSPACE = 768
);

CREATE OR REPLACE AGGREGATE learn.linreg_merge(bytea) (
	SFUNC = learn._linear_merge_trans,
	STYPE = internal,
	COMBINEFUNC = learn._linear_combine,
	SERIALFUNC = learn._linear_serial,
	DESERIALFUNC = learn._linear_deserial,
	FINALFUNC = learn._linreg_final,
	PARALLEL = SAFE,
	SSPACE = 768
);

CREATE OR REPLACE AGGREGATE learn._linear_meat(coef float8[], y float8, w float8, VARIADIC x "any") (
	SFUNC = learn._meat_trans,
	STYPE = internal,
	COMBINEFUNC = learn._meat_combine,
	SERIALFUNC = learn._meat_serial,
	DESERIALFUNC = learn._meat_deserial,
	FINALFUNC = learn._meat_final,
	PARALLEL = SAFE,
	SSPACE = 768
);

CREATE OR REPLACE AGGREGATE learn.linear_partial(y float8, w float8, features text[], VARIADIC x "any") (
	SFUNC = learn._linear_named_trans,
	STYPE = internal,
	COMBINEFUNC = learn._linear_combine,
	SERIALFUNC = learn._linear_serial,
	DESERIALFUNC = learn._linear_deserial,
	FINALFUNC = learn._linear_final_state,
	PARALLEL = SAFE,
	SSPACE = 768
);

CREATE OR REPLACE AGGREGATE learn._linear_meat(param bytea, ngroupcols integer, y float8, w float8, VARIADIC x "any") (
	SFUNC = learn._meat_pass_trans,
	STYPE = internal,
	COMBINEFUNC = learn._meat_combine,
	SERIALFUNC = learn._meat_serial,
	DESERIALFUNC = learn._meat_deserial,
	FINALFUNC = learn._meat_final,
	PARALLEL = SAFE,
	SSPACE = 768
);

CREATE OR REPLACE AGGREGATE learn._glm_pass(param bytea, ngroupcols integer, spec integer, target text,
								 y float8, w float8, "offset" float8, VARIADIC x "any") (
	SFUNC = learn._glm_pass_trans,
	STYPE = internal,
	FINALFUNC = learn._glm_pass_final,
	COMBINEFUNC = learn._glm_pass_combine,
	SERIALFUNC = learn._glm_pass_serial,
	DESERIALFUNC = learn._glm_pass_deserial,
	PARALLEL = SAFE,
	SSPACE = 768
);

CREATE OR REPLACE AGGREGATE learn.r2(y float8, yhat float8) (
	SFUNC = learn._regression_trans,
	STYPE = internal,
	FINALFUNC = learn._r2_final,
	COMBINEFUNC = learn._metric_combine,
	SERIALFUNC = learn._metric_serial,
	DESERIALFUNC = learn._metric_deserial,
	PARALLEL = SAFE,
	SSPACE = 320
);

CREATE OR REPLACE AGGREGATE learn.mse(y float8, yhat float8) (
	SFUNC = learn._regression_trans,
	STYPE = internal,
	FINALFUNC = learn._mse_final,
	COMBINEFUNC = learn._metric_combine,
	SERIALFUNC = learn._metric_serial,
	DESERIALFUNC = learn._metric_deserial,
	PARALLEL = SAFE,
	SSPACE = 320
);

CREATE OR REPLACE AGGREGATE learn.rmse(y float8, yhat float8) (
	SFUNC = learn._regression_trans,
	STYPE = internal,
	FINALFUNC = learn._rmse_final,
	COMBINEFUNC = learn._metric_combine,
	SERIALFUNC = learn._metric_serial,
	DESERIALFUNC = learn._metric_deserial,
	PARALLEL = SAFE,
	SSPACE = 320
);

CREATE OR REPLACE AGGREGATE learn.mae(y float8, yhat float8) (
	SFUNC = learn._regression_trans,
	STYPE = internal,
	FINALFUNC = learn._mae_final,
	COMBINEFUNC = learn._metric_combine,
	SERIALFUNC = learn._metric_serial,
	DESERIALFUNC = learn._metric_deserial,
	PARALLEL = SAFE,
	SSPACE = 320
);

CREATE OR REPLACE AGGREGATE learn.accuracy(actual text, predicted text) (
	SFUNC = learn._accuracy_trans,
	STYPE = internal,
	FINALFUNC = learn._accuracy_final,
	COMBINEFUNC = learn._metric_combine,
	SERIALFUNC = learn._metric_serial,
	DESERIALFUNC = learn._metric_deserial,
	PARALLEL = SAFE,
	SSPACE = 320
);

CREATE OR REPLACE AGGREGATE learn.accuracy(actual anycompatible, predicted anycompatible) (
	SFUNC = learn._accuracy_trans,
	STYPE = internal,
	FINALFUNC = learn._accuracy_final,
	COMBINEFUNC = learn._metric_combine,
	SERIALFUNC = learn._metric_serial,
	DESERIALFUNC = learn._metric_deserial,
	PARALLEL = SAFE,
	SSPACE = 320
);

CREATE OR REPLACE AGGREGATE learn.precision(actual boolean, predicted boolean) (
	SFUNC = learn._binary_trans,
	STYPE = internal,
	FINALFUNC = learn._precision_final,
	COMBINEFUNC = learn._metric_combine,
	SERIALFUNC = learn._metric_serial,
	DESERIALFUNC = learn._metric_deserial,
	PARALLEL = SAFE,
	SSPACE = 320
);

CREATE OR REPLACE AGGREGATE learn.recall(actual boolean, predicted boolean) (
	SFUNC = learn._binary_trans,
	STYPE = internal,
	FINALFUNC = learn._recall_final,
	COMBINEFUNC = learn._metric_combine,
	SERIALFUNC = learn._metric_serial,
	DESERIALFUNC = learn._metric_deserial,
	PARALLEL = SAFE,
	SSPACE = 320
);

CREATE OR REPLACE AGGREGATE learn.f1(actual boolean, predicted boolean) (
	SFUNC = learn._binary_trans,
	STYPE = internal,
	FINALFUNC = learn._f1_final,
	COMBINEFUNC = learn._metric_combine,
	SERIALFUNC = learn._metric_serial,
	DESERIALFUNC = learn._metric_deserial,
	PARALLEL = SAFE,
	SSPACE = 320
);

CREATE OR REPLACE AGGREGATE learn.log_loss(actual boolean, p float8) (
	SFUNC = learn._log_loss_trans,
	STYPE = internal,
	FINALFUNC = learn._log_loss_final,
	COMBINEFUNC = learn._metric_combine,
	SERIALFUNC = learn._metric_serial,
	DESERIALFUNC = learn._metric_deserial,
	PARALLEL = SAFE,
	SSPACE = 320
);

CREATE OR REPLACE AGGREGATE learn.confusion_matrix(actual text, predicted text) (
	SFUNC = learn._confusion_trans,
	STYPE = internal,
	FINALFUNC = learn._confusion_final,
	COMBINEFUNC = learn._confusion_combine,
	SERIALFUNC = learn._confusion_serial,
	DESERIALFUNC = learn._confusion_deserial,
	PARALLEL = SAFE,
	SSPACE = 768
);
