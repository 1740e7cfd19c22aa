--
-- learn.linreg (MADlib-compatible) and the partial/merge aggregates,
-- against R's lm on mtcars.
--
SET extra_float_digits = 0;

-- x as given, with a 1 for the intercept: R's lm(mpg ~ cyl + ... + carb)
WITH l AS (
	SELECT (learn.linreg(mpg, ARRAY[1, cyl, disp, hp, drat, wt, qsec, vs, am, gear, carb])).*
	  FROM mtcars),
	 r AS (
	SELECT array_agg(estimate ORDER BY ord) AS coef, array_agg(std_error ORDER BY ord) AS se,
		   array_agg(statistic ORDER BY ord) AS t, array_agg(p_value ORDER BY ord) AS p
	  FROM (SELECT *, row_number() OVER () AS ord FROM ref_coef WHERE case_name = 'mtcars') x)
SELECT l.n,
	   (SELECT bool_and(rel_err(a, b) <= 1e-8) FROM unnest(l.coef, r.coef) u(a, b)) AS coef_ok,
	   (SELECT bool_and(rel_err(a, b) <= 1e-8) FROM unnest(l.std_err, r.se) u(a, b)) AS std_err_ok,
	   (SELECT bool_and(rel_err(a, b) <= 1e-8) FROM unnest(l.t_stats, r.t) u(a, b)) AS t_ok,
	   (SELECT bool_and(rel_err(a, b) <= 1e-8) FROM unnest(l.p_values, r.p) u(a, b)) AS p_ok,
	   rel_err(l.r2, (SELECT value FROM ref_metrics WHERE case_name = 'mtcars' AND key = 'r2')) <= 1e-8 AS r2_ok,
	   rel_err(l.adj_r2, (SELECT value FROM ref_metrics WHERE case_name = 'mtcars' AND key = 'adj_r2')) <= 1e-8 AS adj_r2_ok,
	   -- the 2-norm condition number of X, as MADlib's condition_no and R's
	   -- (statsmodels') condition_number
	   rel_err(l.condition_no, (SELECT value FROM ref_metrics WHERE case_name = 'mtcars' AND key = 'condition_number')) <= 1e-8 AS condition_ok
  FROM l, r;

-- MADlib's documented example (houses), against numpy
-- (tests/reference/houses_reference.py): coefficients and condition_no
CREATE TABLE houses (id int, tax int, bedroom int, bath float8, price int, size int, lot int);
\copy houses FROM 'data/houses.csv' CSV HEADER
CREATE TABLE houses_ref (key text, value float8);
\copy houses_ref FROM 'tests/reference/expected/houses_linreg.csv' CSV HEADER
WITH l AS (SELECT (learn.linreg(price, ARRAY[1, tax, bath, size])).* FROM houses)
SELECT (SELECT bool_and(rel_err(c, (SELECT value FROM houses_ref WHERE key = 'coef' || i)) <= 1e-9)
		  FROM unnest(l.coef) WITH ORDINALITY u(c, i)) AS coef_ok,
	   rel_err(l.condition_no, (SELECT value FROM houses_ref WHERE key = 'condition_no')) <= 1e-9 AS condition_no_ok
  FROM l;
-- and learn.train's condition_number on the same design agrees
SELECT rel_err((SELECT (learn.linreg(price, ARRAY[1, tax, bath, size])).condition_no FROM houses),
			   (metrics->>'condition_number')::float8) <= 1e-12 AS agrees_with_train
  FROM learn.train('houses', 'linear', 'houses', 'price', '{tax,bath,size}', '{"deploy": false}');

-- per group with GROUP BY, as R's per-species fits
SELECT species,
	   (SELECT bool_and(rel_err(a, b) <= 1e-8)
		  FROM unnest((learn.linreg(sepal_length, ARRAY[1, sepal_width, petal_length, petal_width])).coef,
					  (SELECT array_agg(estimate ORDER BY ord)
						 FROM (SELECT *, row_number() OVER () AS ord FROM ref_coef
								WHERE case_name = 'iris_grouped_' || species) x)) u(a, b)) AS coef_ok
  FROM iris GROUP BY species ORDER BY species;

-- states computed apart (as on other servers) and merged give the same fit
CREATE TABLE shard_states AS
SELECT cyl, learn.linreg_partial(mpg, ARRAY[1, wt, hp, qsec]) AS state
  FROM mtcars GROUP BY cyl;
SELECT cyl, length(state) AS bytes, get_byte(state, 0) AS version FROM shard_states ORDER BY cyl;
SELECT (SELECT bool_and(rel_err(a, b) <= 1e-12)
		  FROM unnest((SELECT (learn.linreg_merge(state)).coef FROM shard_states),
					  (SELECT (learn.linreg(mpg, ARRAY[1, wt, hp, qsec])).coef FROM mtcars)) u(a, b)) AS merged_equals_whole;
-- linear_merge merges linear_partial states into one state
SELECT length(learn.linear_merge(s)) AS merged_bytes
  FROM (SELECT learn.linear_partial(mpg, 1, wt, hp) s FROM mtcars GROUP BY cyl) p;
-- states that name their features merge only with states of the same names
SELECT length(learn.linear_merge(s)) AS named_merged_bytes
  FROM (SELECT learn.linear_partial(mpg, 1, '{wt,hp}'::text[], wt, hp) s FROM mtcars GROUP BY cyl) p;
SELECT try($$SELECT learn.linear_merge(s) FROM (
	SELECT learn.linear_partial(mpg, 1, '{wt,hp}'::text[], wt, hp) s FROM mtcars
	UNION ALL SELECT learn.linear_partial(mpg, 1, '{wt,qsec}'::text[], wt, qsec) FROM mtcars) p$$);
SELECT try($$SELECT learn.linear_merge(s) FROM (
	SELECT learn.linear_partial(mpg, 1, '{wt,hp}'::text[], wt, hp) s FROM mtcars
	UNION ALL SELECT learn.linear_partial(mpg, 1, wt, hp) FROM mtcars) p$$);
SELECT try($$SELECT learn.linear_partial(mpg, 1, '{wt}'::text[], wt, hp) FROM mtcars$$);
-- states of linreg (x as given) and of linear_partial (features only) never mix
SELECT try($$SELECT learn.linear_merge(s) FROM (
	SELECT learn.linear_partial(mpg, 1, wt, hp) s FROM mtcars
	UNION ALL SELECT learn.linreg_partial(mpg, ARRAY[wt, hp]) FROM mtcars) p$$);

-- NULL rows are skipped; no rows at all gives NULL
SELECT (learn.linreg(y, x)).n
  FROM (VALUES (1.0, ARRAY[1.0, 1.0]), (2.0, NULL), (NULL, ARRAY[1.0, 3.0]),
			   (3.0, ARRAY[1.0, 2.0]), (4.5, ARRAY[1.0, 3.5])) v(y, x);
SELECT learn.linreg(mpg, ARRAY[1, wt]) IS NULL AS empty_is_null FROM mtcars WHERE false;

-- collinear x: the aliased element is NULL, as R's NA
SELECT (learn.linreg(mpg, ARRAY[1, wt, 2 * wt, hp])).coef[3] IS NULL AS aliased_is_null FROM mtcars;

-- a wide x (200 columns): blocks with fewer rows than columns fold cleanly
SELECT (r).n, (r).r2 BETWEEN 0 AND 1 AS r2_ok,
	   (SELECT count(*) FROM unnest((r).coef) c WHERE c IS NULL OR c = 'NaN') AS bad_coefficients
  FROM (SELECT learn.linreg(sin(i * 1.7) + i % 7,
						   ARRAY[1] || ARRAY(SELECT sin(i * j * 0.37 + j) + 0 * i FROM generate_series(1, 200) j)) AS r
		  FROM generate_series(1, 3000) i) s;
-- an empty x is an error
SELECT try($$SELECT learn.linreg(1, '{}'::float8[])$$);
