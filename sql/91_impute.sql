--
-- params "impute": "mean": a NULL number is replaced by the mean of the
-- feature's other values and a NULL category by its most frequent level,
-- at training and at scoring.  Against R's lm and glm on the same data
-- with the same replacements (tests/reference/impute_reference.R wrote
-- data/impute.csv and the expected values).
--
SET extra_float_digits = 0;
CREATE TABLE imp (x1 float8, x2 float8, color text, y float8, yb int);
\copy imp FROM 'data/impute.csv' CSV HEADER
CREATE TABLE imp_ref_coef (model text, term text, estimate float8, std_error float8,
	statistic float8, p_value float8);
\copy imp_ref_coef FROM 'tests/reference/expected/impute_coef.csv' CSV HEADER
CREATE TABLE imp_ref_means (feature text, value text);
\copy imp_ref_means FROM 'tests/reference/expected/impute_means.csv' CSV HEADER
SELECT count(*) AS rows, count(*) - count(x1) AS null_x1, count(*) - count(x2) AS null_x2,
       count(*) - count(color) AS null_color FROM imp;

-- the deployed version's terms against R's (same_terms)
CREATE FUNCTION imp_same_terms(model_name text, tol float8, OUT terms bigint, OUT same boolean)
LANGUAGE sql AS $$
	SELECT * FROM same_terms(model_name, format('SELECT * FROM imp_ref_coef WHERE model = %L', model_name), tol)
$$;

-- every row is used, none skipped; the imputed values are R's
SELECT n_rows, n_skipped, params
  FROM learn.train('imp_lm', 'linear', 'imp', 'y', ARRAY['x1', 'x2', 'color'], '{"impute": "mean"}');
SELECT * FROM imp_same_terms('imp_lm', 1e-10);
SELECT f.feature,
       CASE f.feature WHEN 'color' THEN f.value = r.value
                      ELSE rel_err(f.value::float8, r.value::float8) <= 1e-14 END AS same
  FROM learn.models m, unnest(m.features, m.impute_values) AS f(feature, value)
  JOIN imp_ref_means r USING (feature)
 WHERE m.name = 'imp_lm' AND m.deployed ORDER BY 1;
SELECT n_rows, n_skipped
  FROM learn.train('imp_glm', 'glm', 'imp', 'yb', ARRAY['x1', 'x2', 'color'],
                   '{"family": "binomial", "impute": "mean"}');
SELECT * FROM imp_same_terms('imp_glm', 1e-6);

-- without it, those rows are skipped, as before (and the params show no
-- "impute" key at its default)
SELECT n_rows, n_skipped, params, impute_values
  FROM learn.train('imp_skip', 'linear', 'imp', 'y', ARRAY['x1', 'x2', 'color']);

-- scoring applies the same values: a row with NULLs scores as the row
-- with the imputed values, in the row form, the planner's rewrite and the
-- array form; the skipping model gives NULL
SELECT count(*) AS rows,
       bool_and(learn.predict('imp_lm', i) = learn.predict('imp_lm', f)) AS row_form,
       bool_and(learn.predict('imp_lm', i.*::imp) = learn.predict('imp_lm', f)) AS plain_row_form,
       count(learn.predict('imp_skip', i)) AS skip_scores
  FROM imp i,
       (SELECT impute_values AS v FROM learn.models WHERE name = 'imp_lm' AND deployed) m,
       LATERAL (SELECT coalesce(i.x1, m.v[1]::float8) AS x1,
                       coalesce(i.x2, m.v[2]::float8) AS x2,
                       coalesce(i.color, m.v[3]) AS color) f
 WHERE i.x1 IS NULL OR i.x2 IS NULL OR i.color IS NULL;
SELECT cardinality(impute_values) AS imputed_values
  FROM learn.train('imp_num', 'linear', 'imp', 'y', ARRAY['x1', 'x2'], '{"impute": "mean"}');
SELECT learn.predict('imp_num', ARRAY[NULL, 1.0]) = learn.predict('imp_num', ARRAY[m.impute_values[1]::float8, 1.0])
       AS array_form
  FROM learn.models m WHERE name = 'imp_num' AND deployed;

-- a feature with no value to take the mean of, and a bad value
SELECT learn.train('imp_bad', 'linear', 'SELECT y, x1, NULL::float8 AS z FROM imp', 'y',
                   NULL, '{"impute": "mean"}');
SELECT learn.train('imp_bad', 'linear', 'imp', 'y', ARRAY['x1'], '{"impute": "median"}');
-- an infinite or NaN value makes the mean one: no number to impute
SELECT learn.train('imp_bad', 'linear', 'SELECT y, x1, CASE WHEN x1 > 0 THEN ''Infinity'' END::float8 AS z FROM imp',
                   'y', NULL, '{"impute": "mean"}');
SELECT learn.train('imp_bad', 'linear', 'SELECT y, x1, CASE WHEN x1 > 0 THEN ''NaN'' END::float8 AS z FROM imp',
                   'y', NULL, '{"impute": "mean"}');
SELECT count(*) FROM learn.models WHERE name = 'imp_bad';
