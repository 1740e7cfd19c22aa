--
-- learn.linreg's moving-aggregate mode under memcheck: a frame whose ring
-- grows after its head has moved (wrapped), NULL rows entering and
-- leaving, rank-deficient frames (downdates that fail), ill-conditioned
-- frames (refactored at every row), frames of zeros, a shrinking frame,
-- EXCLUDE (restarts), and an error mid-window.
--
CREATE TABLE g AS SELECT i, CASE WHEN i <= 100 THEN i ELSE 100 + (i - 100) / 50.0 END AS k,
	sin(i) AS x1, cos(3 * i) AS x2, 2 * sin(i) + cos(3 * i) + sin(7 * i) AS y FROM generate_series(1, 300) i;
SELECT sum((r).coef[2]), count(r) FROM (SELECT learn.linreg(y, ARRAY[1, x1, x2]) OVER (ORDER BY k RANGE BETWEEN 10 PRECEDING AND CURRENT ROW) r FROM g) w;
SELECT sum((r).coef[2]), count(r) FROM (SELECT learn.linreg(CASE WHEN i % 7 <> 0 THEN y END, CASE WHEN i % 11 <> 0 THEN ARRAY[1, x1, x2] WHEN i % 2 = 0 THEN ARRAY[1, x1, NULL] END) OVER (ORDER BY i ROWS BETWEEN 19 PRECEDING AND CURRENT ROW) r FROM g) w;
SELECT sum((r).coef[2]), count(r) FROM (SELECT learn.linreg(y, ARRAY[1, x1, CASE WHEN i BETWEEN 10 AND 40 THEN x1 ELSE x2 END]) OVER (ORDER BY i ROWS BETWEEN 19 PRECEDING AND CURRENT ROW) r FROM g) w;
SELECT sum((r).coef[2]), count(r) FROM (SELECT learn.linreg(y, ARRAY[1, i + 1e6]) OVER (ORDER BY i ROWS BETWEEN 9 PRECEDING AND CURRENT ROW) r FROM g) w;
SELECT sum((r).coef[1]), count(r) FROM (SELECT learn.linreg(y, ARRAY[CASE WHEN i <= 50 THEN 0 ELSE x1 END]) OVER (ORDER BY i ROWS BETWEEN 9 PRECEDING AND CURRENT ROW) r FROM g) w;
SELECT sum((r).coef[2]), count(r) FROM (SELECT learn.linreg(y, ARRAY[1, x1, x2]) OVER (ORDER BY i ROWS BETWEEN CURRENT ROW AND 29 FOLLOWING) r FROM g) w;
SELECT sum((r).coef[2]), count(r) FROM (SELECT learn.linreg(y, ARRAY[1, x1, x2]) OVER (ORDER BY i ROWS BETWEEN 59 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW) r FROM g) w;
SELECT learn.linreg(y, CASE WHEN i > 5 THEN ARRAY[1, x1] ELSE ARRAY[1] END) OVER (ORDER BY i ROWS 3 PRECEDING) FROM g;
