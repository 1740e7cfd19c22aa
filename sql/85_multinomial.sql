--
-- The multinomial family against statsmodels' MNLogit (tests/reference/
-- multinomial_reference.py wrote data/multinomial.csv and the expected
-- values): per class, estimates, standard errors, z statistics and
-- p-values to 1e-6 relative (p-values 1e-5), the metrics to 1e-8.
-- pg_learn stops on a relative deviance change below 1e-8 (its default
-- tolerance), statsmodels ran to 1e-14 on the estimates.  Measured when
-- this was written: at most 7e-8 for estimates and statistics, 1e-8 for
-- standard errors and 9e-7 for p-values (the weighted case), 1e-11 for
-- metrics.
--
CREATE TABLE mn_data (x1 float8, x2 float8, x3 float8, g int, w float8, y3 text,
	y4 int, yb int);
\copy mn_data FROM 'data/multinomial.csv' CSV HEADER
CREATE TABLE mn_ref_coef (case_name text, class text, term text, estimate float8,
	std_error float8, statistic float8, p_value float8);
\copy mn_ref_coef FROM 'tests/reference/expected/multinomial_coef.csv' CSV HEADER
CREATE TABLE mn_ref_metrics (case_name text, key text, value float8);
\copy mn_ref_metrics FROM 'tests/reference/expected/multinomial_metrics.csv' CSV HEADER

-- a model's terms (of group gkey) against a reference case, class by class
CREATE FUNCTION mn_same_terms(model text, case_name text, gkey text[] DEFAULT '{}',
	tol float8 DEFAULT 1e-6, OUT terms bigint, OUT same boolean)
LANGUAGE sql AS $$
	WITH c AS (SELECT co.* FROM learn.coefficients co
				 JOIN learn.models m ON m.id = co.model_id
				WHERE m.name = model AND m.deployed AND co.group_key = gkey),
		 r AS (SELECT * FROM mn_ref_coef r WHERE r.case_name = mn_same_terms.case_name)
	SELECT count(*),
		   coalesce(bool_and(rel_err(c.estimate, r.estimate) <= tol
			   AND rel_err(c.std_error, r.std_error) <= tol
			   AND rel_err(c.statistic, r.statistic) <= tol
			   AND (rel_err(c.p_value, r.p_value) <= 10 * tol OR abs(c.p_value - r.p_value) <= 1e-14)),
		   false)
	  FROM c FULL JOIN r USING (class, term)
$$;

CREATE FUNCTION mn_same_metrics(model text, case_name text, gkey text[] DEFAULT NULL,
	tol float8 DEFAULT 1e-8, OUT metrics bigint, OUT same boolean, OUT differ text)
LANGUAGE sql AS $$
	WITH mm AS (
		SELECT CASE WHEN gkey IS NULL THEN m.metrics ELSE gr.metrics END AS metrics
		  FROM learn.models m
		  LEFT JOIN learn.groups gr ON gr.model_id = m.id AND gr.group_key = gkey
		 WHERE m.name = model AND m.deployed)
	SELECT count(*),
		   coalesce(bool_and(rel_err((mm.metrics ->> r.key)::float8, r.value) <= tol), false),
		   string_agg(r.key, ', ') FILTER (WHERE NOT coalesce(rel_err((mm.metrics ->> r.key)::float8, r.value) <= tol, false))
	  FROM mn_ref_metrics r, mm
	 WHERE r.case_name = mn_same_metrics.case_name
$$;

-- three text classes: 'bird' is the reference, 'cat' and 'dog' get terms
SELECT 1 FROM learn.train('mn', 'multinomial', 'mn_data', 'y3', '{x1,x2}');
SELECT * FROM mn_same_terms('mn', 'multinomial');
SELECT * FROM mn_same_metrics('mn', 'multinomial');
SELECT algorithm, task, classes, params, metrics -> 'converged' AS converged,
	   jsonb_array_length(metrics -> 'history') = (metrics ->> 'iterations')::int AS history
  FROM learn.models WHERE name = 'mn';
-- a tighter tolerance takes the estimates as close as statsmodels' go
SELECT 1 FROM learn.train('mn_tight', 'multinomial', 'mn_data', 'y3', '{x1,x2}',
	'{"tolerance": 1e-14}');
SELECT * FROM mn_same_terms('mn_tight', 'multinomial', tol => 1e-10);
SELECT class, position, term FROM learn.coefficients c JOIN learn.models m ON m.id = c.model_id
 WHERE m.name = 'mn' ORDER BY class, position;

-- four integer classes, three features; no intercept; frequency weights
SELECT 1 FROM learn.train('mn4', 'multinomial', 'mn_data', 'y4', '{x1,x2,x3}');
SELECT * FROM mn_same_terms('mn4', 'multinomial4');
SELECT * FROM mn_same_metrics('mn4', 'multinomial4');
SELECT classes FROM learn.models WHERE name = 'mn4';
SELECT 1 FROM learn.train('mn_noint', 'multinomial', 'mn_data', 'y3', '{x1,x2}',
	'{"intercept": false}');
SELECT * FROM mn_same_terms('mn_noint', 'multinomial_noint');
SELECT * FROM mn_same_metrics('mn_noint', 'multinomial_noint');
-- without an intercept the null model gives every class the same probability
SELECT rel_err((metrics ->> 'null_deviance')::float8, 2 * 600 * ln(3)) < 1e-14 AS null_uniform
  FROM learn.models WHERE name = 'mn_noint';
SELECT 1 FROM learn.train('mn_w', 'multinomial', 'mn_data', 'y3', '{x1,x2}', weight => 'w');
SELECT * FROM mn_same_terms('mn_w', 'multinomial_weighted');
SELECT * FROM mn_same_metrics('mn_w', 'multinomial_weighted');

-- one fit per group, each as statsmodels fits the group's rows alone
SELECT 1 FROM learn.train('mn_g', 'multinomial', 'mn_data', 'y3', '{x1,x2}', group_by => '{g}');
SELECT * FROM mn_same_terms('mn_g', 'multinomial_g1', '{1}');
SELECT * FROM mn_same_terms('mn_g', 'multinomial_g2', '{2}');
SELECT * FROM mn_same_metrics('mn_g', 'multinomial_g1', '{1}');
SELECT * FROM mn_same_metrics('mn_g', 'multinomial_g2', '{2}');
-- a group lacking a class is recorded, not fitted
SELECT 1 FROM learn.train('mn_gmiss', 'multinomial',
	$$SELECT * FROM mn_data WHERE NOT (g = 2 AND y3 = 'cat')$$, 'y3', '{x1,x2}',
	group_by => '{g}');
SELECT gr.group_key, gr.fitted, gr.reason FROM learn.groups gr JOIN learn.models m ON m.id = gr.model_id
 WHERE m.name = 'mn_gmiss' ORDER BY 1;

-- rows with a NULL feature, target or weight are skipped and counted
SELECT 1 FROM learn.train('mn_nulls', 'multinomial',
	$$SELECT x1, x2, y3, w FROM mn_data UNION ALL
	  VALUES (NULL, 1, 'cat', 1), (0.5, NULL, 'dog', 1), (0.5, 1, NULL, 1), (0.5, 1, 'cat', NULL)$$,
	'y3', '{x1,x2}', weight => 'w');
SELECT * FROM mn_same_terms('mn_nulls', 'multinomial_weighted');
SELECT n_rows, n_skipped, classes FROM learn.models WHERE name = 'mn_nulls';

-- a class whose every row is skipped cannot be fitted
SELECT try($$SELECT learn.train('m', 'multinomial',
	$q$SELECT x1, x2, y3 FROM mn_data UNION ALL VALUES (NULL::float8, 1, 'owl')$q$, 'y3', '{x1,x2}')$$);

-- separation: setosa is separated from the others by the sepal measurements
SELECT 1 FROM learn.train('mn_sep', 'multinomial', 'iris', 'species',
	'{sepal_length, sepal_width}');
SELECT metrics -> 'converged' AS converged, metrics -> 'iterations' AS iterations
  FROM learn.models WHERE name = 'mn_sep';

-- two classes: the same fit as logistic (from other starting values, and
-- with standard errors from the Hessian at the estimates, where glm takes
-- the previous iteration's, 1e-5 apart here)
SELECT 1 FROM learn.train('mn_bin', 'multinomial', 'mn_data', 'yb', '{x1,x2}');
SELECT 1 FROM learn.train('lo_bin', 'logistic', 'mn_data', 'yb', '{x1,x2}');
SELECT count(*) AS terms, bool_and(a.class = '1' AND rel_err(a.estimate, b.estimate) < 1e-7
			AND rel_err(a.std_error, b.std_error) < 1e-3) AS same
  FROM learn.coefficients a JOIN learn.models ma ON ma.id = a.model_id AND ma.name = 'mn_bin'
  JOIN learn.coefficients b ON b.position = a.position
  JOIN learn.models mb ON mb.id = b.model_id AND mb.name = 'lo_bin';

-- the AUC of logistic fits on this data against sklearn's, one of them
-- with many tied scores (11 values of x3r)
CREATE TABLE mn_ref_auc (case_name text, value float8);
\copy mn_ref_auc FROM 'tests/reference/expected/glm_auc.csv' CSV HEADER
SELECT 1 FROM learn.train('lo_ties', 'logistic',
	'SELECT yb, round(x3::numeric, 1)::float8 AS x3r FROM mn_data', 'yb', '{x3r}');
SELECT m.name, rel_err((m.metrics ->> 'auc')::float8, r.value) < 1e-12 AS auc_ref
  FROM learn.models m JOIN mn_ref_auc r
	ON r.case_name = CASE m.name WHEN 'lo_bin' THEN 'multinomial_yb' ELSE 'ties' END
 WHERE m.name IN ('lo_bin', 'lo_ties') ORDER BY 1;
-- a multinomial model has no AUC
SELECT metrics ? 'auc' AS has_auc FROM learn.models WHERE name = 'mn';

-- scoring: each class's probability is the softmax of the stored
-- coefficients, the label the most probable class
CREATE TEMP VIEW mn_coef AS
SELECT max(estimate) FILTER (WHERE class = 'cat' AND position = 0) AS c0,
	   max(estimate) FILTER (WHERE class = 'cat' AND position = 1) AS c1,
	   max(estimate) FILTER (WHERE class = 'cat' AND position = 2) AS c2,
	   max(estimate) FILTER (WHERE class = 'dog' AND position = 0) AS d0,
	   max(estimate) FILTER (WHERE class = 'dog' AND position = 1) AS d1,
	   max(estimate) FILTER (WHERE class = 'dog' AND position = 2) AS d2
  FROM learn.coefficients c JOIN learn.models m ON m.id = c.model_id
 WHERE m.name = 'mn' AND m.deployed;
WITH e AS (
	SELECT d, exp(c0 + c1 * x1 + c2 * x2) AS ec, exp(d0 + d1 * x1 + d2 * x2) AS ed
	  FROM mn_data d, mn_coef)
SELECT bool_and(abs(learn.predict_proba('mn', d, 'bird') - 1 / (1 + ec + ed)) < 1e-15
				AND abs(learn.predict_proba('mn', d, 'cat') - ec / (1 + ec + ed)) < 1e-15
				AND abs(learn.predict_proba('mn', ARRAY[(d).x1, (d).x2], 'dog') - ed / (1 + ec + ed)) < 1e-15)
		AS proba,
	   bool_and(learn.predict_label('mn', d) =
				CASE WHEN ec > 1 AND ec >= ed THEN 'cat' WHEN ed > 1 AND ed > ec THEN 'dog' ELSE 'bird' END
				AND learn.predict_label('mn', ARRAY[(d).x1, (d).x2]) = learn.predict_label('mn', d))
		AS label
  FROM e;
-- accuracy and log_loss of the metrics are those of the scores
SELECT rel_err(avg((learn.predict_label('mn', d) = y3)::int), (m.metrics ->> 'accuracy')::float8) < 1e-14 AS accuracy,
	   rel_err(-avg(ln(learn.predict_proba('mn', d, y3))), (m.metrics ->> 'log_loss')::float8) < 1e-12 AS log_loss
  FROM mn_data d, learn.models m WHERE m.name = 'mn' AND m.deployed GROUP BY m.metrics;
-- numeric labels: learn.predict returns the class
SELECT bool_and(learn.predict('mn4', d) = learn.predict_label('mn4', d)::int) AS predict,
	   count(DISTINCT learn.predict('mn4', d)) > 1 AS several
  FROM mn_data d;
-- grouped: each row by its group's coefficients
SELECT bool_and(learn.predict_label('mn_g', d) IS NOT NULL) AS scored,
	   bool_and(abs(learn.predict_proba('mn_g', d, 'bird') + learn.predict_proba('mn_g', d, 'cat')
					+ learn.predict_proba('mn_g', d, 'dog') - 1) < 1e-15) AS sums_to_one
  FROM mn_data d;
SELECT try($$SELECT learn.predict('mn', ARRAY[1, 2])$$);
SELECT try($$SELECT learn.predict_proba('mn', ARRAY[1, 2])$$);
SELECT try($$SELECT learn.predict_proba('mn', ARRAY[1, 2], 'owl')$$);
-- a NULL class gives NULL, for any classifier
SELECT learn.predict_proba('mn', ARRAY[1, 2], NULL) IS NULL AS multinomial,
	   learn.predict_proba('lo_bin', ARRAY[1, 2], NULL) IS NULL AS binary;
SELECT try($$SELECT learn.predict_proba('mn', d) FROM mn_data d LIMIT 1$$);

-- float classes keep every digit, whatever extra_float_digits says
SET extra_float_digits = 0;
SELECT classes, metrics -> 'converged' AS converged FROM learn.train('mn_float', 'multinomial',
	$$SELECT i::float8 AS x, (i % 3) * 0.1::float8 + 0.2 AS y FROM generate_series(1, 30) i$$, 'y', '{x}',
	'{"max_iterations": 3}');
SELECT array_length(classes, 1) AS classes FROM learn.train('mn_float2', 'multinomial',
	$$SELECT i::float8 + sin(i) AS x, CASE WHEN i % 2 = 0 THEN 0.3::float8 ELSE 0.1::float8 + 0.2 END AS y
	  FROM generate_series(1, 30) i$$, 'y', '{x}');
SHOW extra_float_digits;
RESET extra_float_digits;

-- errors
SELECT try($$SELECT learn.train('m', 'multinomial', $q$SELECT x1, 'a'::text AS y FROM mn_data$q$, 'y', '{x1}')$$);
SELECT try($$SELECT learn.train('m', 'multinomial', 'mn_data', 'y4', '{x1}', '{"max_classes": 3}')$$);
SELECT try($$SELECT learn.train('m', 'multinomial', 'mn_data', 'y4', '{x1}', '{"max_classes": 1}')$$);
SELECT try($$SELECT learn.train('m', 'multinomial', 'mn_data', 'y3', '{x1}', '{"offset": "x2"}')$$);
-- targets that cannot hold labels
SELECT try($$SELECT learn.train('m', 'multinomial', $q$SELECT i::float8 AS x, ARRAY[i % 3] AS y FROM generate_series(1, 30) i$q$, 'y', '{x}')$$);
SELECT try($$SELECT learn.train('m', 'multinomial', $q$SELECT i::float8 AS x, ROW(i % 3, 1) AS y FROM generate_series(1, 30) i$q$, 'y', '{x}')$$);
SELECT try($$SELECT learn.train('m', 'logistic', $q$SELECT i::float8 AS x, ROW(i % 2, 1) AS y FROM generate_series(1, 30) i$q$, 'y', '{x}')$$);
SELECT try($$SELECT learn.train('m', 'multinomial', $q$SELECT x1, (x1 * 1000)::int AS y FROM mn_data$q$,
	'y', '{x1}', '{"max_classes": 1025}')$$);
-- a class the aggregate was not told of (the source changed between passes)
-- (spec: multinomial 6 * 16 + logit 3, classifier 256, K times 512)
SELECT try($$SELECT learn._glm_pass(NULL, 0, 99 + 256 + 3 * 512, 'y', 3, 1, 0, x1) FROM mn_data$$);
SELECT try($$SELECT learn._glm_pass(NULL, 0, 99 + 256 + 3 * 512, 'y', 1.5, 1, 0, x1) FROM mn_data$$);
-- one class, no classifier bit, another link, a K the model cannot have
SELECT try($$SELECT learn._glm_pass(NULL, 0, 99 + 256 + 1 * 512, 'y', 0, 1, 0, x1) FROM mn_data$$);
SELECT try($$SELECT learn._glm_pass(NULL, 0, 99 + 3 * 512, 'y', 0, 1, 0, x1) FROM mn_data$$);
SELECT try($$SELECT learn._glm_pass(NULL, 0, 97 + 256 + 3 * 512, 'y', 0, 1, 0, x1) FROM mn_data$$);
SELECT try($$SELECT learn._glm_pass(NULL, 0, 99 + 256 + 1026 * 512, 'y', 0, 1, 0, x1) FROM mn_data$$);
SELECT try($$SELECT learn._glm_pass(NULL, 0, 99 + 256 + 600 * 512, 'y', 0, 1, 0, x1, x2) FROM mn_data$$);
