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

-- (end of scoring from any driver, views and comments)

-------------------------------------------------------------------------
-- Categorical features and feature expressions
-------------------------------------------------------------------------


-- The levels of each categorical feature of a model version, in order:
-- the first is the reference level of R's treatment coding.
CREATE TABLE learn.encodings (
	model_id		bigint NOT NULL REFERENCES learn.models (id) ON DELETE CASCADE,
	feature			text NOT NULL,
	position		integer NOT NULL CHECK (position >= 1),
	level			text NOT NULL,
	PRIMARY KEY (model_id, feature, position),
	UNIQUE (model_id, feature, level)
);

COMMENT ON TABLE learn.encodings IS 'The levels of each categorical feature of a model version, in coefficient order; scoring reads them';
COMMENT ON COLUMN learn.encodings.model_id IS 'The model version (learn.models.id)';
COMMENT ON COLUMN learn.encodings.feature IS 'The categorical feature (an element of learn.models.features)';
COMMENT ON COLUMN learn.encodings.position IS '1 for the first level in the column''s order (the reference level when the model has an intercept), then 2, 3, ...';
COMMENT ON COLUMN learn.encodings.level IS 'The level: the text of the column''s value (value::text); its term is "feature=level" in learn.coefficients';

SELECT pg_catalog.pg_extension_config_dump('learn.encodings', '');
GRANT SELECT ON learn.encodings TO PUBLIC;

-- A scoring trigger: BEFORE INSERT OR UPDATE ... FOR EACH ROW EXECUTE
-- FUNCTION learn.score_trigger('model', 'column' [, 'class']).
CREATE FUNCTION learn.score_trigger() RETURNS trigger
	AS 'MODULE_PATHNAME', 'learn_score_trigger' LANGUAGE C;
COMMENT ON FUNCTION learn.score_trigger() IS 'Trigger: writes the new row''s prediction by model tgargs[0] into column tgargs[1] (a regression''s value, a classifier''s probability of the last class or of tgargs[2], its class or its label, by the column''s type)';

-- (end of categorical features and feature expressions)
