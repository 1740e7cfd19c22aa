/* pg_learn--0.5--0.6.sql: models as mergeable states (learn.states,
 * learn.update) and training across postgres_fdw shards */

\echo Use "ALTER EXTENSION pg_learn UPDATE TO '0.6'" to load this file. \quit

SET LOCAL search_path = pg_catalog, pg_temp;

-------------------------------------------------------------------------
-- Models as mergeable states: the final aggregate state of each group of
-- a model whose state merges exactly (a linear model without robust
-- standard errors), so that learn.update adds new rows to a model without
-- reading the old ones.  A state holds more than the coefficients (the
-- triangular factor of the training rows' cross products): it is not
-- readable by PUBLIC; learn._states gives a model's states to the roles
-- that may add versions to its name.
-------------------------------------------------------------------------
CREATE TABLE learn.states (
	model_id		bigint NOT NULL REFERENCES learn.models (id) ON DELETE CASCADE,
	group_key		text[] NOT NULL DEFAULT '{}',
	state			bytea NOT NULL,
	PRIMARY KEY (model_id, group_key)
);
COMMENT ON TABLE learn.states IS 'The final aggregate state of each group of a mergeable model version (a linear model without robust standard errors): what learn.update merges new rows into; readable through learn._states by the roles that own the model''s name';
COMMENT ON COLUMN learn.states.model_id IS 'The model version (learn.models.id)';
COMMENT ON COLUMN learn.states.group_key IS 'The group''s values as text in group_by order, as in learn.groups; ''{}'' for an ungrouped model';
COMMENT ON COLUMN learn.states.state IS 'The group''s serialized state (as learn.linear_partial returns it), stamped with the model''s terms';
SELECT pg_catalog.pg_extension_config_dump('learn.states', '');

-- The extension's owner (the database owner who created the trusted
-- extension, or a superuser) reads them too, and the value of the model
-- id sequence, so that it can pg_dump the database, whose dump holds both
-- (before 0.6 such a dump stopped at the sequence).
DO $$
DECLARE
	owner text := (SELECT pg_catalog.pg_get_userbyid(x.extowner)
					 FROM pg_catalog.pg_extension x
					WHERE x.extname OPERATOR(pg_catalog.=) 'pg_learn');
BEGIN
	EXECUTE pg_catalog.format('GRANT SELECT ON learn.states TO %I', owner);
	EXECUTE pg_catalog.format('GRANT SELECT ON SEQUENCE learn.models_id_seq TO %I', owner);
END
$$;

CREATE FUNCTION learn._states(model_id bigint)
RETURNS TABLE (group_key text[], state bytea) AS 'MODULE_PATHNAME', 'learn_model_states'
LANGUAGE C STRICT STABLE PARALLEL RESTRICTED ROWS 10;
COMMENT ON FUNCTION learn._states(bigint) IS 'The stored states of a model version (learn.states), for a role that may add versions to its name (42501 otherwise); learn.update reads them';

CREATE FUNCTION learn.update(model text, source text)
RETURNS learn.models AS 'MODULE_PATHNAME', 'learn_update'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION learn.update(text, text) IS 'Adds the rows of source (a table, view or query) to a mergeable model version (''name'': the deployed one, or ''name@N''): merges their state with the stored one, without reading the old rows, and stores the result as a new version with the same features, encodings and params (params.updated_from names the parent); equal to training on all the rows at once';

-------------------------------------------------------------------------
-- Training across postgres_fdw shards: each shard computes its state
-- without the feature names (postgres_fdw sends no aggregate whose text
-- argument is a constant), and the coordinator names the merged state.
-------------------------------------------------------------------------

CREATE FUNCTION learn._linear_stamp(state bytea, features text[])
RETURNS bytea AS 'MODULE_PATHNAME', 'linear_stamp'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION learn._linear_stamp(bytea, text[]) IS 'A linear state made without feature names, stamped with them (learn.train merges the states of postgres_fdw shards so); NULL for a state merged from none';
