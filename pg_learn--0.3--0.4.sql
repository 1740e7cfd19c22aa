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

-- (end of categorical features and feature expressions)
