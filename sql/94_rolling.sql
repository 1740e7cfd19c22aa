--
-- learn.linreg over a moving window frame (the moving-aggregate mode: rows
-- that leave the frame are downdated out of the state).  Against R's lm on
-- every 60-row window of data/rolling.csv (tests/reference/
-- rolling_reference.R wrote it and the expected values), where the window
-- of series 2 that ends at t = 80 is ill-conditioned (condition number
-- about 2e6), and against plain learn.linreg over the same rows.
--
-- Tolerances scale with the window's condition number kappa (R's, or the
-- plain fit's): a fresh QR fit errs by about kappa eps, and the moving
-- state promises no more than that plus about 1e-8 relative.  Coefficients
-- are compared normwise (max |b - b_ref| / max |b_ref|), standard errors
-- element by element (relative), r2 absolutely:
--   against R:                         1e-12 kappa
--   against plain learn.linreg:        1e-13 kappa
-- (A downdate without the refactoring policy misses R by 4e-10 kappa at
-- the ill-conditioned window: 9e-4 relative in its coefficients.)
--
SET extra_float_digits = 0;
CREATE TABLE roll (s int, t int, x1 float8, x2 float8, y float8);
\copy roll FROM 'data/rolling.csv' CSV HEADER
CREATE TABLE roll_ref (s int, t int, n int, b0 float8, b1 float8, b2 float8,
	se0 float8, se1 float8, se2 float8, r2 float8, condition_no float8);
\copy roll_ref FROM 'tests/reference/expected/rolling_coef.csv' CSV HEADER
SELECT count(*) AS rows, count(DISTINCT s) AS series FROM roll;
-- the windows R found ill-conditioned
SELECT s, t, n, round(log(condition_no)::numeric, 1) AS log10_kappa
  FROM roll_ref WHERE condition_no > 1e3 ORDER BY s, t;

-- normwise relative error of coefficient vectors (NULLs must match)
CREATE FUNCTION coef_err(a float8[], b float8[]) RETURNS float8
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN bool_or((x IS NULL) <> (y IS NULL)) OR count(*) <> cardinality(b)
				THEN 'Infinity'::float8
				ELSE coalesce(max(abs(x - y)) / nullif(max(abs(y)), 0), 0) END
	  FROM unnest(a, b) u(x, y)
$$;
-- largest relative error of the elements of two arrays (NULLs must match)
CREATE FUNCTION elem_err(a float8[], b float8[]) RETURNS float8
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN count(*) <> cardinality(b) THEN 'Infinity'::float8
				ELSE coalesce(max(rel_err(x, y)), 0) END
	  FROM unnest(a, b) u(x, y)
$$;
-- whether two learn.linreg results agree to tol * kappa (kappa: b's)
CREATE FUNCTION same_fit(a learn.linreg_result, b learn.linreg_result, tol float8)
RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN a IS NULL OR b IS NULL THEN a IS NULL AND b IS NULL
		   ELSE a.n = b.n
				AND coef_err(a.coef, b.coef) <= tol * greatest(b.condition_no, 1)
				AND elem_err(a.std_err, b.std_err) <= tol * greatest(b.condition_no, 1)
				AND rel_err(a.r2, b.r2) <= tol * greatest(b.condition_no, 1)
				AND rel_err(a.condition_no, b.condition_no) <= tol * greatest(b.condition_no, 1)
		   END
$$;

CREATE TABLE moving AS
SELECT s, t, learn.linreg(y, ARRAY[1, x1, x2])
			 OVER (PARTITION BY s ORDER BY t ROWS BETWEEN 59 PRECEDING AND CURRENT ROW) AS r
  FROM roll;

-- the first p - 1 = 2 rows of each series have fewer rows than
-- coefficients: NULL, as regr_slope gives; R fitted every other window
SELECT s, t FROM moving WHERE r IS NULL ORDER BY s, t;
SELECT count(*) AS windows_in_r,
	   count(*) FILTER (WHERE (m.r).n IS NOT NULL) AS windows_fitted
  FROM roll_ref f LEFT JOIN moving m USING (s, t);

-- against R, window by window: the windows that miss (none)
SELECT s, t, coef_err((m.r).coef, ARRAY[b0, b1, b2]) / condition_no AS coef_err_per_kappa,
	   elem_err((m.r).std_err, ARRAY[se0, se1, se2]) / condition_no AS se_err_per_kappa
  FROM moving m JOIN roll_ref f USING (s, t)
 WHERE NOT ((m.r).n = f.n
		AND coef_err((m.r).coef, ARRAY[b0, b1, b2]) <= 1e-12 * condition_no
		AND elem_err((m.r).std_err, ARRAY[se0, se1, se2]) <= 1e-12 * condition_no
		AND abs((m.r).r2 - f.r2) <= 1e-12 * condition_no
		AND rel_err((m.r).condition_no, f.condition_no) <= 1e-12 * condition_no)
	OR m.r IS NULL
 ORDER BY s, t;
-- the ill-conditioned window itself, to a tolerance that does not scale:
-- its coefficients are about 3e4 and agree with R to 1e-8
SELECT s, t, coef_err((m.r).coef, ARRAY[b0, b1, b2]) < 1e-8 AS coef_close,
	   round((m.r).coef[2]) AS b1
  FROM moving m JOIN roll_ref f USING (s, t) WHERE s = 2 AND t = 80;

-- the same rows fitted by plain learn.linreg (LATERAL), for every frame
-- kind: the rows that disagree (none), and how many were compared
CREATE FUNCTION plain_fit(series int, t_from int, t_to int, skip int DEFAULT NULL)
RETURNS learn.linreg_result LANGUAGE sql STABLE AS $$
	SELECT learn.linreg(y, ARRAY[1, x1, x2]) FROM roll
	 WHERE s = series AND t BETWEEN t_from AND t_to AND t IS DISTINCT FROM skip
$$;
SELECT count(*) AS compared, count(*) FILTER (WHERE NOT same_fit(m.r, plain_fit(s, t - 59, t), 1e-13)) AS differ
  FROM moving m;

-- a RANGE frame over peer groups of 5 rows: the head jumps 5 rows at once
SELECT count(*) AS compared,
	   count(*) FILTER (WHERE NOT same_fit(r, plain_fit(s, (t / 5 - 3) * 5, (t / 5) * 5 + 4), 1e-13)) AS differ,
	   count(*) FILTER (WHERE r IS NULL) AS nulls
  FROM (SELECT s, t, learn.linreg(y, ARRAY[1, x1, x2])
						 OVER (PARTITION BY s ORDER BY t / 5 RANGE BETWEEN 3 PRECEDING AND CURRENT ROW) AS r
		  FROM roll) w;

-- RANGE by value, frames that end ahead of the row
SELECT count(*) AS compared,
	   count(*) FILTER (WHERE NOT same_fit(r, plain_fit(s, t - 20, t + 10), 1e-13)) AS differ
  FROM (SELECT s, t, learn.linreg(y, ARRAY[1, x1, x2])
						 OVER (PARTITION BY s ORDER BY t RANGE BETWEEN 20 PRECEDING AND 10 FOLLOWING) AS r
		  FROM roll) w;

-- a frame that starts at the row and shrinks at the end of the series
SELECT count(*) AS compared,
	   count(*) FILTER (WHERE NOT same_fit(r, plain_fit(s, t, t + 29), 1e-13)) AS differ,
	   count(*) FILTER (WHERE r IS NULL) AS nulls
  FROM (SELECT s, t, learn.linreg(y, ARRAY[1, x1, x2])
						 OVER (PARTITION BY s ORDER BY t ROWS BETWEEN CURRENT ROW AND 29 FOLLOWING) AS r
		  FROM roll) w;

-- frames that grow after the head has moved: the first 100 rows one key
-- apart, the next 200 within 4 keys, so that the frame of 10 keys grows
-- to 207 rows
CREATE TABLE grow AS
SELECT i, CASE WHEN i <= 100 THEN i ELSE 100 + (i - 100) / 50.0 END AS k,
	   sin(i) AS x1, cos(3 * i) AS x2, 2 * sin(i) + cos(3 * i) + sin(7 * i) AS y
  FROM generate_series(1, 300) AS i;
SELECT count(*) AS compared, max((r).n) AS largest_frame,
	   count(*) FILTER (WHERE NOT same_fit(r, p, 1e-13)) AS differ
  FROM (SELECT i, learn.linreg(y, ARRAY[1, x1, x2]) OVER (ORDER BY k RANGE BETWEEN 10 PRECEDING AND CURRENT ROW) AS r,
			   (SELECT learn.linreg(y, ARRAY[1, x1, x2]) FROM grow h WHERE h.k BETWEEN g.k - 10 AND g.k) AS p
		  FROM grow g) w;

-- EXCLUDE CURRENT ROW (PostgreSQL aggregates such frames anew at each row)
SELECT count(*) AS compared,
	   count(*) FILTER (WHERE NOT same_fit(r, plain_fit(s, t - 59, t, t), 1e-13)) AS differ,
	   count(*) FILTER (WHERE r IS NULL) AS nulls
  FROM (SELECT s, t, learn.linreg(y, ARRAY[1, x1, x2])
						 OVER (PARTITION BY s ORDER BY t ROWS BETWEEN 59 PRECEDING AND CURRENT ROW
							   EXCLUDE CURRENT ROW) AS r
		  FROM roll) w;

-- rows with a NULL are skipped, entering the frame and leaving it
SELECT count(*) AS compared,
	   count(*) FILTER (WHERE NOT same_fit(r, p, 1e-13)) AS differ
  FROM (SELECT s, t, learn.linreg(CASE WHEN t % 7 <> 0 THEN y END,
								  CASE WHEN t % 11 <> 0 THEN ARRAY[1, x1, x2]
									   WHEN t % 2 = 0 THEN ARRAY[1, x1, NULL] END)
						 OVER (PARTITION BY s ORDER BY t ROWS BETWEEN 19 PRECEDING AND CURRENT ROW) AS r,
			   (SELECT learn.linreg(y, ARRAY[1, x1, x2]) FROM roll i
				 WHERE i.s = o.s AND i.t BETWEEN o.t - 19 AND o.t AND i.t % 7 <> 0 AND i.t % 11 <> 0) AS p
		  FROM roll o) w;

-- rank-deficient frames (x2 := x1 for t in 10..40): the aliased
-- coefficient is NULL, as plain learn.linreg and R give it
SELECT count(*) AS compared,
	   count(*) FILTER (WHERE (r).coef[3] IS NULL) AS aliased,
	   count(*) FILTER (WHERE NOT same_fit(r, p, 1e-13)) AS differ
  FROM (SELECT s, t, learn.linreg(y, ARRAY[1, x1, CASE WHEN t BETWEEN 10 AND 40 THEN x1 ELSE x2 END])
						 OVER (PARTITION BY s ORDER BY t ROWS BETWEEN 19 PRECEDING AND CURRENT ROW) AS r,
			   (SELECT learn.linreg(y, ARRAY[1, x1, CASE WHEN t BETWEEN 10 AND 40 THEN x1 ELSE x2 END])
				  FROM roll i WHERE i.s = o.s AND i.t BETWEEN o.t - 19 AND o.t) AS p
		  FROM roll o) w;

-- a trend on a large time axis: every window is ill-conditioned
-- (kappa about 1e6), so the state refactors from its rows at every row
SELECT count(*) AS compared,
	   min((p).condition_no) > 1e5 AS all_ill_conditioned,
	   count(*) FILTER (WHERE NOT same_fit(r, p, 1e-13)) AS differ
  FROM (SELECT s, t, learn.linreg(y, ARRAY[1, t + 1e6])
						 OVER (PARTITION BY s ORDER BY t ROWS BETWEEN 9 PRECEDING AND CURRENT ROW) AS r,
			   (SELECT learn.linreg(y, ARRAY[1, i.t + 1e6]) FROM roll i
				 WHERE i.s = o.s AND i.t BETWEEN o.t - 9 AND o.t) AS p
		  FROM roll o) w
 WHERE t >= 2;

-- x with no intercept, and one element: r2 stays centered, as in plain mode
SELECT count(*) AS compared,
	   count(*) FILTER (WHERE NOT same_fit(r, p, 1e-13)) AS differ,
	   count(*) FILTER (WHERE r IS NULL) AS nulls
  FROM (SELECT s, t, learn.linreg(y, ARRAY[x1])
						 OVER (PARTITION BY s ORDER BY t ROWS BETWEEN 4 PRECEDING AND CURRENT ROW) AS r,
			   (SELECT learn.linreg(y, ARRAY[x1]) FROM roll i
				 WHERE i.s = o.s AND i.t BETWEEN o.t - 4 AND o.t) AS p
		  FROM roll o) w;

-- frames whose x is all zeros give NULL in the moving mode
SELECT count(*) FILTER (WHERE r IS NULL) AS nulls, count(*) AS frames
  FROM (SELECT learn.linreg(y, ARRAY[CASE WHEN t <= 50 THEN 0 ELSE x1 END])
				   OVER (PARTITION BY s ORDER BY t ROWS BETWEEN 9 PRECEDING AND CURRENT ROW) AS r
		  FROM roll) w;

-- plain uses are unchanged: a whole-partition window and a running
-- (cumulative) one use the plain state, equal to the grouped aggregate
-- and LATERAL fits; the running one's first rows are NULL too
SELECT count(*) AS compared,
	   count(*) FILTER (WHERE NOT same_fit(w.r, g.r, 1e-13)) AS differ
  FROM (SELECT s, learn.linreg(y, ARRAY[1, x1, x2]) OVER (PARTITION BY s) AS r FROM roll) w
  JOIN (SELECT s, learn.linreg(y, ARRAY[1, x1, x2]) AS r FROM roll GROUP BY s) g USING (s);
SELECT count(*) AS compared,
	   count(*) FILTER (WHERE NOT same_fit(r, plain_fit(s, 1, t), 1e-13)) AS differ,
	   count(*) FILTER (WHERE r IS NULL) AS nulls
  FROM (SELECT s, t, learn.linreg(y, ARRAY[1, x1, x2])
						 OVER (PARTITION BY s ORDER BY t ROWS UNBOUNDED PRECEDING) AS r
		  FROM roll) w;
SELECT learn.linreg(y, ARRAY[1, x1, x2]) IS NULL AS two_rows_is_null FROM roll WHERE t <= 2 AND s = 1;

-- errors as in plain mode
SELECT try($$SELECT learn.linreg(y, CASE WHEN t > 5 THEN ARRAY[1, x1] ELSE ARRAY[1] END)
				 OVER (ORDER BY s, t ROWS 3 PRECEDING) FROM roll$$);
SELECT try($$SELECT learn.linreg(y, CASE WHEN t = 5 THEN ARRAY[1, 'NaN'::float8] ELSE ARRAY[1, x1] END)
				 OVER (ORDER BY s, t ROWS 3 PRECEDING) FROM roll$$);
SELECT try($$SELECT learn.linreg(y, ARRAY[[1, x1]]) OVER (ORDER BY s, t ROWS 3 PRECEDING) FROM roll$$);
SELECT try($$SELECT learn.linreg(y, '{}') OVER (ORDER BY s, t ROWS 3 PRECEDING) FROM roll$$);

-- the aggregate declares its moving mode
SELECT aggmtransfn, aggminvtransfn, aggmfinalfn, aggmfinalmodify, aggmtranstype::regtype
  FROM pg_aggregate WHERE aggfnoid = 'learn.linreg(float8, float8[])'::regprocedure;
