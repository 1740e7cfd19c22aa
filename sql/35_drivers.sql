--
-- Scoring by name as drivers call it: node-postgres, psqlODBC and PREPARE
-- without types send parameters of type unknown, as a quoted literal is.
-- learn.predict, learn.predict_proba and learn.predict_label resolve them
-- to their text forms, which read the text as float8[]; arguments of
-- known types resolve as before, and the row form is still rewritten.
--
SET extra_float_digits = 0;
SELECT 1 FROM learn.train('drv_mpg', 'linear', 'mtcars', 'mpg', '{wt,hp,qsec}');
SELECT 1 FROM learn.train('drv_am', 'logistic', 'mtcars', 'am', '{wt,hp}');
CREATE TABLE drv_three AS
SELECT (ARRAY['a', 'b', 'c'])[1 + i % 3] AS k, sin(i) AS x1, cos(i * 1.7) AS x2
  FROM generate_series(1, 300) i;
SELECT 1 FROM learn.train('drv_k', 'multinomial', 'drv_three', 'k', '{x1,x2}');
SELECT 1 FROM learn.train('drv_grouped', 'linear', 'mtcars', 'mpg', '{wt}', group_by => '{am}');

-- PREPARE with untyped parameters: they become text, and EXECUTE takes
-- literals (a JDBC or ODBC client that prepares sends the same)
PREPARE drv_predict AS SELECT round(learn.predict($1, $2)::numeric, 6) AS predict;
PREPARE drv_proba AS SELECT round(learn.predict_proba($1, $2)::numeric, 6) AS proba;
PREPARE drv_proba_class AS SELECT round(learn.predict_proba($1, $2, $3)::numeric, 6) AS proba;
PREPARE drv_label AS SELECT learn.predict_label($1, $2);
SELECT name, parameter_types FROM pg_prepared_statements
 WHERE name LIKE 'drv\_%' ORDER BY name;
EXECUTE drv_predict('drv_mpg', '{2.8,120,18}');
EXECUTE drv_proba('drv_am', '{2.8,120}');
EXECUTE drv_proba_class('drv_am', '{2.8,120}', '0');
EXECUTE drv_label('drv_am', '{2.8,120}');
EXECUTE drv_proba_class('drv_k', '{0.5,-0.5}', 'b');
EXECUTE drv_label('drv_k', '{0.5,-0.5}');
-- the same with a generic plan, as drivers that reuse a statement get
SET plan_cache_mode = force_generic_plan;
EXECUTE drv_predict('drv_mpg', '{2.8,120,18}');
EXECUTE drv_proba_class('drv_am', '{2.8,120}', '1');
EXECUTE drv_label('drv_am', '{3.5,100}');
EXECUTE drv_predict('drv_mpg', NULL);
RESET plan_cache_mode;
-- an array value passed to the text parameter is converted to its text
EXECUTE drv_predict('drv_mpg', ARRAY[2.8, 120, 18]);

-- literals, and every form against the array form
SELECT round(learn.predict('drv_mpg', '{2.8,120,18}')::numeric, 6) AS literal;
SELECT learn.predict('drv_mpg', '{2.8,120,18}') = learn.predict('drv_mpg', ARRAY[2.8, 120, 18]) AS predict,
	   learn.predict_proba('drv_am', '{2.8,120}') = learn.predict_proba('drv_am', ARRAY[2.8, 120]) AS proba,
	   learn.predict_proba('drv_am', '{2.8,120}', '0') = learn.predict_proba('drv_am', ARRAY[2.8, 120], '0') AS proba_class,
	   learn.predict_label('drv_am', '{2.8,120}') = learn.predict_label('drv_am', ARRAY[2.8, 120]) AS label,
	   learn.predict_proba('drv_k', '{0.5,-0.5}', 'c') = learn.predict_proba('drv_k', ARRAY[0.5, -0.5], 'c') AS multinomial;
-- what array literals allow: spaces, quoted elements (node-postgres
-- quotes each), explicit bounds, exponents
SELECT learn.predict('drv_mpg', ' { 2.8 , 120 , 18 } ') = learn.predict('drv_mpg', ARRAY[2.8, 120, 18]) AS spaces,
	   learn.predict('drv_mpg', '{"2.8","120","18"}') = learn.predict('drv_mpg', ARRAY[2.8, 120, 18]) AS quoted,
	   learn.predict('drv_mpg', '[0:2]={2.8,120,18}') = learn.predict('drv_mpg', ARRAY[2.8, 120, 18]) AS bounds,
	   learn.predict('drv_mpg', '{2.8e0,1.2E2,18}') = learn.predict('drv_mpg', ARRAY[2.8, 120, 18]) AS exponents;
-- text and varchar values (which matched no overload before) on every row
SELECT count(*) AS rows,
	   bool_and(learn.predict('drv_mpg', format('{%s,%s,%s}', wt, hp, qsec))
				= learn.predict('drv_mpg', ARRAY[wt, hp, qsec])) AS text_values,
	   bool_and(learn.predict('drv_mpg', format('{%s,%s,%s}', wt, hp, qsec)::varchar)
				= learn.predict('drv_mpg', ARRAY[wt, hp, qsec])) AS varchar_values
  FROM mtcars;
-- parameters typed by the client: text and varchar (JDBC's setString),
-- float8[] and numeric[] (an array parameter)
PREPARE drv_typed_text(text, varchar) AS SELECT round(learn.predict($1, $2)::numeric, 6) AS predict;
PREPARE drv_typed_array(text, float8[]) AS SELECT round(learn.predict($1, $2)::numeric, 6) AS predict;
PREPARE drv_typed_numeric(varchar, numeric[]) AS SELECT learn.predict_label($1, $2);
EXECUTE drv_typed_text('drv_mpg', '{2.8,120,18}');
EXECUTE drv_typed_array('drv_mpg', '{2.8,120,18}');
EXECUTE drv_typed_numeric('drv_am', '{2.8,120}');
DEALLOCATE ALL;

-- which function each kind of argument resolves to, from what a view
-- that calls them depends on
CREATE VIEW drv_calls AS
SELECT learn.predict('drv_mpg', '{2.8,120,18}') AS unknown_literal,
	   learn.predict('drv_mpg', NULL) AS null_literal,
	   learn.predict('drv_mpg', m.model) AS text_column,
	   learn.predict('drv_mpg', ARRAY[m.wt, m.hp, m.qsec]) AS float8_array,
	   learn.predict('drv_mpg', ARRAY[m.cyl, m.hp, m.gear]) AS int_array,
	   learn.predict('drv_mpg', m) AS table_row,
	   learn.predict('drv_mpg', ROW(m.wt, m.hp, m.qsec)) AS row_constructor
  FROM mtcars m;
SELECT DISTINCT d.refobjid::regprocedure AS resolves_to
  FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid
 WHERE r.ev_class = 'drv_calls'::regclass AND d.refclassid = 'pg_proc'::regclass
 ORDER BY 1;
DROP VIEW drv_calls;

-- the row form is still rewritten by the planner, the array form untouched
EXPLAIN (VERBOSE, COSTS OFF) SELECT learn.predict('drv_mpg', m) FROM mtcars m;
EXPLAIN (VERBOSE, COSTS OFF) SELECT learn.predict_proba('drv_am', m) FROM mtcars m;
EXPLAIN (VERBOSE, COSTS OFF) SELECT learn.predict('drv_mpg', ARRAY[wt, hp, qsec]) FROM mtcars m;

-- the text forms are inlined SQL functions of the same volatility and
-- parallel safety as the array forms
SELECT p.oid::regprocedure AS function, l.lanname AS language,
	   p.provolatile, p.proparallel, p.proisstrict, p.prosecdef, p.proconfig,
	   p.prosqlbody IS NOT NULL AS sql_body
  FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
 WHERE p.pronamespace = 'learn'::regnamespace
   AND p.proname IN ('predict', 'predict_proba', 'predict_label', '_features', '_features_error')
 ORDER BY 1::text;

-- text that is not an array of numbers
SELECT try($$SELECT learn.predict('drv_mpg', '[2.8,120,18]')$$) AS json_array;
SELECT try($$SELECT learn.predict('drv_mpg', '2.8,120,18')$$) AS list;
SELECT try($$SELECT learn.predict('drv_mpg', '(2.8,120,18)')$$) AS row_text;
SELECT try($$SELECT learn.predict('drv_mpg', '')$$) AS empty;
SELECT try($$SELECT learn.predict('drv_mpg', repeat('x', 100))$$) AS long_text;
SELECT try($$SELECT learn.predict('drv_mpg', '{2.8,abc,18}')$$) AS not_a_number;
SELECT try($$SELECT learn.predict('drv_mpg', '{2.8,120')$$) AS unfinished;
SELECT try($$SELECT learn.predict('drv_mpg', '[1]')$$) AS bounds_only;
SELECT try($$SELECT learn.predict_proba('drv_am', '[2.8,120]', '0')$$) AS proba_json;
SELECT try($$SELECT learn.predict_label('drv_am', 'wt=2.8')$$) AS label_text;
-- and the array form's own errors and NULLs, through the text forms
SELECT try($$SELECT learn.predict('drv_mpg', '{2.8,120}')$$) AS too_short;
SELECT try($$SELECT learn.predict('drv_mpg', '{{2.8,120,18}}')$$) AS two_dimensions;
SELECT try($$SELECT learn.predict('drv_grouped', '{2.8}')$$) AS grouped;
SELECT try($$SELECT learn.predict(NULL, '{2.8,120,18}')$$) AS null_model;
SELECT try($$SELECT learn.predict('drv_nope', '{2.8,120,18}')$$) AS no_model;
SELECT try($$SELECT learn.predict_proba('drv_mpg', '{2.8,120,18}')$$) AS not_a_classifier;
SELECT learn.predict('drv_mpg', '{2.8,NULL,18}') IS NULL AS null_element,
	   learn.predict('drv_mpg', NULL::text) IS NULL AS null_text,
	   learn.predict_label('drv_am', NULL) IS NULL AS null_label;

-- Objects on the caller's search_path never run in the text forms: their
-- calls were bound when pg_learn was installed, and the error path runs
-- with search_path = pg_catalog, pg_temp.
CREATE SCHEMA drv_hostile;
CREATE FUNCTION drv_hostile.complain(what text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
	RAISE NOTICE 'hostile % ran', what;
	RETURN true;
END
$$;
CREATE FUNCTION drv_hostile.regex(text, text) RETURNS boolean LANGUAGE sql
	AS $$ SELECT drv_hostile.complain('~') $$;
CREATE OPERATOR drv_hostile.~ (LEFTARG = text, RIGHTARG = text, FUNCTION = drv_hostile.regex);
CREATE FUNCTION drv_hostile.cat(text, text) RETURNS text LANGUAGE sql
	AS $$ SELECT drv_hostile.complain('||')::text $$;
CREATE OPERATOR drv_hostile.|| (LEFTARG = text, RIGHTARG = text, FUNCTION = drv_hostile.cat);
CREATE FUNCTION drv_hostile.quote_literal(text) RETURNS text LANGUAGE sql
	AS $$ SELECT drv_hostile.complain('quote_literal')::text $$;
CREATE FUNCTION drv_hostile.format(text, text) RETURNS text LANGUAGE sql
	AS $$ SELECT drv_hostile.complain('format')::text $$;
CREATE FUNCTION drv_hostile.length(text) RETURNS integer LANGUAGE sql
	AS $$ SELECT drv_hostile.complain('length')::int $$;
SET search_path = drv_hostile, pg_catalog, public;
-- the probe is live: plain SQL reaches the hostile operator
SELECT 'a'::text ~ 'b'::text AS probe;
SELECT learn.predict('drv_mpg', '{2.8,120,18}') = learn.predict('drv_mpg', ARRAY[2.8, 120, 18]) AS same;
\set VERBOSITY terse
SELECT learn.predict('drv_mpg', '[2.8,120,18]');
\set VERBOSITY default
PREPARE drv_hostile_path AS SELECT learn.predict_label($1, $2);
EXECUTE drv_hostile_path('drv_am', '{2.8,120}');
DEALLOCATE drv_hostile_path;
RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA drv_hostile CASCADE;
RESET client_min_messages;
