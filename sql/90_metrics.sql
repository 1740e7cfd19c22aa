--
-- The metric aggregates against scikit-learn 1.2 (tests/reference/
-- metrics_reference.py wrote data/metrics.csv and the expected values):
-- overall and per group to 1e-12 relative, the confusion matrices exactly;
-- serial and parallel plans within 1e-12 of each other; NULL pairs, empty
-- input, undefined values, errors and window use.  Measured when this was
-- written: at most 1e-15 relative from scikit-learn (9.7e-16, r2 on the
-- 30-fold table), and parallel equal to serial to the last bit.
--
SET extra_float_digits = 0;
-- the queries on the large table below would spend seconds in JIT compilation
SET jit = off;
CREATE TABLE metrics_data (id int, g text, y float8, yhat float8, actual boolean,
	pred boolean, score float8, p float8, label text, label_hat text, cls int,
	cls_hat float8);
\copy metrics_data FROM 'data/metrics.csv' CSV HEADER
CREATE TABLE metrics_ref (metric text, grp text, value float8);
\copy metrics_ref FROM 'tests/reference/expected/metrics_expected.csv' CSV HEADER
CREATE TABLE metrics_ref_cm (grp text, matrix jsonb);
\copy metrics_ref_cm FROM 'tests/reference/expected/metrics_confusion.csv' CSV HEADER
SELECT count(*) AS rows, count(DISTINCT g) AS groups FROM metrics_data;

-- <table>_metrics: every aggregate over a table, overall (grp 'all') and
-- per group g (a GROUP BY), in long form; <table>_cm the confusion matrices
CREATE FUNCTION metrics_views(tbl text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	aggs text := 'learn.r2(y, yhat) AS r2, learn.mse(y, yhat) AS mse,
		learn.rmse(y, yhat) AS rmse, learn.mae(y, yhat) AS mae,
		learn.accuracy(label, label_hat) AS accuracy,
		learn.accuracy(cls, cls_hat) AS accuracy_cls,
		learn.precision(actual, pred) AS precision, learn.recall(actual, pred) AS recall,
		learn.f1(actual, pred) AS f1, learn.log_loss(actual, p) AS log_loss,
		learn.auc(actual, score) AS auc';
BEGIN
	EXECUTE format($v$
		CREATE VIEW %1$I AS
		SELECT v.metric, s.grp, v.value
		  FROM (SELECT 'all' AS grp, %3$s FROM %2$I
				UNION ALL
				SELECT g, %3$s FROM %2$I GROUP BY g) AS s,
			   LATERAL (VALUES ('r2', r2), ('mse', mse), ('rmse', rmse), ('mae', mae),
							   ('accuracy', accuracy), ('accuracy_cls', accuracy_cls),
							   ('precision', precision), ('recall', recall), ('f1', f1),
							   ('log_loss', log_loss), ('auc', auc)) AS v(metric, value)$v$,
		tbl || '_metrics', tbl, aggs);
	EXECUTE format($v$
		CREATE VIEW %1$I AS
		SELECT 'all' AS grp, learn.confusion_matrix(label, label_hat) AS matrix FROM %2$I
		UNION ALL
		SELECT g, learn.confusion_matrix(label, label_hat) FROM %2$I GROUP BY g$v$,
		tbl || '_cm', tbl);
END
$$;
SELECT metrics_views('metrics_data');

-- each metric against scikit-learn, overall and in each of the 6 groups;
-- NULL where scikit-learn has no value (see the generator)
CREATE TABLE ours_small AS SELECT * FROM metrics_data_metrics;
SELECT metric, count(*) AS compared, count(r.value) AS not_null,
	   bool_and(rel_err(o.value, r.value) <= 1e-12) AS same
  FROM ours_small o FULL JOIN metrics_ref r USING (metric, grp)
 GROUP BY metric ORDER BY metric;
SELECT grp, r.matrix IS NULL AS ref_null, o.matrix = r.matrix AS same
  FROM metrics_data_cm o FULL JOIN metrics_ref_cm r USING (grp) ORDER BY grp;
SELECT learn.confusion_matrix(label, label_hat) FROM metrics_data WHERE g = 'tiny';

-- ---------------------------------------------------------------------
-- Parallel plans: the same table 30 times (every metric but the counts
-- of the confusion matrices is the same), read by 2 workers and the
-- leader; their partial states travel serialized.
-- ---------------------------------------------------------------------
CREATE TABLE metrics_big AS
SELECT d.* FROM generate_series(1, 30) AS k, metrics_data AS d ORDER BY d.id, k;
ALTER TABLE metrics_big SET (parallel_workers = 2);
ANALYZE metrics_big;
SELECT metrics_views('metrics_big');

CREATE FUNCTION plan_of(query text, with_analyze boolean DEFAULT false) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	line text;
	plan text := '';
BEGIN
	FOR line IN EXECUTE format('EXPLAIN (COSTS OFF%s) %s',
							   CASE WHEN with_analyze THEN ', ANALYZE, TIMING OFF, SUMMARY OFF' ELSE '' END,
							   query) LOOP
		plan := plan || line || E'\n';
	END LOOP;
	RETURN plan;
END
$$;

SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
-- every state gets a Partial/Finalize plan, grouped or not, and workers run
SELECT plan_of(q) ~ 'Partial \w*Aggregate' AND plan_of(q) ~ 'Finalize \w*Aggregate'
	   AND plan_of(q) ~ 'Gather' AS partial_plan,
	   plan_of(q, true) ~ 'Workers Launched: [12]' AS workers_ran
  FROM (VALUES ('SELECT learn.r2(y, yhat), learn.accuracy(label, label_hat),
						learn.accuracy(cls, cls_hat), learn.f1(actual, pred),
						learn.log_loss(actual, p) FROM metrics_big'),
			   ('SELECT learn.auc(actual, score) FROM metrics_big'),
			   ('SELECT learn.confusion_matrix(label, label_hat) FROM metrics_big'),
			   ('SELECT g, learn.auc(actual, score), learn.mae(y, yhat),
						learn.confusion_matrix(label, label_hat) FROM metrics_big GROUP BY g'))
	   AS v(q);
SELECT plan_of('CREATE TABLE ours_parallel AS SELECT * FROM metrics_big_metrics')
		 ~ 'Finalize Aggregate.*Gather.*Partial HashAggregate' AS ctas_is_parallel;
CREATE TABLE ours_parallel AS SELECT * FROM metrics_big_metrics;
CREATE TABLE ours_parallel_cm AS SELECT * FROM metrics_big_cm;
SET max_parallel_workers_per_gather = 0;
SELECT plan_of('SELECT learn.auc(actual, score) FROM metrics_big') ~ 'Gather' AS serial_has_gather;
CREATE TABLE ours_serial AS SELECT * FROM metrics_big_metrics;
CREATE TABLE ours_serial_cm AS SELECT * FROM metrics_big_cm;
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;

-- serial and parallel agree (the AUC to the last bit), and both with
-- scikit-learn on the original table (but for r2 of group solo: one pair
-- there, NULL, 30 equal pairs here, 0)
SELECT metric, count(*) AS compared,
	   bool_and(rel_err(p.value, s.value) <= 1e-12) AS parallel_is_serial,
	   bool_and(metric <> 'auc' OR p.value IS NOT DISTINCT FROM s.value) AS auc_exact,
	   bool_and(rel_err(p.value, r.value) <= 1e-12
				OR (metric, grp, p.value) = ('r2', 'solo', 0)) AS same_as_reference
  FROM ours_parallel p FULL JOIN ours_serial s USING (metric, grp)
	   FULL JOIN metrics_ref r USING (metric, grp)
 GROUP BY metric ORDER BY metric;
-- the confusion matrices: parallel = serial = 30 x the reference's counts
SELECT grp, p.matrix = s.matrix AS parallel_is_serial,
	   p.matrix -> 'labels' = r.matrix -> 'labels' AS same_labels,
	   (SELECT bool_and((p.matrix #> ARRAY['matrix', i::text, j::text])::int
						= 30 * (r.matrix #> ARRAY['matrix', i::text, j::text])::int)
		  FROM generate_series(0, jsonb_array_length(r.matrix -> 'labels') - 1) AS i,
			   generate_series(0, jsonb_array_length(r.matrix -> 'labels') - 1) AS j) AS counts_30x
  FROM ours_parallel_cm p FULL JOIN ours_serial_cm s USING (grp)
	   FULL JOIN metrics_ref_cm r USING (grp)
 ORDER BY grp;

-- Partitionwise aggregation: one partial state a partition, 20 of them
-- combined in one leader (more sorted runs of scores than learn.auc keeps:
-- it sorts them whole), the same values
CREATE TABLE metrics_parts (LIKE metrics_data) PARTITION BY HASH (id);
DO $$
BEGIN
	FOR r IN 0..19 LOOP
		EXECUTE format('CREATE TABLE metrics_part_%s PARTITION OF metrics_parts
						FOR VALUES WITH (MODULUS 20, REMAINDER %s)', r, r);
	END LOOP;
END
$$;
INSERT INTO metrics_parts SELECT * FROM metrics_data;
ANALYZE metrics_parts;
SELECT metrics_views('metrics_parts');
SET enable_partitionwise_aggregate = on;
SET max_parallel_workers_per_gather = 0;
SELECT (SELECT count(*) FROM regexp_matches(plan_of('SELECT learn.auc(actual, score) FROM metrics_parts'),
											'Partial Aggregate', 'g')) AS partial_states;
SELECT metric, count(*) AS compared,
	   bool_and(rel_err(p.value, o.value) <= 1e-12) AS same,
	   bool_and(metric <> 'auc' OR p.value IS NOT DISTINCT FROM o.value) AS auc_exact
  FROM metrics_parts_metrics p FULL JOIN ours_small o USING (metric, grp)
 GROUP BY metric ORDER BY metric;
SELECT bool_and(p.matrix = o.matrix) AS same_matrices
  FROM metrics_parts_cm p JOIN metrics_data_cm o USING (grp);
RESET max_parallel_workers_per_gather;
RESET enable_partitionwise_aggregate;

-- ---------------------------------------------------------------------
-- NULL pairs are ignored; no pairs give NULL
-- ---------------------------------------------------------------------
-- a pair with a NULL on either side is skipped: the same as filtering it
SELECT learn.mse(y, yhat) = learn.mse(y, yhat) FILTER (WHERE y IS NOT NULL AND yhat IS NOT NULL)
		AS mse_skips,
	   learn.auc(actual, score) = learn.auc(actual, score) FILTER (WHERE score IS NOT NULL
																  AND actual IS NOT NULL) AS auc_skips,
	   learn.confusion_matrix(label, label_hat)
		 = learn.confusion_matrix(label, label_hat) FILTER (WHERE label_hat IS NOT NULL
															AND label IS NOT NULL) AS cm_skips
  FROM metrics_data;
-- no rows, and only NULL pairs: every aggregate is NULL
SELECT learn.r2(y, yhat) AS r2, learn.mse(y, yhat) AS mse, learn.rmse(y, yhat) AS rmse,
	   learn.mae(y, yhat) AS mae, learn.accuracy(label, label_hat) AS accuracy,
	   learn.accuracy(cls, cls_hat) AS accuracy_cls, learn.precision(actual, pred) AS precision,
	   learn.recall(actual, pred) AS recall, learn.f1(actual, pred) AS f1,
	   learn.log_loss(actual, p) AS log_loss, learn.auc(actual, score) AS auc,
	   learn.confusion_matrix(label, label_hat) AS cm
  FROM metrics_data WHERE g = 'void';
SELECT learn.r2(y, yhat) AS r2, learn.auc(actual, score) AS auc,
	   learn.confusion_matrix(label, label_hat) AS cm
  FROM metrics_data WHERE false;

-- ---------------------------------------------------------------------
-- Undefined values and edges
-- ---------------------------------------------------------------------
-- r2 of a constant y: 1 when every prediction is exact, else 0 (scikit-
-- learn's force_finite, its documented examples); NULL below two pairs
SELECT learn.r2(y, yhat) FROM (VALUES (-2, -2), (-2, -2), (-2, -2)) AS v(y, yhat);
SELECT learn.r2(y, yhat) FROM (VALUES (-2, -2), (-2, -2), (-2, -2 + 1e-8)) AS v(y, yhat);
SELECT learn.r2(y, yhat) AS r2, learn.mse(y, yhat) AS mse FROM (VALUES (1, 3)) AS v(y, yhat);
-- scikit-learn's documented r2_score example: 0.948...
SELECT round(learn.r2(y, yhat)::numeric, 6) AS r2
  FROM (VALUES (3, 2.5), (-0.5, 0.0), (2, 2), (7, 8)) AS v(y, yhat);
-- no predicted true: precision NULL; no actual true: recall NULL; only
-- true negatives: f1 NULL too; f1 is 0 when TP = 0 otherwise
SELECT learn.precision(a, b) AS precision, learn.recall(a, b) AS recall, learn.f1(a, b) AS f1
  FROM (VALUES (true, false), (false, false)) AS v(a, b);
SELECT learn.precision(a, b) AS precision, learn.recall(a, b) AS recall, learn.f1(a, b) AS f1
  FROM (VALUES (false, true), (false, false)) AS v(a, b);
SELECT learn.precision(a, b) AS precision, learn.recall(a, b) AS recall, learn.f1(a, b) AS f1
  FROM (VALUES (false, false), (false, false)) AS v(a, b);
-- auc: one class gives NULL; a tie counts one half; equal to the share
-- of (true, false) pairs ordered right
SELECT learn.auc(a, s) FROM (VALUES (true, 0.1), (true, 0.9)) AS v(a, s);
SELECT learn.auc(a, s) FROM (VALUES (true, 0.5), (false, 0.5)) AS v(a, s);
SELECT learn.auc(a, s) FROM (VALUES (false, 0.1), (false, 0.4), (true, 0.35), (true, 0.8)) AS v(a, s);
SELECT abs((SELECT learn.auc(actual, score) FROM metrics_data WHERE id <= 300)
		   - (SELECT avg(CASE WHEN t.score > f.score THEN 1.0 WHEN t.score = f.score THEN 0.5
							  ELSE 0.0 END)
				FROM metrics_data t, metrics_data f
			   WHERE t.id <= 300 AND f.id <= 300 AND t.actual AND NOT f.actual
				 AND t.score IS NOT NULL AND f.score IS NOT NULL)::float8) < 1e-15 AS auc_is_pair_share;
-- -0 and 0 tie; scores may be any finite numbers
SELECT learn.auc(a, s) FROM (VALUES (true, '-0'::float8), (false, 0), (true, 1e308), (false, -1e308)) AS v(a, s);
-- many scores are sorted by their bits (numeric/radix.c): signs, -0 and 0,
-- subnormals, the largest doubles, ties within and across the classes;
-- against the pair share computed in SQL from the scores' distinct values
CREATE TABLE auc_bits AS
SELECT i % 3 = 0 AS a,
	   (CASE i % 7 WHEN 0 THEN '-0'::float8 WHEN 1 THEN 0
		WHEN 2 THEN (i % 11 - 5) * 4.9e-324 WHEN 3 THEN (i % 13 - 6) * 1e307
		WHEN 4 THEN round(sin(i) * 50) ELSE sin(i * 7) * 10 ^ (i % 41 - 20) END)::float8 AS s
  FROM generate_series(1, 20000) AS i;
WITH t AS (SELECT s, count(*) FILTER (WHERE a) AS pos, count(*) FILTER (WHERE NOT a) AS neg
			 FROM auc_bits GROUP BY s),
	 u AS (SELECT pos, neg, coalesce(sum(neg) OVER (ORDER BY s ROWS BETWEEN UNBOUNDED PRECEDING
												   AND 1 PRECEDING), 0) AS below FROM t)
SELECT count(*) AS distinct_scores,
	   abs((SELECT learn.auc(a, s) FROM auc_bits)
		   - (SELECT sum(pos * (below + 0.5 * neg)) / (sum(pos) * sum(neg)) FROM u)::float8) < 1e-14
	   AS auc_of_sorted_bits
  FROM t;
-- log_loss clips p to [eps, 1 - eps]: a sure and right prediction costs
-- -log(1 - eps), a sure and wrong one -log(eps) = 36.04
SELECT learn.log_loss(a, p) FROM (VALUES (true, 1.0), (false, 0.0)) AS v(a, p);
SELECT round(learn.log_loss(a, p)::numeric, 10) FROM (VALUES (true, 0.0)) AS v(a, p);
SELECT round(learn.log_loss(a, p)::numeric, 10) AS half FROM (VALUES (true, 0.5), (false, 0.5)) AS v(a, p);
-- labels: every label of either side, byte order (upper case first),
-- rows actual, columns predicted
SELECT learn.confusion_matrix(a, b)
  FROM (VALUES ('b', 'a'), ('a', 'a'), ('B', NULL), (NULL, 'c'), ('a', 'ab'), ('', 'a')) AS v(a, b);

-- ---------------------------------------------------------------------
-- accuracy: text labels, or any type with an equality operator
-- ---------------------------------------------------------------------
-- literals of unknown type are text ('1' and '1.0' differ); numbers
-- compare in their common type (1 = 1.0)
SELECT learn.accuracy('1', '1.0') AS text_literals, learn.accuracy(1, 1.0) AS numbers,
	   learn.accuracy(NULL, 'a') AS null_pair;
SELECT learn.accuracy(a, b) FROM (VALUES ('x'::varchar, 'x'::name)) AS v(a, b);
SELECT learn.accuracy(a, 'true') FROM (VALUES (true), (false)) AS v(a);
PREPARE acc(unknown, unknown) AS SELECT learn.accuracy($1, $2);
EXECUTE acc('a', 'a');
DEALLOCATE acc;
SELECT try($$SELECT learn.accuracy(1, 'x'::text)$$);
SELECT try($$SELECT learn.accuracy('{}'::json, '{}'::json)$$);
-- the class of a classifier with numeric labels (learn.predict's float8)
-- against its integer target
SELECT 1 FROM learn.train('metrics_vs', 'logistic', 'mtcars', 'vs', '{mpg}');
SELECT learn.accuracy(vs, learn.predict('metrics_vs', c))
		 = avg((vs = learn.predict('metrics_vs', c))::int) AS accuracy_of_predict,
	   pg_typeof(vs) AS actual_type, pg_typeof(learn.predict('metrics_vs', c)) AS predicted_type
  FROM mtcars c GROUP BY 2, 3;
SELECT learn.drop_model('metrics_vs');

-- ---------------------------------------------------------------------
-- Errors
-- ---------------------------------------------------------------------
SELECT try($$SELECT learn.r2(y, yhat) FROM (VALUES (1, 'NaN'::float8)) AS v(y, yhat)$$);
SELECT try($$SELECT learn.mae(y, yhat) FROM (VALUES ('-Infinity'::float8, 1)) AS v(y, yhat)$$);
SELECT try($$SELECT learn.auc(a, s) FROM (VALUES (true, 'NaN'::float8)) AS v(a, s)$$);
SELECT try($$SELECT learn.auc(a, s) FROM (VALUES (false, 'Infinity'::float8)) AS v(a, s)$$);
SELECT try($$SELECT learn.log_loss(a, p) FROM (VALUES (true, 1.5)) AS v(a, p)$$);
SELECT try($$SELECT learn.log_loss(a, p) FROM (VALUES (true, -1e-300)) AS v(a, p)$$);
SELECT try($$SELECT learn.log_loss(a, p) FROM (VALUES (false, 'NaN'::float8)) AS v(a, p)$$);
-- sums that overflow
SELECT try($$SELECT learn.mse(y, yhat) FROM (VALUES (1e300, -1e300)) AS v(y, yhat)$$);
SELECT try($$SELECT learn.r2(y, yhat) FROM (VALUES (1e300, 1e300), (-1e300, -1e300), (0, 1)) AS v(y, yhat)$$);
SELECT learn.mae(y, yhat) FROM (VALUES (1e300, -1e300)) AS v(y, yhat);
-- the labels of a confusion matrix are bounded: 1000 of them, 10 MB
SELECT jsonb_array_length(learn.confusion_matrix(i::text, (i % 7 + 1)::text) -> 'labels') AS labels
  FROM generate_series(1, 1000) AS i;
SELECT try($$SELECT learn.confusion_matrix(i::text, 'x') FROM generate_series(1, 1000) AS i$$);
SELECT try($$SELECT learn.confusion_matrix(repeat('x', 1000000) || i, 'y') FROM generate_series(1, 11) AS i$$);

-- ---------------------------------------------------------------------
-- Window use
-- ---------------------------------------------------------------------
-- per group over the whole partition: the GROUP BY values
SELECT DISTINCT g, learn.mse(y, yhat) OVER (PARTITION BY g)
				   IS NOT DISTINCT FROM (SELECT value FROM ours_small o WHERE o.metric = 'mse' AND o.grp = d.g)
				   AS mse_same,
				learn.auc(actual, score) OVER (PARTITION BY g)
				   IS NOT DISTINCT FROM
				   (SELECT value FROM ours_small o WHERE o.metric = 'auc' AND o.grp = d.g)
				   AS auc_same
  FROM metrics_data d ORDER BY g;
-- running: each row's AUC, r2 and accuracy over the rows up to it, as
-- the aggregate of that prefix
SELECT count(*) AS rows,
	   bool_and(running_auc IS NOT DISTINCT FROM
				(SELECT learn.auc(actual, score) FROM metrics_data WHERE id <= w.id)) AS auc_same,
	   bool_and(rel_err(running_r2,
						(SELECT learn.r2(y, yhat) FROM metrics_data WHERE id <= w.id)) <= 1e-12)
		 AS r2_same,
	   bool_and(running_acc = (SELECT learn.accuracy(label, label_hat) FROM metrics_data
								WHERE id <= w.id)) AS accuracy_same
  FROM (SELECT id, learn.auc(actual, score) OVER (ORDER BY id) AS running_auc,
			   learn.r2(y, yhat) OVER (ORDER BY id) AS running_r2,
			   learn.accuracy(label, label_hat) OVER (ORDER BY id) AS running_acc
		  FROM metrics_data WHERE id <= 150) AS w;
-- a moving frame of 5 rows
SELECT count(*) AS rows,
	   bool_and(cm IS NOT DISTINCT FROM
				(SELECT learn.confusion_matrix(label, label_hat) FROM metrics_data
				  WHERE id BETWEEN w.id - 4 AND w.id)) AS cm_same,
	   bool_and(rel_err(mae, (SELECT learn.mae(y, yhat) FROM metrics_data
							   WHERE id BETWEEN w.id - 4 AND w.id)) <= 1e-12) AS mae_same
  FROM (SELECT id,
			   learn.confusion_matrix(label, label_hat)
				 OVER (ORDER BY id ROWS BETWEEN 4 PRECEDING AND CURRENT ROW) AS cm,
			   learn.mae(y, yhat) OVER (ORDER BY id ROWS BETWEEN 4 PRECEDING AND CURRENT ROW) AS mae
		  FROM metrics_data WHERE id <= 200) AS w;
-- scores that arrive in order (a window by score) and out of it
SELECT count(*) AS rows,
	   bool_and(auc IS NOT DISTINCT FROM
				(SELECT learn.auc(actual, score) FROM metrics_data
				  WHERE score <= w.score AND id <= 400)) AS auc_by_score_same,
	   bool_and(auc_desc IS NOT DISTINCT FROM
				(SELECT learn.auc(actual, score) FROM metrics_data
				  WHERE score >= w.score AND id <= 400)) AS auc_by_score_desc_same
  FROM (SELECT score,
			   learn.auc(actual, score) OVER (ORDER BY score) AS auc,
			   learn.auc(actual, score) OVER (ORDER BY score DESC) AS auc_desc
		  FROM metrics_data WHERE id <= 400 AND score IS NOT NULL) AS w;
