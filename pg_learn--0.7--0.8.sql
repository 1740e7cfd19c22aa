/* pg_learn--0.7--0.8.sql: the robust pass of a grouped training keeps its
 * groups in its aggregate */

\echo Use "ALTER EXTENSION pg_learn UPDATE TO '0.8'" to load this file. \quit

SET LOCAL search_path = pg_catalog, pg_temp;

-------------------------------------------------------------------------
-- learn._linear_meat run as one ungrouped scan whose state holds a state
-- per group (the library's state/groups.c), instead of a hash aggregate
-- over the group columns: the same arguments, the value every group's key
-- and meat matrix as bytea, read by learn.train alone.  With more groups
-- than hash_mem holds, learn.train runs learn._linear_meat grouped, as
-- before (and so does a library whose catalog has not been updated).
-------------------------------------------------------------------------

CREATE FUNCTION learn._meat_groups_trans(internal, bytea, integer, float8, float8, VARIADIC "any")
RETURNS internal AS 'MODULE_PATHNAME', 'meat_groups_trans'
LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION learn._meat_groups_trans(internal, bytea, integer, float8, float8, VARIADIC "any") IS 'Transition function of learn._linear_meat_groups';

CREATE FUNCTION learn._meat_groups_final(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'meat_groups_final'
LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION learn._meat_groups_final(internal) IS 'Final function of learn._linear_meat_groups';

CREATE AGGREGATE learn._linear_meat_groups(param bytea, ngroupcols integer, y float8, w float8, VARIADIC x "any") (
	SFUNC = learn._meat_groups_trans,
	STYPE = internal,
	COMBINEFUNC = learn._meat_combine,
	SERIALFUNC = learn._meat_serial,
	DESERIALFUNC = learn._meat_deserial,
	FINALFUNC = learn._meat_groups_final,
	PARALLEL = SAFE,
	-- as learn._linear_meat's (0.7), though it is never grouped
	SSPACE = 768
);
COMMENT ON AGGREGATE learn._linear_meat_groups(bytea, integer, float8, float8, VARIADIC "any") IS 'learn._linear_meat in one ungrouped scan that keeps each group''s state itself: every group''s key and meat matrix, for learn.train';
