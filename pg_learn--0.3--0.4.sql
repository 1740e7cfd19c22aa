/* pg_learn--0.3--0.4.sql: real tables in, honest numbers out (categorical
 * features, feature expressions, evaluation, views for BI tools, scoring
 * from any driver) */

\echo Use "ALTER EXTENSION pg_learn UPDATE TO '0.4'" to load this file. \quit

SET LOCAL search_path = pg_catalog, pg_temp;

-------------------------------------------------------------------------
-- Metric aggregates (src/metrics.c)
-------------------------------------------------------------------------

-- (end of the metric aggregates)

-------------------------------------------------------------------------
-- Scoring from any driver; views for BI tools; comments
-------------------------------------------------------------------------

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

-- (end of scoring from any driver, views and comments)

-------------------------------------------------------------------------
-- Categorical features and feature expressions
-------------------------------------------------------------------------

-- (end of categorical features and feature expressions)
