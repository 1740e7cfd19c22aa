/* pg_learn--0.1--0.2.sql: schema ownership, name rows, named states */

\echo Use "ALTER EXTENSION pg_learn UPDATE TO '0.2'" to load this file. \quit

-------------------------------------------------------------------------
-- Schema learn belongs to the owner of the extension's objects, never to
-- the role that ran CREATE EXTENSION: nobody else may create objects in
-- it, so no overload or operator can capture a call between pg_learn's
-- own objects.  Version 0.1 left the schema to the installing role; if
-- that role put anything into it, the update stops and names it.
-------------------------------------------------------------------------

-- Nothing below may resolve a name through a schema that someone else
-- could have written to: in 0.1 the installing role owned schema learn and
-- could have put an operator there (say =(oid, regnamespace)) that would
-- be a better match than pg_catalog's and run as the superuser running
-- this script.  So the path is pg_catalog alone, and every operator below
-- is written OPERATOR(pg_catalog.x) between operands of exactly its types.
SET LOCAL search_path = pg_catalog, pg_temp;

DO $$
DECLARE
	learn_ns pg_catalog.oid := pg_catalog.to_regnamespace('learn')::pg_catalog.oid;
	pg_learn_ext pg_catalog.oid;
	catalog_owner pg_catalog.oid;
	strangers pg_catalog.text;
	grantee pg_catalog.oid;
BEGIN
	SELECT e.oid INTO pg_learn_ext FROM pg_catalog.pg_extension e
	 WHERE e.extname OPERATOR(pg_catalog.=) 'pg_learn'::pg_catalog.name;
	SELECT c.relowner INTO catalog_owner FROM pg_catalog.pg_class c
	 WHERE c.oid OPERATOR(pg_catalog.=) 'learn.models'::pg_catalog.regclass::pg_catalog.oid;

	-- Every object in schema learn, and every member of pg_learn anywhere,
	-- must belong to the owner of the catalog (the superuser that runs
	-- pg_learn's scripts) and be a member of pg_learn, or be part of such a
	-- member (row and array types, indexes, the identity sequence).
	-- Anything else was put there by someone else, also an object that its
	-- owner added to the extension with ALTER EXTENSION ... ADD.
	WITH members AS (
		SELECT d.classid, d.objid FROM pg_catalog.pg_depend d
		 WHERE d.refclassid OPERATOR(pg_catalog.=)
			   'pg_catalog.pg_extension'::pg_catalog.regclass::pg_catalog.oid
		   AND d.refobjid OPERATOR(pg_catalog.=) pg_learn_ext
		   AND d.deptype OPERATOR(pg_catalog.=) 'e'::"char")
	SELECT pg_catalog.string_agg(pg_catalog.concat(i.type, ' ', i.identity), ', '
								 ORDER BY i.type, i.identity)
	  INTO strangers
	  FROM (SELECT 'pg_catalog.pg_proc'::pg_catalog.regclass::pg_catalog.oid AS classid,
				   p.oid AS objid, p.proowner AS owner
			  FROM pg_catalog.pg_proc p WHERE p.pronamespace OPERATOR(pg_catalog.=) learn_ns
				 OR p.oid OPERATOR(pg_catalog.=) ANY (SELECT m.objid FROM members m WHERE m.classid
					 OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass::pg_catalog.oid)
			UNION ALL
			SELECT 'pg_catalog.pg_operator'::pg_catalog.regclass::pg_catalog.oid, o.oid, o.oprowner
			  FROM pg_catalog.pg_operator o WHERE o.oprnamespace OPERATOR(pg_catalog.=) learn_ns
				 OR o.oid OPERATOR(pg_catalog.=) ANY (SELECT m.objid FROM members m WHERE m.classid
					 OPERATOR(pg_catalog.=) 'pg_catalog.pg_operator'::pg_catalog.regclass::pg_catalog.oid)
			UNION ALL
			SELECT 'pg_catalog.pg_class'::pg_catalog.regclass::pg_catalog.oid, c.oid, c.relowner
			  FROM pg_catalog.pg_class c WHERE c.relnamespace OPERATOR(pg_catalog.=) learn_ns
				 OR c.oid OPERATOR(pg_catalog.=) ANY (SELECT m.objid FROM members m WHERE m.classid
					 OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass::pg_catalog.oid)
			UNION ALL
			SELECT 'pg_catalog.pg_type'::pg_catalog.regclass::pg_catalog.oid, t.oid, t.typowner
			  FROM pg_catalog.pg_type t WHERE t.typnamespace OPERATOR(pg_catalog.=) learn_ns
				 OR t.oid OPERATOR(pg_catalog.=) ANY (SELECT m.objid FROM members m WHERE m.classid
					 OPERATOR(pg_catalog.=) 'pg_catalog.pg_type'::pg_catalog.regclass::pg_catalog.oid)
			UNION ALL
			SELECT 'pg_catalog.pg_collation'::pg_catalog.regclass::pg_catalog.oid, c.oid, c.collowner
			  FROM pg_catalog.pg_collation c WHERE c.collnamespace OPERATOR(pg_catalog.=) learn_ns
				 OR c.oid OPERATOR(pg_catalog.=) ANY (SELECT m.objid FROM members m WHERE m.classid
					 OPERATOR(pg_catalog.=) 'pg_catalog.pg_collation'::pg_catalog.regclass::pg_catalog.oid)
			UNION ALL
			SELECT 'pg_catalog.pg_conversion'::pg_catalog.regclass::pg_catalog.oid, c.oid, c.conowner
			  FROM pg_catalog.pg_conversion c WHERE c.connamespace OPERATOR(pg_catalog.=) learn_ns
				 OR c.oid OPERATOR(pg_catalog.=) ANY (SELECT m.objid FROM members m WHERE m.classid
					 OPERATOR(pg_catalog.=) 'pg_catalog.pg_conversion'::pg_catalog.regclass::pg_catalog.oid)
			UNION ALL
			SELECT 'pg_catalog.pg_ts_config'::pg_catalog.regclass::pg_catalog.oid, c.oid, c.cfgowner
			  FROM pg_catalog.pg_ts_config c WHERE c.cfgnamespace OPERATOR(pg_catalog.=) learn_ns
				 OR c.oid OPERATOR(pg_catalog.=) ANY (SELECT m.objid FROM members m WHERE m.classid
					 OPERATOR(pg_catalog.=) 'pg_catalog.pg_ts_config'::pg_catalog.regclass::pg_catalog.oid)
			UNION ALL
			SELECT 'pg_catalog.pg_ts_dict'::pg_catalog.regclass::pg_catalog.oid, d.oid, d.dictowner
			  FROM pg_catalog.pg_ts_dict d WHERE d.dictnamespace OPERATOR(pg_catalog.=) learn_ns
				 OR d.oid OPERATOR(pg_catalog.=) ANY (SELECT m.objid FROM members m WHERE m.classid
					 OPERATOR(pg_catalog.=) 'pg_catalog.pg_ts_dict'::pg_catalog.regclass::pg_catalog.oid)
			UNION ALL
			SELECT 'pg_catalog.pg_statistic_ext'::pg_catalog.regclass::pg_catalog.oid, s.oid, s.stxowner
			  FROM pg_catalog.pg_statistic_ext s WHERE s.stxnamespace OPERATOR(pg_catalog.=) learn_ns
				 OR s.oid OPERATOR(pg_catalog.=) ANY (SELECT m.objid FROM members m WHERE m.classid
					 OPERATOR(pg_catalog.=) 'pg_catalog.pg_statistic_ext'::pg_catalog.regclass::pg_catalog.oid)
		   ) AS o,
		   LATERAL pg_catalog.pg_identify_object(o.classid, o.objid, 0) AS i
	 WHERE o.owner OPERATOR(pg_catalog.<>) catalog_owner
		OR NOT EXISTS (
			SELECT FROM pg_catalog.pg_depend d
			 WHERE d.classid OPERATOR(pg_catalog.=) o.classid
			   AND d.objid OPERATOR(pg_catalog.=) o.objid
			   AND ((d.deptype OPERATOR(pg_catalog.=) 'e'::"char"
					 AND d.refclassid OPERATOR(pg_catalog.=)
						 'pg_catalog.pg_extension'::pg_catalog.regclass::pg_catalog.oid
					 AND d.refobjid OPERATOR(pg_catalog.=) pg_learn_ext)
					OR d.deptype OPERATOR(pg_catalog.=) 'i'::"char"
					OR d.deptype OPERATOR(pg_catalog.=) 'a'::"char"));
	IF strangers IS NOT NULL THEN
		RAISE EXCEPTION USING
			ERRCODE = 'object_not_in_prerequisite_state',
			MESSAGE = pg_catalog.concat('schema learn holds objects that do not belong to pg_learn: ',
										strangers),
			HINT = 'Only pg_learn may create objects in schema learn.  Drop them (or move them '
				   'to another schema) and update the extension again.';
	END IF;

	EXECUTE pg_catalog.format('ALTER SCHEMA learn OWNER TO %I',
							  pg_catalog.pg_get_userbyid(catalog_owner));

	-- whatever the former owner granted goes; everyone keeps USAGE only
	FOR grantee IN
		SELECT DISTINCT a.grantee
		  FROM pg_catalog.pg_namespace n, pg_catalog.aclexplode(n.nspacl) AS a
		 WHERE n.oid OPERATOR(pg_catalog.=) learn_ns
		   AND a.grantee OPERATOR(pg_catalog.<>) n.nspowner
	LOOP
		IF grantee OPERATOR(pg_catalog.=) 0::pg_catalog.oid THEN
			REVOKE ALL ON SCHEMA learn FROM PUBLIC;
		ELSE
			EXECUTE pg_catalog.format('REVOKE ALL ON SCHEMA learn FROM %I',
									  pg_catalog.pg_get_userbyid(grantee));
		END IF;
	END LOOP;
END
$$;

GRANT USAGE ON SCHEMA learn TO PUBLIC;

-------------------------------------------------------------------------
-- One row per model name: its owner and the last version number given.
-- train, deploy and drop_model lock it, so that they see what another
-- session committed while they waited; it outlives drop_model, so that a
-- version number is never given twice.
-------------------------------------------------------------------------

CREATE TABLE learn.names (
	name			text PRIMARY KEY
					CHECK (name OPERATOR(pg_catalog.<>) ''::pg_catalog.text
						   AND pg_catalog.strpos(name, '@') OPERATOR(pg_catalog.=) 0),
	owner			name NOT NULL,
	last_version	integer NOT NULL CHECK (last_version OPERATOR(pg_catalog.>=) 0)
);
COMMENT ON TABLE learn.names IS 'One row per model name: its owner and the highest version number ever given';
COMMENT ON COLUMN learn.names.name IS 'Model name';
COMMENT ON COLUMN learn.names.owner IS 'Role that trained the name''s first version; its members may retrain, deploy and drop';
COMMENT ON COLUMN learn.names.last_version IS 'Highest version number given to the name, dropped versions included';

INSERT INTO learn.names (name, owner, last_version)
SELECT DISTINCT ON (name) name, trained_by, pg_catalog.max(version) OVER (PARTITION BY name)
  FROM learn.models
 ORDER BY name, version;

SELECT pg_catalog.pg_extension_config_dump('learn.names', '');
GRANT SELECT ON learn.names TO PUBLIC;

-------------------------------------------------------------------------
-- Group keys: the text of a value of an enum or a reg* type can change
-- (a renamed label, another search_path), so the key function is STABLE;
-- training refuses reg* group columns.
-------------------------------------------------------------------------

ALTER FUNCTION learn._key_text(anyelement) STABLE;

-------------------------------------------------------------------------
-- States that name their features: a state made with the names of its
-- features merges only with states of the same names (22P03).
-------------------------------------------------------------------------

CREATE FUNCTION learn._linear_named_trans(internal, float8, float8, text[], VARIADIC "any")
RETURNS internal AS 'MODULE_PATHNAME', 'linear_named_trans'
LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION learn._linear_named_trans(internal, float8, float8, text[], VARIADIC "any") IS 'Transition function of learn.linear_partial with feature names';

CREATE AGGREGATE learn.linear_partial(y float8, w float8, features text[], VARIADIC x "any") (
	SFUNC = learn._linear_named_trans,
	STYPE = internal,
	COMBINEFUNC = learn._linear_combine,
	SERIALFUNC = learn._linear_serial,
	DESERIALFUNC = learn._linear_deserial,
	FINALFUNC = learn._linear_final_state,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE learn.linear_partial(float8, float8, text[], VARIADIC "any") IS 'One-pass least-squares state of (y, weight, features...) as bytea, stamped with the feature names: it merges only with states of the same features';

-------------------------------------------------------------------------
-- The robust pass as one scan: each group's coefficients travel in one
-- bytea parameter, decoded once per worker, instead of a join of the data
-- to a table of coefficients.
-------------------------------------------------------------------------

CREATE FUNCTION learn._meat_pass_trans(internal, bytea, integer, float8, float8, VARIADIC "any")
RETURNS internal AS 'MODULE_PATHNAME', 'meat_pass_trans'
LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION learn._meat_pass_trans(internal, bytea, integer, float8, float8, VARIADIC "any") IS 'Transition function of learn._linear_meat with a pass parameter';

CREATE AGGREGATE learn._linear_meat(param bytea, ngroupcols integer, y float8, w float8, VARIADIC x "any") (
	SFUNC = learn._meat_pass_trans,
	STYPE = internal,
	COMBINEFUNC = learn._meat_combine,
	SERIALFUNC = learn._meat_serial,
	DESERIALFUNC = learn._meat_deserial,
	FINALFUNC = learn._meat_final,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE learn._linear_meat(bytea, integer, float8, float8, VARIADIC "any") IS 'The meat of sandwich standard errors, per group, in one grouped scan: each group''s coefficients come from param (ngroupcols group columns lead the features)';

-------------------------------------------------------------------------
-- One row per group of a grouped model.  learn.models.metrics of a grouped
-- model keeps only a summary (rows, groups fitted and not); versions
-- trained by 0.1 keep their metrics.groups as they were (a version's
-- content never changes) and get their rows here too.
-------------------------------------------------------------------------

CREATE TABLE learn.groups (
	model_id		bigint NOT NULL REFERENCES learn.models (id) ON DELETE CASCADE,
	group_key		text[] NOT NULL,
	n_rows			bigint NOT NULL,
	n_skipped		bigint NOT NULL,
	fitted			boolean NOT NULL,
	reason			text,
	metrics			jsonb NOT NULL DEFAULT '{}',
	PRIMARY KEY (model_id, group_key),
	CHECK (fitted OPERATOR(pg_catalog.=) (reason IS NULL))
);
COMMENT ON TABLE learn.groups IS 'One row per group of a grouped model: its rows, whether it was fitted (or why not) and its metrics';
COMMENT ON COLUMN learn.groups.model_id IS 'The model version (learn.models.id)';
COMMENT ON COLUMN learn.groups.group_key IS 'The group''s values as text in group_by order, as in learn.coefficients';
COMMENT ON COLUMN learn.groups.n_rows IS 'Rows the group''s fit used';
COMMENT ON COLUMN learn.groups.n_skipped IS 'Rows of the group skipped because a used column was NULL';
COMMENT ON COLUMN learn.groups.fitted IS 'Whether the group was fitted (its terms are in learn.coefficients)';
COMMENT ON COLUMN learn.groups.reason IS 'Why the group was not fitted; NULL when it was';
COMMENT ON COLUMN learn.groups.metrics IS 'The group''s fit metrics, with the keys of learn.models.metrics; {} when not fitted';

INSERT INTO learn.groups (model_id, group_key, n_rows, n_skipped, fitted, reason, metrics)
SELECT m.id, g.key::pg_catalog.text[], (g.value OPERATOR(pg_catalog.->>) 'n')::pg_catalog.int8,
	   (g.value OPERATOR(pg_catalog.->>) 'n_skipped')::pg_catalog.int8,
	   NOT (g.value OPERATOR(pg_catalog.?) 'error'),
	   g.value OPERATOR(pg_catalog.->>) 'error',
	   CASE WHEN g.value OPERATOR(pg_catalog.?) 'error' THEN '{}'::pg_catalog.jsonb
			ELSE g.value END
  FROM learn.models m,
	   LATERAL pg_catalog.jsonb_each(m.metrics OPERATOR(pg_catalog.->) 'groups') AS g(key, value)
 WHERE m.group_by IS NOT NULL;

SELECT pg_catalog.pg_extension_config_dump('learn.groups', '');
GRANT SELECT ON learn.groups TO PUBLIC;
