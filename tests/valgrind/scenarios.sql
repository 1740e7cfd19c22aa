--
-- Scenarios for scripts/valgrind.sh beyond the pg_regress suite, the kind
-- the TAP tests cover (those start clusters of their own, outside
-- valgrind): training and merging in parallel workers, scoring across
-- redeploys and drops with a tiny model cache, a second session.
--
\set ON_ERROR_STOP 0
SET extra_float_digits = 0;
CREATE TABLE t AS
SELECT i, sin(i) AS x1, cos(i * 0.7) AS x2, (i % 5)::int AS k,
       (ARRAY['a', 'b', 'c'])[1 + i % 3] AS g, 1 + i % 4 AS w,
       1 + 2 * sin(i) - cos(i * 0.7) + (i % 5) * 0.1 + ((i * 7919) % 101) / 500.0 AS y
  FROM generate_series(1, 20000) i;
ANALYZE t;

-- parallel workers run the transition, serial and combine functions
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET force_parallel_mode = on;
SELECT n_rows FROM learn.train('p', 'linear', 't', 'y', '{x1,x2,k}');
SELECT n_rows FROM learn.train('p', 'linear', 't', 'y', '{x1,x2,k}',
							   '{"robust": "HC1"}', '{g}', 'w');
SELECT (learn.linreg(y, ARRAY[1, x1, x2])).n FROM t;
SELECT g, length(learn.linear_partial(y, w, x1, x2)) FROM t GROUP BY g ORDER BY g;
SELECT round(sum(learn.predict('p', t))::numeric, 3) FROM t;
SELECT round(sum(learn.predict('p@1', ARRAY[x1, x2, k]))::numeric, 3) FROM t;
RESET force_parallel_mode;

-- partial states merged: whole, cut short, of another width
SELECT (learn.linreg_merge(s)).n
  FROM (SELECT learn.linreg_partial(y, ARRAY[1, x1]) AS s FROM t GROUP BY i % 4) p;
SELECT learn.linear_merge(substr(s, 1, 40))
  FROM (SELECT learn.linear_partial(y, 1, x1) AS s FROM t) p;
SELECT learn.linear_merge(s) FROM (SELECT learn.linear_partial(y, 1, x1) FROM t
	UNION ALL SELECT learn.linear_partial(y, 1, x1, x2) FROM t) p(s);

-- scoring across redeploys and drops, one model cached at a time
SET learn.model_cache_size = 1;
SELECT n_rows FROM learn.train('q', 'linear', 't', 'y', '{x1}');
SELECT n_rows FROM learn.train('q', 'linear', 't', 'y', '{x1,x2}', '{"deploy": false}');
SELECT count(learn.predict('q', t)), count(learn.predict('q@2', t)),
	   count(learn.predict('p', t)) FROM t;
SELECT version FROM learn.deploy('q', 2);
SELECT count(learn.predict('q', t)) FROM t;
SELECT learn.drop_model('q', 1);
SELECT count(learn.predict('q', ARRAY[x1, x2])) FROM t;
SELECT learn.predict('q@1', ARRAY[1.0]);
DO $$
BEGIN
	FOR v IN 1 .. 3 LOOP
		PERFORM learn.train('r', 'linear', 't', 'y', '{x1}');
		PERFORM count(learn.predict('r', t)) FROM t WHERE i < 100;
	END LOOP;
	PERFORM learn.drop_model('r');
	PERFORM learn.predict('r', ARRAY[1.0]);
END
$$;
RESET learn.model_cache_size;

-- a second session sees the redeploy
\connect
SELECT count(learn.predict('q', t)) FROM t;
SELECT version FROM learn.deploy('p', 1);
SELECT round(sum(learn.predict('p', t))::numeric, 3) FROM t;
SELECT learn.drop_model('p'), learn.drop_model('q');
