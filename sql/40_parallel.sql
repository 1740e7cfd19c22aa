--
-- One pass shared by parallel workers: the aggregates get a
-- Partial/Finalize plan, and training under it equals the serial fit.
--
SET extra_float_digits = 0;
CREATE TABLE big AS
SELECT i % 3 AS g,
	   sin(i) * 10 AS x1, cos(i * 0.7) * 5 AS x2, (i % 97)::float8 AS x3, i % 13 AS x4,
	   3 + 20 * sin(i) - 2.5 * cos(i * 0.7) + 0.1 * (i % 97) + 0.3 * (i % 13)
		 + sin(i * 1.3) AS y,
	   1 + (i % 5) AS w
  FROM generate_series(1, 200000) i;
ANALYZE big;

SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;

EXPLAIN (COSTS OFF) SELECT learn.linear_partial(y, 1, x1, x2, x3, x4) FROM big;
EXPLAIN (COSTS OFF) SELECT g, learn.linear_partial(y, w, x1, x2, x3, x4) FROM big GROUP BY g;
EXPLAIN (COSTS OFF) SELECT learn.linreg(y, ARRAY[1, x1, x2, x3, x4]) FROM big;
EXPLAIN (COSTS OFF) SELECT learn.linear_merge(s) FROM (SELECT learn.linear_partial(y, 1, x1) s FROM big) p;

SELECT id AS par FROM learn.train('par', 'linear', 'big', 'y', '{x1,x2,x3,x4}') \gset
SELECT id AS par_g FROM learn.train('par_g', 'linear', 'big', 'y', '{x1,x2,x3,x4}',
									group_by => '{g}', weight => 'w') \gset
SELECT id AS par_r FROM learn.train('par_r', 'linear', 'big', 'y', '{x1,x2,x3,x4}',
									'{"robust": "HC1"}') \gset
SELECT learn.linreg(y, ARRAY[1, x1, x2, x3, x4]) AS par_linreg FROM big \gset

SET max_parallel_workers_per_gather = 0;
EXPLAIN (COSTS OFF) SELECT learn.linear_partial(y, 1, x1, x2, x3, x4) FROM big;
SELECT id AS ser FROM learn.train('ser', 'linear', 'big', 'y', '{x1,x2,x3,x4}') \gset
SELECT id AS ser_g FROM learn.train('ser_g', 'linear', 'big', 'y', '{x1,x2,x3,x4}',
									group_by => '{g}', weight => 'w') \gset
SELECT id AS ser_r FROM learn.train('ser_r', 'linear', 'big', 'y', '{x1,x2,x3,x4}',
									'{"robust": "HC1"}') \gset

-- the same fit, to 1e-10 relative, term by term and group by group
CREATE FUNCTION same_fit(a bigint, b bigint) RETURNS TABLE (terms bigint, same boolean)
LANGUAGE sql AS $$
	SELECT count(*),
		   coalesce(bool_and(rel_err(x.estimate, y.estimate) <= 1e-10
							 AND rel_err(x.std_error, y.std_error) <= 1e-10
							 AND rel_err(x.p_value, y.p_value) <= 1e-10), false)
	  FROM (SELECT * FROM learn.coefficients WHERE model_id = a) x
	  FULL JOIN (SELECT * FROM learn.coefficients WHERE model_id = b) y
			 USING (group_key, position)
$$;
SELECT * FROM same_fit(:par, :ser);
SELECT * FROM same_fit(:par_g, :ser_g);
SELECT * FROM same_fit(:par_r, :ser_r);
SELECT rel_err((a.metrics->>'r2')::float8, (b.metrics->>'r2')::float8) <= 1e-10 AS same_r2,
	   rel_err((a.metrics->>'aic')::float8, (b.metrics->>'aic')::float8) <= 1e-10 AS same_aic,
	   a.n_rows = b.n_rows AS same_n
  FROM learn.models a, learn.models b WHERE a.id = :par AND b.id = :ser;

-- learn.linreg: parallel and serial agree too
SELECT (SELECT bool_and(rel_err(p, s) <= 1e-10)
		  FROM unnest((:'par_linreg'::learn.linreg_result).coef,
					  (learn.linreg(y, ARRAY[1, x1, x2, x3, x4])).coef) u(p, s)) AS same_linreg
  FROM big;

-- and the fit is right: the generating coefficients are recovered
SELECT term, round(estimate::numeric, 2) AS estimate
  FROM learn.coefficients WHERE model_id = :ser ORDER BY position;
RESET max_parallel_workers_per_gather;
