--
-- Bad input: each a clear error with its SQLSTATE, and nothing stored.
--
SET extra_float_digits = 0;
CREATE TABLE bad (y float8, x1 float8, x2 int, label text, arr float8[], w float8, g int);
INSERT INTO bad SELECT i * 0.5 + (i % 3), i, i % 7, 'l' || i % 2, ARRAY[i], 1, i % 2
  FROM generate_series(1, 20) i;
CREATE TABLE empty_source (y float8, x float8);
CREATE TABLE all_null (y float8, x float8);
INSERT INTO all_null VALUES (NULL, 1), (2, NULL);
SELECT count(*) AS models_before FROM learn.models \gset

-- unknown relation, column, algorithm, parameter
SELECT try($$SELECT learn.train('m', 'linear', 'no_such_table', 'y')$$);
SELECT try($$SELECT learn.train('m', 'linear', 'public.no_such_table', 'y')$$);
SELECT try($$SELECT learn.train('m', 'linear', 'bad', 'no_such_column', '{x1}')$$);
SELECT try($$SELECT learn.train('m', 'linear', 'bad', 'y', '{x1,nope}')$$);
SELECT try($$SELECT learn.train('m', 'linear', 'bad', 'y', '{x1}', weight => 'nope')$$);
SELECT try($$SELECT learn.train('m', 'linear', 'bad', 'y', '{x1}', group_by => '{nope}')$$);
SELECT try($$SELECT learn.train('m', 'linearr', 'bad', 'y')$$);
SELECT try($$SELECT learn.train('m', 'kmeans', 'bad', 'y')$$);
SELECT try($$SELECT learn.train('m', 'linear', 'bad', 'y', '{x1}', '{"intercpt": false}')$$);
SELECT try($$SELECT learn.train('m', 'linear', 'bad', 'y', '{x1}', '{"intercept": "yes"}')$$);
SELECT try($$SELECT learn.train('m', 'linear', 'bad', 'y', '{x1}', '{"robust": "HC3"}')$$);
SELECT try($$SELECT learn.train('m', 'linear', 'bad', 'y', '{x1}', '{"max_iterations": 5}')$$);
SELECT try($$SELECT learn.train('m', 'linear', 'bad', 'y', '{x1}', '[1, 2]')$$);

-- wrong column types
SELECT try($$SELECT learn.train('m', 'linear', 'bad', 'y', '{x1,arr}')$$);
SELECT try($$SELECT learn.train('m', 'linear', 'bad', 'label', '{x1}')$$);
SELECT try($$SELECT learn.train('m', 'linear', 'bad', 'y', '{x1}', weight => 'label')$$);
-- features default to every other column: the array column is refused
SELECT try($$SELECT learn.train('m', 'linear', 'bad', 'y')$$);

-- a column in two roles, twice, or NULL arguments
SELECT try($$SELECT learn.train('m', 'linear', 'bad', 'y', '{x1,y}')$$);
SELECT try($$SELECT learn.train('m', 'linear', 'bad', 'y', '{x1,x1}')$$);
SELECT try($$SELECT learn.train('m', 'linear', 'bad', 'y', '{x1,g}', group_by => '{g}')$$);
SELECT try($$SELECT learn.train('m', 'linear', 'bad', 'y', '{x1}', weight => 'y')$$);
SELECT try($$SELECT learn.train('m', 'linear', 'bad', 'y', '{}')$$);
SELECT try($$SELECT learn.train('m', 'linear', 'bad', 'y', ARRAY['x1', NULL])$$);
SELECT try($$SELECT learn.train('m', 'linear', 'bad', NULL, '{x1}')$$);
SELECT try($$SELECT learn.train(NULL, 'linear', 'bad', 'y', '{x1}')$$);
SELECT try($$SELECT learn.train('', 'linear', 'bad', 'y', '{x1}')$$);
SELECT try($$SELECT learn.train('m@2', 'linear', 'bad', 'y', '{x1}')$$);

-- empty sources and sources with nothing usable
SELECT try($$SELECT learn.train('m', 'linear', 'empty_source', 'y')$$);
SELECT try($$SELECT learn.train('m', 'linear', 'all_null', 'y')$$);
SELECT try($$SELECT learn.train('m', 'linear', 'SELECT y, x1, 0 AS w FROM bad', 'y', '{x1}', weight => 'w')$$);
SELECT try($$SELECT learn.linear_predict('{{1,2}}', '{1}')$$);
SELECT try($$SELECT learn.train('m', 'linear', 'SELECT y, x1 FROM bad WHERE false', 'y')$$);
SELECT try($$SELECT learn.train('m', 'linear', 'SELECT y, x1 FROM bad LIMIT 1', 'y', '{x1}')$$);

-- queries: more than one statement, not a SELECT, not valid SQL
SELECT try($$SELECT learn.train('m', 'linear', 'SELECT y, x1 FROM bad; DROP TABLE bad', 'y')$$);
SELECT try($$SELECT learn.train('m', 'linear', 'SELECT 1 AS y; SELECT 2', 'y')$$);
SELECT try($$SELECT learn.train('m', 'linear', 'WITH d AS (DELETE FROM bad RETURNING *) SELECT * FROM d', 'y', '{x1}')$$);
SELECT try($$SELECT learn.train('m', 'linear', 'SELEC y FROM bad', 'y')$$);
-- a query may start with white space or comments; it must not lock rows
-- or create a table
SELECT (learn.train('m_commented', 'linear', E'\n  -- the bad rows\n/* all /* of */ them */ SELECT y, x1 FROM bad', 'y', '{x1}', '{"deploy": false}')).n_rows;
SELECT learn.drop_model('m_commented');
SELECT try($$SELECT learn.train('m', 'linear', 'SELECT y, x1 FROM bad FOR UPDATE', 'y', '{x1}')$$);
SELECT try($$SELECT learn.train('m', 'linear', 'SELECT y, x1 FROM bad FOR KEY SHARE', 'y', '{x1}')$$);
SELECT try($$SELECT learn.train('m', 'linear', 'SELECT y, x1 INTO bad_copy FROM bad', 'y', '{x1}')$$);
SELECT to_regclass('bad_copy') AS no_table_created;
-- group keys whose text depends on search_path are refused
SELECT try($$SELECT learn.train('m', 'linear', 'SELECT y, x1, ''bad''::regclass AS g FROM bad', 'y', '{x1}', group_by => '{g}')$$);
SELECT try($$SELECT learn.train('m', 'linear', 'SELECT y, x1, ARRAY[''int4''::regtype] AS g FROM bad', 'y', '{x1}', group_by => '{g}')$$);
SELECT try($$SELECT learn.train('m', 'linear', 'SELECT y, x1 FROM', 'y')$$);
SELECT count(*) AS rows_still_there FROM bad;

-- bad values in the data
SELECT try($$SELECT learn.train('m', 'linear', 'SELECT y, x1, -1.0 AS w FROM bad', 'y', '{x1}', weight => 'w')$$);
SELECT try($$SELECT learn.train('m', 'linear', 'SELECT y, CASE WHEN x1 > 3 THEN ''NaN''::float8 ELSE x1 END AS x1 FROM bad', 'y')$$);
SELECT try($$SELECT learn.train('m', 'linear', 'SELECT ''Infinity''::float8 AS y, x1 FROM bad', 'y')$$);
-- the context names the features
SELECT learn.train('m', 'linear', 'SELECT y, x1, CASE WHEN x1 > 3 THEN ''NaN''::float8 ELSE x2 END AS x2 FROM bad', 'y');

-- nothing of the failed trainings was stored
SELECT count(*) - :models_before AS models_added FROM learn.models;

-- a feature that is all zero is aliased, as in R: the intercept is still fitted
SELECT metrics->'rank' AS rank FROM learn.train('zero_feature', 'linear', 'SELECT y, 0 * x1 AS z FROM bad', 'y');
SELECT term, estimate IS NULL AS aliased FROM learn.coefficients c JOIN learn.models m ON m.id = c.model_id
 WHERE m.name = 'zero_feature' ORDER BY position;

-- NULLs are skipped and counted
INSERT INTO bad VALUES (NULL, 1, 1, 'a', NULL, 1, 0), (1, NULL, 1, 'a', NULL, 1, 0),
	(1, 1, 1, 'a', NULL, NULL, 0);
SELECT n_rows, n_skipped, (metrics->>'n_skipped')::int AS metrics_n_skipped
  FROM learn.train('skips', 'linear', 'bad', 'y', '{x1,x2}', weight => 'w');

-- the aggregates refuse bad states and misuse
SELECT try($$SELECT learn.linreg_merge('\x02'::bytea)$$);
SELECT try($$SELECT learn.linreg_merge('\x01'::bytea)$$);
SELECT try($$SELECT learn.linreg_merge(set_byte(s, 0, 3)) FROM (SELECT learn.linreg_partial(y, ARRAY[1, x1]) s FROM bad) p$$);
SELECT try($$SELECT learn.linreg_merge(set_byte(s, 13, 9)) FROM (SELECT learn.linreg_partial(y, ARRAY[1, x1]) s FROM bad) p$$);
-- the state's kind (family byte) and a state of version 1 (pg_learn 0.1)
SELECT try($$SELECT learn.linreg_merge(set_byte(s, 1, 88)) FROM (SELECT learn.linreg_partial(y, ARRAY[1, x1]) s FROM bad) p$$);
SELECT try($$SELECT learn.linreg_merge(set_byte(s, 0, 1)) FROM (SELECT learn.linreg_partial(y, ARRAY[1, x1]) s FROM bad) p$$);
SELECT try($$SELECT learn.linreg_merge(substr(s, 1, length(s) - 1)) FROM (SELECT learn.linreg_partial(y, ARRAY[1, x1]) s FROM bad) p$$);
SELECT try($$SELECT learn.linear_merge(s) FROM (SELECT learn.linear_partial(y, 1, x1) s FROM bad UNION ALL SELECT learn.linear_partial(y, 1, x1, x2) FROM bad) p$$);
SELECT try($$SELECT learn.linear_partial(y, 1, VARIADIC ARRAY[x1, x1]) FROM bad$$);
SELECT try($$SELECT learn.linear_partial(y, 1, label) FROM bad$$);
SELECT try($$SELECT learn.linreg(y, ARRAY[1, x1, CASE WHEN x1 > 5 THEN x1 END]) FROM bad$$) AS nulls_skip;
SELECT try($$SELECT learn.linreg(y, CASE WHEN x1 > 5 THEN ARRAY[1, x1] ELSE ARRAY[1] END) FROM bad$$);
SELECT try($$SELECT learn.linreg(y, ARRAY[[1, x1]]) FROM bad$$);
SELECT learn.linear_state_version();

-- a group too small to fit is recorded with its reason; the rest are fitted
CREATE TABLE groups_small AS
SELECT CASE WHEN i <= 1 THEN 'tiny' ELSE 'big' END AS grp, i::float8 AS x,
	   2 * i + (i % 3)::float8 AS y
  FROM generate_series(1, 30) i;
SELECT n_rows, metrics
  FROM learn.train('small_groups', 'linear', 'groups_small', 'y', '{x}', group_by => '{grp}');
-- one row per group in learn.groups, the one not fitted with its reason
SELECT g.group_key, g.n_rows, g.n_skipped, g.fitted, g.reason,
	   g.metrics ? 'r2' AS has_metrics
  FROM learn.groups g JOIN learn.models m ON m.id = g.model_id
 WHERE m.name = 'small_groups' ORDER BY 1;
SELECT group_key, count(*) AS terms FROM learn.coefficients c JOIN learn.models m ON m.id = c.model_id
 WHERE m.name = 'small_groups' GROUP BY 1 ORDER BY 1;
SELECT learn.predict('small_groups', g) IS NULL AS tiny_group_scores_null
  FROM groups_small g WHERE grp = 'tiny' LIMIT 1;
-- when no group can be fitted, training fails
SELECT try($$SELECT learn.train('m', 'linear', 'SELECT * FROM groups_small WHERE x <= 1', 'y', '{x}', group_by => '{grp}')$$);
-- a NULL group value is a group of its own
SELECT n_rows FROM learn.train('null_group', 'linear',
				   'SELECT CASE WHEN x > 10 THEN grp END AS grp, x, y FROM groups_small',
				   'y', '{x}', group_by => '{grp}');
SELECT g.group_key, g.n_rows
  FROM learn.groups g JOIN learn.models m ON m.id = g.model_id
 WHERE m.name = 'null_group' ORDER BY 1;
SELECT learn.predict('null_group', r) IS NOT NULL AS null_group_scored
  FROM (SELECT NULL::text AS grp, 1.0 AS x) r;

-- aliased terms in many groups: a NOTICE for the first five, then a count
SELECT metrics->'n_groups' AS groups
  FROM learn.train('many_aliased', 'linear',
				   'SELECT i % 8 AS g, i::float8 AS x, 2.0 * i AS z, i + (i % 5)::float8 AS y FROM generate_series(1, 80) i',
				   'y', '{x,z}', group_by => '{g}');
