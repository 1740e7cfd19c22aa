/* pg_learn--0.1--0.2.sql: schema ownership, name rows, named states */

\echo Use "ALTER EXTENSION pg_learn UPDATE TO '0.2'" to load this file. \quit

-------------------------------------------------------------------------
-- Schema learn belongs to the owner of the extension's objects, never to
-- the role that ran CREATE EXTENSION: nobody else may create objects in
-- it, so no overload or operator can capture a call between pg_learn's
-- own objects.  Version 0.1 left the schema to the installing role; if
-- that role put anything into it, the update stops and names it.
-------------------------------------------------------------------------

DO $$
DECLARE
	catalog_owner pg_catalog.name;
	strangers text;
	grantee pg_catalog.oid;
BEGIN
	SELECT pg_catalog.string_agg(i.type OPERATOR(pg_catalog.||) ' ' OPERATOR(pg_catalog.||) i.identity,
								 ', ' ORDER BY i.type, i.identity)
	  INTO strangers
	  FROM (SELECT 'pg_catalog.pg_proc'::pg_catalog.regclass AS classid, p.oid AS objid
			  FROM pg_catalog.pg_proc p WHERE p.pronamespace = 'learn'::pg_catalog.regnamespace
			UNION ALL
			SELECT 'pg_catalog.pg_operator'::pg_catalog.regclass, o.oid
			  FROM pg_catalog.pg_operator o WHERE o.oprnamespace = 'learn'::pg_catalog.regnamespace
			UNION ALL
			SELECT 'pg_catalog.pg_class'::pg_catalog.regclass, c.oid
			  FROM pg_catalog.pg_class c WHERE c.relnamespace = 'learn'::pg_catalog.regnamespace
			UNION ALL
			SELECT 'pg_catalog.pg_type'::pg_catalog.regclass, t.oid
			  FROM pg_catalog.pg_type t WHERE t.typnamespace = 'learn'::pg_catalog.regnamespace
			UNION ALL
			SELECT 'pg_catalog.pg_collation'::pg_catalog.regclass, c.oid
			  FROM pg_catalog.pg_collation c WHERE c.collnamespace = 'learn'::pg_catalog.regnamespace
			UNION ALL
			SELECT 'pg_catalog.pg_conversion'::pg_catalog.regclass, c.oid
			  FROM pg_catalog.pg_conversion c WHERE c.connamespace = 'learn'::pg_catalog.regnamespace
			UNION ALL
			SELECT 'pg_catalog.pg_ts_config'::pg_catalog.regclass, c.oid
			  FROM pg_catalog.pg_ts_config c WHERE c.cfgnamespace = 'learn'::pg_catalog.regnamespace
			UNION ALL
			SELECT 'pg_catalog.pg_ts_dict'::pg_catalog.regclass, d.oid
			  FROM pg_catalog.pg_ts_dict d WHERE d.dictnamespace = 'learn'::pg_catalog.regnamespace
			UNION ALL
			SELECT 'pg_catalog.pg_statistic_ext'::pg_catalog.regclass, s.oid
			  FROM pg_catalog.pg_statistic_ext s WHERE s.stxnamespace = 'learn'::pg_catalog.regnamespace
		   ) AS o,
		   LATERAL pg_catalog.pg_identify_object(o.classid, o.objid, 0) AS i
	 WHERE NOT EXISTS (
			-- members of the extension, and what belongs to a member (row
			-- and array types, indexes, the identity sequence)
			SELECT 1 FROM pg_catalog.pg_depend d
			 WHERE d.classid = o.classid AND d.objid = o.objid
			   AND d.deptype OPERATOR(pg_catalog.=) ANY (ARRAY['e', 'i', 'a']::"char"[]));
	IF strangers IS NOT NULL THEN
		RAISE EXCEPTION USING
			ERRCODE = 'object_not_in_prerequisite_state',
			MESSAGE = 'schema learn holds objects that do not belong to pg_learn: ' || strangers,
			HINT = 'Only pg_learn may create objects in schema learn.  Drop them (or move them '
				   'to another schema) and update the extension again.';
	END IF;

	SELECT pg_catalog.pg_get_userbyid(c.relowner) INTO catalog_owner
	  FROM pg_catalog.pg_class c
	 WHERE c.oid = 'learn.models'::pg_catalog.regclass;
	EXECUTE pg_catalog.format('ALTER SCHEMA learn OWNER TO %I', catalog_owner);

	-- whatever the former owner granted goes; everyone keeps USAGE only
	FOR grantee IN
		SELECT DISTINCT a.grantee
		  FROM pg_catalog.pg_namespace n, pg_catalog.aclexplode(n.nspacl) AS a
		 WHERE n.oid = 'learn'::pg_catalog.regnamespace
		   AND a.grantee OPERATOR(pg_catalog.<>) n.nspowner
	LOOP
		IF grantee = 0 THEN
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
	name			text PRIMARY KEY CHECK (name <> '' AND strpos(name, '@') = 0),
	owner			name NOT NULL,
	last_version	integer NOT NULL CHECK (last_version >= 0)
);
COMMENT ON TABLE learn.names IS 'One row per model name: its owner and the highest version number ever given';
COMMENT ON COLUMN learn.names.name IS 'Model name';
COMMENT ON COLUMN learn.names.owner IS 'Role that trained the name''s first version; its members may retrain, deploy and drop';
COMMENT ON COLUMN learn.names.last_version IS 'Highest version number given to the name, dropped versions included';

INSERT INTO learn.names (name, owner, last_version)
SELECT DISTINCT ON (name) name, trained_by, max(version) OVER (PARTITION BY name)
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
