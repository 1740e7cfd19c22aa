--
-- The metric aggregates under memcheck: every state through parallel
-- workers (transition, serial, deserial and combine functions), grouped;
-- learn.auc's arrays growing, sorted runs, more runs than it keeps (20
-- partitions aggregated partitionwise), running and moving windows;
-- learn.confusion_matrix's labels growing past each capacity; and the
-- errors mid-aggregate.
--
\set ON_ERROR_STOP 0
SET extra_float_digits = 0;
CREATE TABLE vm AS
SELECT i, i % 5 AS g, sin(i * 0.37) * 10 AS y, sin(i * 0.37) * 10 + cos(i * 1.3) AS yhat,
	   sin(i * 0.37) + 0.5 * sin(i * 1.7) > 0 AS actual,
	   round((sin(i * 0.37) + 0.4 * cos(i * 2.1))::numeric, 2)::float8 AS score,
	   (1 + sin(i * 0.37 + 0.2)) / 2 AS p,
	   'l' || (i % 37) AS label, 'l' || ((i * 7) % 41) AS label_hat,
	   i % 3 AS cls, ((i * 5) % 3)::float8 AS cls_hat
  FROM generate_series(1, 30000) i;
ANALYZE vm;
ALTER TABLE vm SET (parallel_workers = 2);
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SELECT learn.r2(y, yhat), learn.rmse(y, yhat), learn.mae(y, yhat),
	   learn.accuracy(label, label_hat), learn.accuracy(cls, cls_hat),
	   learn.precision(actual, p > 0.5), learn.f1(actual, p > 0.5),
	   learn.log_loss(actual, p), learn.auc(actual, score),
	   jsonb_array_length(learn.confusion_matrix(label, label_hat) -> 'labels')
  FROM vm;
SELECT g, learn.r2(y, yhat), learn.accuracy(label, label_hat), learn.auc(actual, score),
	   learn.confusion_matrix(label, label_hat) -> 'labels' ->> 0
  FROM vm GROUP BY g ORDER BY g;
RESET max_parallel_workers_per_gather;
-- partitionwise: 20 partial states a group
CREATE TABLE vmp (LIKE vm) PARTITION BY HASH (i);
DO $$
BEGIN
	FOR r IN 0..19 LOOP
		EXECUTE format('CREATE TABLE vmp_%s PARTITION OF vmp FOR VALUES WITH (MODULUS 20, REMAINDER %s)', r, r);
	END LOOP;
END
$$;
INSERT INTO vmp SELECT * FROM vm;
ANALYZE vmp;
SET enable_partitionwise_aggregate = on;
SELECT g, learn.auc(actual, score), learn.mse(y, yhat),
	   learn.confusion_matrix(label, label_hat) -> 'labels' ->> 1
  FROM vmp GROUP BY g ORDER BY g;
SELECT learn.auc(actual, score), learn.accuracy(cls, cls_hat) FROM vmp;
RESET enable_partitionwise_aggregate;
-- windows: running (scores out of order, then in order), moving
SELECT count(DISTINCT a), count(DISTINCT b), count(DISTINCT c), count(DISTINCT d)
  FROM (SELECT learn.auc(actual, score) OVER (ORDER BY i) AS a,
			   learn.auc(actual, score) OVER (ORDER BY score, i) AS b,
			   learn.auc(actual, score) OVER (ORDER BY i ROWS BETWEEN 50 PRECEDING AND CURRENT ROW) AS c,
			   learn.confusion_matrix(label, label_hat)
				 OVER (ORDER BY i ROWS BETWEEN 20 PRECEDING AND CURRENT ROW) AS d
		  FROM vm WHERE i <= 2000) w;
-- labels past every capacity of the count matrix; the limits
SELECT jsonb_array_length(learn.confusion_matrix(i::text, (i * 3 % 1000 + 1)::text) -> 'matrix')
  FROM generate_series(1, 1000) i;
SELECT learn.confusion_matrix(i::text, 'x') FROM generate_series(1, 1001) i;
SELECT learn.confusion_matrix(repeat('x', 1000000) || i, 'y') FROM generate_series(1, 11) i;
-- errors mid-aggregate
SELECT learn.auc(actual, CASE WHEN i = 20000 THEN 'NaN' ELSE score END) FROM vm;
SELECT learn.log_loss(actual, CASE WHEN i = 20000 THEN 2 ELSE p END) FROM vm;
SELECT learn.mse(y, CASE WHEN i = 20000 THEN 'Infinity' ELSE yhat END) FROM vm;
SELECT learn.accuracy('{}'::json, '{}'::json);
