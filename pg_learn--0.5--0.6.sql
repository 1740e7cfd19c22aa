/* pg_learn--0.5--0.6.sql: models as mergeable states (learn.states,
 * learn.update) and training across postgres_fdw shards */

\echo Use "ALTER EXTENSION pg_learn UPDATE TO '0.6'" to load this file. \quit

SET LOCAL search_path = pg_catalog, pg_temp;
