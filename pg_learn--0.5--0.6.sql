/* pg_learn--0.5--0.6.sql: models as mergeable states (learn.states,
 * learn.update) and training across postgres_fdw shards */

\echo Use "ALTER EXTENSION pg_learn UPDATE TO '0.6'" to load this file. \quit

SET LOCAL search_path = pg_catalog, pg_temp;

-------------------------------------------------------------------------
-- Training across postgres_fdw shards: each shard computes its state
-- without the feature names (postgres_fdw sends no aggregate whose text
-- argument is a constant), and the coordinator names the merged state.
-------------------------------------------------------------------------

CREATE FUNCTION learn._linear_stamp(state bytea, features text[])
RETURNS bytea AS 'MODULE_PATHNAME', 'linear_stamp'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION learn._linear_stamp(bytea, text[]) IS 'A linear state made without feature names, stamped with them (learn.train merges the states of postgres_fdw shards so); NULL for a state merged from none';
