/* pg_learn--0.8--0.9.sql: the IRLS passes of a grouped GLM keep their
 * groups in their aggregate */

\echo Use "ALTER EXTENSION pg_learn UPDATE TO '0.9'" to load this file. \quit

SET LOCAL search_path = pg_catalog, pg_temp;

-------------------------------------------------------------------------
-- learn._glm_pass run as one ungrouped scan whose state holds a state per
-- group (the library's state/groups.c), instead of a hash aggregate over
-- the group columns: the same arguments, the value every group's key and
-- pass state as bytea, read by learn.train alone.  With more groups than
-- hash_mem holds, or in a pass where a group keeps its rows (a logistic
-- fit's scores, for its AUC), learn.train runs learn._glm_pass grouped, as
-- before (and so does a library whose catalog has not been updated).
-------------------------------------------------------------------------

CREATE FUNCTION learn._glm_pass_groups_trans(internal, bytea, integer, integer, text, float8, float8, float8, VARIADIC "any")
RETURNS internal AS 'MODULE_PATHNAME', 'glm_pass_groups_trans'
LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION learn._glm_pass_groups_trans(internal, bytea, integer, integer, text, float8, float8, float8, VARIADIC "any") IS 'Transition function of learn._glm_pass_groups';

CREATE FUNCTION learn._glm_pass_groups_final(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'glm_pass_groups_final'
LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION learn._glm_pass_groups_final(internal) IS 'Final function of learn._glm_pass_groups';

CREATE AGGREGATE learn._glm_pass_groups(param bytea, ngroupcols integer, spec integer, target text,
										y float8, w float8, "offset" float8, VARIADIC x "any") (
	SFUNC = learn._glm_pass_groups_trans,
	STYPE = internal,
	COMBINEFUNC = learn._glm_pass_combine,
	SERIALFUNC = learn._glm_pass_serial,
	DESERIALFUNC = learn._glm_pass_deserial,
	FINALFUNC = learn._glm_pass_groups_final,
	PARALLEL = SAFE,
	-- as learn._glm_pass's, though it is never grouped
	SSPACE = 768
);
COMMENT ON AGGREGATE learn._glm_pass_groups(bytea, integer, integer, text, float8, float8, float8, VARIADIC "any") IS 'learn._glm_pass in one ungrouped scan that keeps each group''s state itself: every group''s key and pass state, for learn.train';
