--
-- Categorical features: text, varchar, character(n) and enum columns are
-- one-hot encoded with R's treatment coding, against R's lm and glm with
-- factors (tests/reference/factors_reference.R wrote data/factors.csv and
-- the expected values): the same terms with the same names ("color=green"),
-- estimates, standard errors, statistics and p-values to 1e-10 relative,
-- the metrics too; scoring by the stored levels, an unseen level counting
-- as the reference level.
--
SET extra_float_digits = 0;
CREATE TABLE fac (x1 float8, x2 float8, color text, size text, g int, w float8,
	y float8, yb int, yc int);
\copy fac FROM 'data/factors.csv' CSV HEADER
CREATE TABLE fac_ref_coef (case_name text, term text, estimate float8, std_error float8,
	statistic float8, p_value float8);
\copy fac_ref_coef FROM 'tests/reference/expected/factors_coef.csv' CSV HEADER
CREATE TABLE fac_ref_metrics (case_name text, key text, value float8);
\copy fac_ref_metrics FROM 'tests/reference/expected/factors_metrics.csv' CSV HEADER
CREATE TABLE fac_ref_predict (case_name text, x1 float8, x2 float8, color text, size text,
	prediction float8);
\copy fac_ref_predict FROM 'tests/reference/expected/factors_predict.csv' CSV HEADER

-- a model's terms (of group gkey) against a reference case (same_terms)
CREATE FUNCTION fac_same_terms(model text, case_name text, gkey text[] DEFAULT '{}',
	tol float8 DEFAULT 1e-10, OUT terms bigint, OUT same boolean)
LANGUAGE sql AS $$
	SELECT * FROM same_terms(model, format('SELECT * FROM fac_ref_coef WHERE case_name = %L', case_name),
							 tol, gkey)
$$;

CREATE FUNCTION fac_same_metrics(model text, case_name text, gkey text[] DEFAULT NULL,
	tol float8 DEFAULT 1e-10, OUT metrics bigint, OUT same boolean, OUT differ text)
LANGUAGE sql AS $$
	WITH mm AS (
		SELECT CASE WHEN gkey IS NULL THEN m.metrics ELSE gr.metrics END AS metrics
		  FROM learn.models m
		  LEFT JOIN learn.groups gr ON gr.model_id = m.id AND gr.group_key = gkey
		 WHERE m.name = model AND m.deployed)
	SELECT count(*),
		   coalesce(bool_and(rel_err((mm.metrics ->> r.key)::float8, r.value) <= tol), false),
		   string_agg(r.key, ', ') FILTER (WHERE NOT coalesce(rel_err((mm.metrics ->> r.key)::float8, r.value) <= tol, false))
	  FROM fac_ref_metrics r, mm
	 WHERE r.case_name = fac_same_metrics.case_name
$$;

-- one factor: blue is the reference level and has no term
SELECT features, n_rows FROM learn.train('fac_color', 'linear', 'fac', 'y', '{color,x1}');
SELECT * FROM fac_same_terms('fac_color', 'lm_color');
SELECT * FROM fac_same_metrics('fac_color', 'lm_color');
SELECT c.position, c.term FROM learn.coefficients c JOIN learn.models m ON m.id = c.model_id
 WHERE m.name = 'fac_color' ORDER BY c.position;
SELECT e.feature, e.position, e.level FROM learn.encodings e JOIN learn.models m ON m.id = e.model_id
 WHERE m.name = 'fac_color' ORDER BY e.feature, e.position;

-- two factors and two numbers; without an intercept the first factor
-- keeps all of its levels (R's coding); weights
SELECT 1 FROM learn.train('fac_two', 'linear', 'fac', 'y', '{color,size,x1,x2}');
SELECT * FROM fac_same_terms('fac_two', 'lm_two');
SELECT * FROM fac_same_metrics('fac_two', 'lm_two');
SELECT 1 FROM learn.train('fac_noint', 'linear', 'fac', 'y', '{color,size,x1}',
	'{"intercept": false}');
SELECT * FROM fac_same_terms('fac_noint', 'lm_noint');
SELECT * FROM fac_same_metrics('fac_noint', 'lm_noint');
SELECT 1 FROM learn.train('fac_w', 'linear', 'fac', 'y', '{color,size,x1}', weight => 'w');
SELECT * FROM fac_same_terms('fac_w', 'lm_weighted');
SELECT * FROM fac_same_metrics('fac_w', 'lm_weighted');

-- grouped: each group's fit as R fits its rows; the levels are the model's
SELECT 1 FROM learn.train('fac_g', 'linear', 'fac', 'y', '{color,x1}', group_by => '{g}');
SELECT * FROM fac_same_terms('fac_g', 'lm_g1', '{1}');
SELECT * FROM fac_same_terms('fac_g', 'lm_g2', '{2}');
SELECT * FROM fac_same_metrics('fac_g', 'lm_g1', '{1}');
SELECT * FROM fac_same_metrics('fac_g', 'lm_g2', '{2}');

-- generalized linear models
SELECT 1 FROM learn.train('fac_logit', 'logistic', 'fac', 'yb', '{color,x1}');
SELECT * FROM fac_same_terms('fac_logit', 'logistic_color');
SELECT * FROM fac_same_metrics('fac_logit', 'logistic_color');
SELECT 1 FROM learn.train('fac_pois', 'glm', 'fac', 'yc', '{size,x1}', '{"family": "poisson"}');
SELECT * FROM fac_same_terms('fac_pois', 'poisson_size');
SELECT * FROM fac_same_metrics('fac_pois', 'poisson_size');

-- scoring by the stored levels: R's predictions on new rows; an unseen
-- level (purple) scores as the reference level (R's prediction for blue)
CREATE TABLE fac_new AS SELECT * FROM fac_ref_predict;
SELECT r.case_name, count(*) AS rows,
	   bool_and(rel_err(CASE r.case_name WHEN 'lm_two' THEN learn.predict('fac_two', r)
										 ELSE learn.predict_proba('fac_logit', r) END,
						r.prediction) < 1e-12) AS same
  FROM fac_new r GROUP BY 1 ORDER BY 1;
-- the planner's rewrite (learn._predict_cols) scores the same
EXPLAIN (VERBOSE, COSTS OFF) SELECT learn.predict('fac_two', r) FROM fac_new r;
-- in a view, from a record variable, and with the columns in another order
-- and of other string types (varchar, character(n) with its blanks)
CREATE VIEW fac_scored AS SELECT learn.predict('fac_two', r) AS p, r.* FROM fac_new r;
SELECT bool_and(rel_err(p, prediction) < 1e-12) AS same FROM fac_scored WHERE case_name = 'lm_two';
SELECT bool_and(rel_err(learn.predict('fac_two', t), t.prediction) < 1e-12) AS same
  FROM (SELECT x2, size::char(4) AS size, prediction, color::varchar AS color, x1
		  FROM fac_new WHERE case_name = 'lm_two') t;
-- a NULL level scores NULL; a missing column is an error naming it; an
-- array cannot score a model with categorical features
SELECT learn.predict('fac_two', t) IS NULL AS null_score
  FROM (SELECT NULL::text AS color, 'M' AS size, 1.0::float8 AS x1, 2.0::float8 AS x2) t;
SELECT try($$SELECT learn.predict('fac_two', t) FROM (SELECT 'M' AS size, 1.0::float8 AS x1, 2.0::float8 AS x2) t$$);
SELECT try($$SELECT learn.predict('fac_two', ARRAY[1, 2, 3, 4])$$);
-- grouped scoring: each row by its group's coefficients and the levels
SELECT bool_and(abs(learn.predict('fac_g', f) - (c0 + coalesce(cg, 0) + coalesce(cr, 0) + c1 * x1)) < 1e-12) AS same
  FROM fac f JOIN LATERAL (
	SELECT max(c.estimate) FILTER (WHERE c.term = '(intercept)') AS c0,
		   max(c.estimate) FILTER (WHERE c.term = 'color=green' AND f.color = 'green') AS cg,
		   max(c.estimate) FILTER (WHERE c.term = 'color=red' AND f.color = 'red') AS cr,
		   max(c.estimate) FILTER (WHERE c.term = 'x1') AS c1
	  FROM learn.coefficients c JOIN learn.models m ON m.id = c.model_id
	 WHERE m.name = 'fac_g' AND m.deployed AND c.group_key = ARRAY[f.g::text]) k ON true;

-- an enum: its levels in the enum's order (S is the reference), the same
-- fit in another parametrization (fitted values, r2, deviance)
CREATE TYPE tshirt AS ENUM ('S', 'M', 'L', 'XL');
CREATE TABLE fac_enum AS SELECT y, x1, color, size::tshirt AS size FROM fac;
SELECT 1 FROM learn.train('fac_enum', 'linear', 'fac_enum', 'y', '{color,size,x1}');
SELECT 1 FROM learn.train('fac_text', 'linear', 'fac', 'y', '{color,size,x1}');
SELECT string_agg(e.level, ',' ORDER BY e.position) AS levels
  FROM learn.encodings e JOIN learn.models m ON m.id = e.model_id
 WHERE m.name = 'fac_enum' AND e.feature = 'size';
SELECT rel_err((a.metrics ->> 'r2')::float8, (b.metrics ->> 'r2')::float8) < 1e-12 AS same_r2,
	   (SELECT bool_and(abs(learn.predict('fac_enum', e) - learn.predict('fac_text', f)) < 1e-10)
		  FROM fac_enum e JOIN fac f USING (y, x1)) AS same_fit
  FROM learn.models a, learn.models b WHERE a.name = 'fac_enum' AND b.name = 'fac_text';

-- every family takes them: robust standard errors (a later pass of the
-- same features), a multinomial target of its own levels
SELECT 1 FROM learn.train('fac_hc1', 'linear', 'fac', 'y', '{color,size,x1}', '{"robust": "HC1"}');
-- R's HC1 errors (sandwich::vcovHC): the reference levels' columns are
-- no term, and the robust pass takes them as 0 (it once read whatever its
-- memory held there); also grouped
SELECT * FROM fac_same_terms('fac_hc1', 'lm_hc1');
SELECT 1 FROM learn.train('fac_g_hc1', 'linear', 'fac', 'y', '{color,size,x1}', '{"robust": "HC1"}',
	group_by => '{g}');
SELECT * FROM fac_same_terms('fac_g_hc1', 'lm_g1_hc1', '{1}');
-- a feature of 70 levels: the reference level's column read from dirty
-- memory overflowed the robust pass here; ungrouped and one group alike
CREATE TABLE fac_h70 AS
SELECT 1 AS g, 10 * sin(i) AS x1, 'a' || (i % 70) AS c1, 'c' || (i % 3) AS c3,
	   10 * sin(i) + length('a' || (i % 70)) + (i * 7919 % 1000) / 1000.0 AS y
  FROM generate_series(1, 1999) AS i;
SELECT 1 FROM learn.train('fac_h70', 'linear', 'fac_h70', 'y', '{x1,c1,c3}', '{"robust": "HC1"}');
SELECT 1 FROM learn.train('fac_h70_g', 'linear', 'fac_h70', 'y', '{x1,c1,c3}', '{"robust": "HC1"}',
	group_by => '{g}');
SELECT count(*) AS terms, bool_and(rel_err(a.std_error, b.std_error) <= 1e-10) AS same_errors,
	   max(a.std_error) < 1 AS small
  FROM learn.coefficients a JOIN learn.models ma ON ma.id = a.model_id AND ma.name = 'fac_h70'
  JOIN learn.coefficients b ON b.position = a.position
  JOIN learn.models mb ON mb.id = b.model_id AND mb.name = 'fac_h70_g';
SELECT learn.drop_model('fac_h70'), learn.drop_model('fac_h70_g');
DROP TABLE fac_h70;
SELECT count(*) AS terms, bool_and(a.estimate = b.estimate) AS same_estimates,
	   bool_and(a.std_error <> b.std_error) AS other_errors
  FROM learn.coefficients a JOIN learn.models ma ON ma.id = a.model_id AND ma.name = 'fac_hc1'
  JOIN learn.coefficients b ON b.term = a.term
  JOIN learn.models mb ON mb.id = b.model_id AND mb.name = 'fac_text';
SELECT 1 FROM learn.train('fac_mn', 'multinomial', 'fac', 'size', '{color,x1}');
SELECT class, count(*) AS terms FROM learn.coefficients c JOIN learn.models m ON m.id = c.model_id
 WHERE m.name = 'fac_mn' GROUP BY class ORDER BY class;
SELECT learn.predict_label('fac_mn', f) IS NOT NULL AS scored FROM fac f LIMIT 1;

-- default features: every other column, text ones as categorical
SELECT features FROM learn.train('fac_default', 'linear',
	'SELECT y, color, x1 FROM fac', 'y');
SELECT count(*) AS terms FROM learn.coefficients c JOIN learn.models m ON m.id = c.model_id
 WHERE m.name = 'fac_default';

-- parallel workers: the same fit
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
ALTER TABLE fac SET (parallel_workers = 2);
SELECT 1 FROM learn.train('fac_two_par', 'linear', 'fac', 'y', '{color,size,x1,x2}');
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
SELECT count(*) AS terms, bool_and(rel_err(a.estimate, b.estimate) < 1e-12) AS same
  FROM learn.coefficients a JOIN learn.models ma ON ma.id = a.model_id AND ma.name = 'fac_two'
  JOIN learn.coefficients b ON b.term = a.term
  JOIN learn.models mb ON mb.id = b.model_id AND mb.name = 'fac_two_par';

-- rows gathered by their combination of levels: 27,000 combinations (more
-- than the about 23,800 cells of 3 levels and one number a state keeps
-- before it folds them in: 2 MB) give the fit of the same indicators
-- passed as numbers
CREATE TABLE fac_many AS
SELECT 'a' || lpad((i % 30)::text, 2, '0') AS c1, 'b' || lpad(((i / 30) % 30)::text, 2, '0') AS c2,
	   'c' || lpad(((i / 900) % 30)::text, 2, '0') AS c3, sin(i) AS x,
	   (i % 30) * 0.1 + ((i / 30) % 30) * 0.01 + sin(i) + cos(i * 0.37) AS y
  FROM generate_series(1, 54000) i;
DO $$
DECLARE cols text;
BEGIN
	SELECT string_agg(format('(%I = %L)::int AS %I', c, l, c || '_' || l), ', ' ORDER BY c, l)
	  INTO cols
	  FROM (SELECT DISTINCT 'c1' AS c, c1 AS l FROM fac_many WHERE c1 <> 'a00'
			UNION ALL SELECT DISTINCT 'c2', c2 FROM fac_many WHERE c2 <> 'b00'
			UNION ALL SELECT DISTINCT 'c3', c3 FROM fac_many WHERE c3 <> 'c00') l;
	EXECUTE format('CREATE VIEW fac_many_dummies AS SELECT y, x, %s FROM fac_many', cols);
END
$$;
SELECT count(DISTINCT (c1, c2, c3)) AS combinations FROM fac_many;
SELECT 1 FROM learn.train('fac_many', 'linear', 'fac_many', 'y', '{c1,c2,c3,x}');
SELECT 1 FROM learn.train('fac_many_dense', 'linear', 'fac_many_dummies', 'y');
SELECT count(*) AS terms,
	   bool_and(rel_err(a.estimate, b.estimate) < 1e-10 AND rel_err(a.std_error, b.std_error) < 1e-10) AS same
  FROM learn.coefficients a JOIN learn.models ma ON ma.id = a.model_id AND ma.name = 'fac_many'
  JOIN learn.coefficients b ON replace(b.term, '_', '=') = a.term
  JOIN learn.models mb ON mb.id = b.model_id AND mb.name = 'fac_many_dense';

-- A cell keeps its rows' weight and mean, and each row's share of the
-- cell's scatter goes into one factor of all cells' scatters: on numbers
-- nearly collinear at an offset of 1e5 (x2 - x1 about 0.1), weights from
-- 0 to e^10 and a level seen once (no term aliased), the fit matches that
-- of the same indicators passed as numbers, whose rows fold into R one by
-- one: estimates within 1e-5 of a standard error (they differ by about
-- 1e-7 of one; a fold that lost the data's digits would differ by far
-- more), standard errors to 1e-9
CREATE TABLE fac_ill AS
SELECT (ARRAY['a', 'b', 'c', 'd', 'e'])[1 + i % 5] AS k, 'm' || (i % 7) AS k2,
	   1e5 + sin(i) AS x1, 1e5 + sin(i) + 0.1 * cos(i * 1.3) AS x2, i * 1e-3 AS x3,
	   CASE WHEN i % 97 = 0 THEN 0 ELSE exp(10 * cos(i * 0.7)) END AS w,
	   3 + 2 * sin(i) + cos(i * 1.3) + (i % 5) * 0.3 + (i % 7) * 0.05 + cos(i * 0.11) AS y
  FROM generate_series(1, 20000) AS i
UNION ALL SELECT 'z', 'm0', 1e5 + 0.5, 1e5 + 0.5, 7, 1, 4;
CREATE VIEW fac_ill_dummies AS
SELECT y, w, (k = 'b')::int AS k_b, (k = 'c')::int AS k_c, (k = 'd')::int AS k_d,
	   (k = 'e')::int AS k_e, (k = 'z')::int AS k_z, (k2 = 'm1')::int AS k2_m1,
	   (k2 = 'm2')::int AS k2_m2, (k2 = 'm3')::int AS k2_m3, (k2 = 'm4')::int AS k2_m4,
	   (k2 = 'm5')::int AS k2_m5, (k2 = 'm6')::int AS k2_m6, x1, x2, x3
  FROM fac_ill;
SELECT 1 FROM learn.train('fac_ill', 'linear', 'fac_ill', 'y', '{k,k2,x1,x2,x3}');
SELECT 1 FROM learn.train('fac_ill_dense', 'linear', 'fac_ill_dummies', 'y',
						  '{k_b,k_c,k_d,k_e,k_z,k2_m1,k2_m2,k2_m3,k2_m4,k2_m5,k2_m6,x1,x2,x3}');
SELECT 1 FROM learn.train('fac_ill_w', 'linear', 'fac_ill', 'y', '{k,k2,x1,x2,x3}', weight => 'w');
SELECT 1 FROM learn.train('fac_ill_w_dense', 'linear', 'fac_ill_dummies', 'y',
						  '{k_b,k_c,k_d,k_e,k_z,k2_m1,k2_m2,k2_m3,k2_m4,k2_m5,k2_m6,x1,x2,x3}',
						  weight => 'w');
SELECT ma.name, count(*) AS terms, (ma.metrics->>'rank')::int AS rank,
	   bool_and(abs(a.estimate - b.estimate) <= 1e-5 * b.std_error) AS same_estimates,
	   bool_and(rel_err(a.std_error, b.std_error) < 1e-9) AS same_std_errors
  FROM learn.coefficients a JOIN learn.models ma ON ma.id = a.model_id AND ma.name IN ('fac_ill', 'fac_ill_w')
  JOIN learn.models mb ON mb.name = ma.name || '_dense'
  JOIN learn.coefficients b ON b.model_id = mb.id
						   AND replace(replace(b.term, 'k2_', 'k2='), 'k_', 'k=') = a.term
 GROUP BY ma.id, ma.name, ma.metrics ORDER BY ma.name;
SELECT learn.drop_model(m) FROM unnest('{fac_ill,fac_ill_dense,fac_ill_w,fac_ill_w_dense}'::text[]) AS m;
DROP VIEW fac_ill_dummies;
DROP TABLE fac_ill;
-- A cell's first row of a tiny weight and a huge target (as IRLS makes
-- of a row whose fitted mean is near 0 or 1), then rows that outweigh it:
-- the mean moves from the heavier side, and the fit is that of the
-- indicators as numbers (a mean moved by r d from 1e18 rounded the heavy
-- rows' values away: 1.5 standard errors off)
CREATE TABLE fac_heavy AS
SELECT k AS i, 'a' || (k % 4) AS c1, 'b' || (k / 4) AS c2, sin(k) AS x1, 1e18::float8 AS y,
	   1e-36::float8 AS w
  FROM generate_series(0, 15) AS k
UNION ALL
SELECT 100 + i, 'a' || (i % 4), 'b' || (i / 4 % 4), sin(100 + i),
	   1 + 2 * sin(100 + i) + (i % 4) * 0.5 + cos(i * 0.37), 1
  FROM generate_series(0, 799) AS i;
CREATE VIEW fac_heavy_dummies AS
SELECT i, y, w, x1, (c1 = 'a1')::int AS c1_a1, (c1 = 'a2')::int AS c1_a2, (c1 = 'a3')::int AS c1_a3,
	   (c2 = 'b1')::int AS c2_b1, (c2 = 'b2')::int AS c2_b2, (c2 = 'b3')::int AS c2_b3
  FROM fac_heavy;
SET max_parallel_workers_per_gather = 0;
SELECT 1 FROM learn.train('fac_heavy', 'linear', 'SELECT * FROM fac_heavy ORDER BY i', 'y',
						  '{c1,c2,x1}', weight => 'w');
SELECT 1 FROM learn.train('fac_heavy_dense', 'linear', 'SELECT * FROM fac_heavy_dummies ORDER BY i', 'y',
						  '{c1_a1,c1_a2,c1_a3,c2_b1,c2_b2,c2_b3,x1}', weight => 'w');
RESET max_parallel_workers_per_gather;
SELECT count(*) AS terms,
	   bool_and(abs(a.estimate - b.estimate) <= 1e-6 * b.std_error) AS same_estimates,
	   bool_and(rel_err(a.std_error, b.std_error) < 1e-9) AS same_std_errors,
	   rel_err((ma.metrics->>'log_likelihood')::float8,
			   (mb.metrics->>'log_likelihood')::float8) < 1e-9 AS same_log_likelihood
  FROM learn.coefficients a JOIN learn.models ma ON ma.id = a.model_id AND ma.name = 'fac_heavy'
  JOIN learn.models mb ON mb.name = 'fac_heavy_dense'
  JOIN learn.coefficients b ON b.model_id = mb.id
						   AND replace(replace(b.term, 'c1_', 'c1='), 'c2_', 'c2=') = a.term
 GROUP BY ma.metrics, mb.metrics;
SELECT learn.drop_model(m) FROM unnest('{fac_heavy,fac_heavy_dense}'::text[]) AS m;
DROP VIEW fac_heavy_dummies;
DROP TABLE fac_heavy;

-- limits and types
SELECT try($$SELECT learn.train('m', 'linear', 'fac', 'y', '{size,x1}', '{"max_levels": 3}')$$);
SELECT try($$SELECT learn.train('m', 'linear', 'SELECT y, x1, ''{}''::jsonb AS doc FROM fac', 'y', '{x1,doc}')$$);
SELECT try($$SELECT learn.train('m', 'linear', 'SELECT y, x1, now() AS t FROM fac', 'y', '{x1,t}')$$);
SELECT try($$SELECT learn.train('m', 'linear', 'SELECT y, NULL::text AS c FROM fac', 'y', '{c}')$$);
-- a direct call cannot pass a varying encoding
SELECT try($$SELECT learn.linear_partial(y, 1, x1, color, ARRAY['0', '2', color, 'x']) FROM fac$$);
SELECT try($$SELECT learn.linear_partial(y, 1, x1, color, '{0,2,blue}'::text[]) FROM fac$$);
SELECT try($$SELECT learn.linear_partial(y, 1, x1, color, '{0,2,blue,green}'::text[]) FROM fac$$);

-- Rows gathered by their levels (cells) fold in blocks: squares beyond a
-- double are an error naming the column, whether a cell's block is full
-- or still waiting when the state is read; values near underflow give the
-- fit of the same values at scale 1
CREATE TABLE fac_scale AS
SELECT (ARRAY['a', 'b', 'c'])[1 + i % 3] AS k, i::float8 AS x, (2 * i + sin(i))::float8 AS y
  FROM generate_series(1, 60) AS i;
SELECT try($$SELECT learn.train('m', 'linear', 'SELECT k, x, y * 1e306 AS y FROM fac_scale', 'y')$$);
SELECT try($$SELECT learn.train('m', 'linear', 'SELECT k, x, y * 1e306 AS y FROM fac_scale WHERE x <= 33', 'y')$$);
SELECT try($$SELECT learn.train('m', 'linear', 'SELECT k, x * 1e306 AS x, y FROM fac_scale', 'y')$$);
SELECT count(*) FROM learn.train('fac_scale_1', 'linear', 'fac_scale', 'y');
SELECT count(*) FROM learn.train('fac_scale_tiny', 'linear',
	'SELECT k, x * 1e-300 AS x, y * 1e-300 AS y FROM fac_scale', 'y');
SELECT count(*) AS terms,
	   bool_and(rel_err(t.statistic, o.statistic) <= 1e-10) AS same_t,
	   bool_and(rel_err(t.std_error / t.estimate, o.std_error / o.estimate) <= 1e-10) AS same_relative_se
  FROM learn.coefficients o JOIN learn.models mo ON mo.id = o.model_id AND mo.name = 'fac_scale_1'
  JOIN learn.models mt ON mt.name = 'fac_scale_tiny'
  JOIN learn.coefficients t ON t.model_id = mt.id AND t.position = o.position;
-- Pass 1 of an ungrouped training finds the levels as it reads the rows,
-- so such an error names the feature (above); when the levels were read
-- first (here a grouped training), it numbers the state's columns, a
-- level of a categorical feature each, and its context names those terms
-- beside the features
SELECT try($$SELECT learn.train('m', 'linear', 'SELECT 1 AS g, k, x * 1e306 AS x, y FROM fac_scale', 'y', group_by => '{g}')$$);
DO $$
DECLARE
	ctx text;
BEGIN
	PERFORM learn.train('m', 'linear', 'SELECT 1 AS g, k, x * 1e306 AS x, y FROM fac_scale', 'y',
						group_by => '{g}');
EXCEPTION WHEN numeric_value_out_of_range THEN
	GET STACKED DIAGNOSTICS ctx = PG_EXCEPTION_CONTEXT;
	RAISE NOTICE '%', substring(ctx from 'learn.train reading the source[^\n]*');
END
$$;
SELECT learn.drop_model('fac_scale_1'), learn.drop_model('fac_scale_tiny');
DROP TABLE fac_scale;

-- Pass 1 of an ungrouped training finds the levels as it reads the rows
-- (no scan for them comes first): the same terms, levels and fit as when
-- they are read first, which a grouped training of one group does.  The
-- levels are those of every row, also of rows skipped for a NULL target,
-- weight or feature, or of weight 0 (their terms are aliased), in the
-- column's order: an enum's, character(n) without its blanks, a
-- collation's (ICU's "en": apple, mango, Zebra; byte order would put
-- Zebra first).  With parallel workers, each finds levels of its own.
CREATE TYPE fac_mood AS ENUM ('zz', 'yy', 'xx', 'ww');
CREATE COLLATION fac_en (provider = icu, locale = 'en');
CREATE TABLE fac_open AS
SELECT 1 AS g, y, x1, w, color, size::char(3) AS size,
	   (ARRAY['zz', 'xx', 'yy'])[1 + (x1 * 1000)::int % 3]::fac_mood AS mood,
	   (ARRAY['mango', 'Zebra', 'apple'])[1 + (x2 * 1000)::int % 3] COLLATE fac_en AS tone
  FROM fac;
INSERT INTO fac_open VALUES
	(1, NULL, 0.5, 1, 'only_null_y', 'M', 'zz', 'apple'),
	(1, 1.0, 0.5, 0, 'zero_weight', 'M', 'ww', 'apple'),
	(1, 1.0, NULL, 1, 'null_x', 'M', 'zz', 'apple'),
	(1, 1.0, 0.5, NULL, 'null_w', 'XXL', 'zz', 'apple');
SELECT 1 FROM learn.train('fac_open', 'linear', 'fac_open', 'y', '{color,x1,size,mood,tone}',
	weight => 'w');
SELECT 1 FROM learn.train('fac_read', 'linear', 'fac_open', 'y', '{color,x1,size,mood,tone}',
	weight => 'w', group_by => '{g}');
SELECT e.feature, string_agg(e.level, ',' ORDER BY e.position) AS levels
  FROM learn.encodings e JOIN learn.models m ON m.id = e.model_id
 WHERE m.name = 'fac_open' GROUP BY 1 ORDER BY 1;
CREATE FUNCTION fac_open_same(a text, b text, OUT terms bigint, OUT aliased bigint,
	OUT same_terms boolean, OUT same_estimates boolean, OUT same_errors boolean,
	OUT same_levels boolean, OUT same_counts boolean)
LANGUAGE sql AS $$
	SELECT count(*), count(*) FILTER (WHERE x.estimate IS NULL OR x.estimate = 'NaN'),
		   bool_and(x.term IS NOT DISTINCT FROM y.term),
		   bool_and(coalesce(rel_err(x.estimate, y.estimate) <= 1e-10,
							 x.estimate IS NOT DISTINCT FROM y.estimate)),
		   bool_and(coalesce(rel_err(x.std_error, y.std_error) <= 1e-10,
							 x.std_error IS NOT DISTINCT FROM y.std_error)),
		   (SELECT array_agg(e.feature || '=' || e.level ORDER BY e.feature, e.position)
			  FROM learn.encodings e WHERE e.model_id = ma.id) =
		   (SELECT array_agg(e.feature || '=' || e.level ORDER BY e.feature, e.position)
			  FROM learn.encodings e WHERE e.model_id = mb.id),
		   (ma.n_rows, ma.n_skipped) = (mb.n_rows, mb.n_skipped)
	  FROM learn.models ma JOIN learn.models mb ON mb.name = b AND mb.deployed
	  JOIN learn.coefficients x ON x.model_id = ma.id
	  FULL JOIN learn.coefficients y ON y.model_id = mb.id AND y.position = x.position
	 WHERE ma.name = a AND ma.deployed
	 GROUP BY ma.id, mb.id, ma.n_rows, mb.n_rows, ma.n_skipped, mb.n_skipped
$$;
SELECT * FROM fac_open_same('fac_open', 'fac_read');
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
ALTER TABLE fac_open SET (parallel_workers = 2);
SELECT 1 FROM learn.train('fac_open_par', 'linear', 'fac_open', 'y', '{color,x1,size,mood,tone}',
	weight => 'w');
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
SELECT * FROM fac_open_same('fac_open_par', 'fac_read');
-- the other trainings read the levels first, in a scan that finds them
-- as pass 1 does (above: the grouped one), or, with impute "mean", which
-- needs the most frequent level, with their counts (GROUPING SETS): the
-- same levels in the same order
SELECT 1 FROM learn.train('fac_modes', 'linear', 'fac_open', 'y', '{color,x1,size,mood,tone}',
	'{"impute": "mean"}', weight => 'w');
SELECT count(*) AS levels, bool_and(a.level = b.level) AS same_levels
  FROM learn.encodings a JOIN learn.models ma ON ma.id = a.model_id AND ma.name = 'fac_open'
  FULL JOIN (learn.encodings b JOIN learn.models mb ON mb.id = b.model_id AND mb.name = 'fac_modes')
	ON b.feature = a.feature AND b.position = a.position;
-- a nondeterministic collation: values equal by it (b, B) are levels of
-- their own, as the aggregates find a row's level by its text, in its
-- order with ties by their bytes, whichever way the levels are read
CREATE COLLATION fac_ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE TABLE fac_nd AS
SELECT 1 AS g, x1, y, (ARRAY['b', 'B', 'a', 'A', 'ä', 'z'])[1 + abs((x1 * 1000)::int) % 6] COLLATE fac_ci AS t
  FROM fac;
SELECT 1 FROM learn.train('fac_nd', 'linear', 'fac_nd', 'y', '{x1,t}');
SELECT 1 FROM learn.train('fac_nd_g', 'linear', 'fac_nd', 'y', '{x1,t}', group_by => '{g}');
SELECT 1 FROM learn.train('fac_nd_imp', 'linear', 'fac_nd', 'y', '{x1,t}', '{"impute": "mean"}');
SELECT m.name, string_agg(e.level, ',' ORDER BY e.position) AS levels
  FROM learn.encodings e JOIN learn.models m ON m.id = e.model_id
 WHERE m.name IN ('fac_nd', 'fac_nd_g', 'fac_nd_imp') GROUP BY m.name ORDER BY 1;
SELECT learn.drop_model(m) FROM unnest('{fac_nd,fac_nd_g,fac_nd_imp}'::text[]) AS m;
DROP TABLE fac_nd;
DROP COLLATION fac_ci;
-- more levels than max_levels: the levels are read by GROUPING SETS,
-- which counts them
SELECT try($$SELECT learn.train('m', 'linear', 'fac_open', 'y', '{color,x1}', '{"max_levels": 6}')$$);
SELECT try($$SELECT learn.train('m', 'linear', 'fac_open', 'y', '{color,x1}', '{"max_levels": 6}',
						 group_by => '{g}')$$);
SELECT 1 FROM learn.train('fac_open_7', 'linear', 'fac_open', 'y', '{color,x1}', '{"max_levels": 7}');
-- open states made by hand (learn.train passes the open encoding without
-- names): they merge, a changed byte of their levels is 22P03, and no
-- other function takes them; an encoding is open for every categorical
-- feature or none, with one limit.  More levels than the limit stop the
-- state, which then holds no level.
CREATE TEMP TABLE fac_os AS
SELECT g, learn.linear_partial(y, 1, color, x1, '{-10,0}'::text[]) AS s FROM fac GROUP BY g;
SELECT count(*) AS states,
	   length(learn.linear_merge(s)) = (SELECT length(learn.linear_partial(y, 1, color, x1, '{-10,0}'::text[]))
										  FROM fac) AS merged_size
  FROM fac_os;
SELECT try($$SELECT learn._linear_stamp(s, '{color,x1}') FROM fac_os WHERE g = 1$$);
SELECT try($$SELECT learn.linear_merge(substring(s FROM 1 FOR length(s) - 1)) FROM fac_os WHERE g = 1$$);
SELECT try($$SELECT learn.linear_merge(s || '\x00'::bytea) FROM fac_os WHERE g = 1$$);
SELECT try($$SELECT learn.linear_merge(set_byte(s, 246, 99)) FROM fac_os WHERE g = 1$$);
SELECT try($$SELECT learn.linear_merge(set_byte(s, 238, 2)) FROM fac_os WHERE g = 1$$);
SELECT try($$SELECT learn.linear_merge(set_byte(s, 234, 127)) FROM fac_os WHERE g = 1$$);
-- two levels k1 and k2: the second's last byte (214) made a 1 is a level twice
SELECT try($$SELECT learn.linear_merge(set_byte(s, 214, ascii('1')))
			   FROM (SELECT learn.linear_partial(y, 1, c, x, '{-10,0}'::text[]) AS s
					   FROM (VALUES (1.0, 'k1', 1.0), (2.0, 'k2', 2.0), (3.0, 'k1', 0.5)) AS v(y, c, x)) p$$);
SELECT try($$SELECT learn.linear_merge(set_byte(s, 213, ascii('j')))
			   FROM (SELECT learn.linear_partial(y, 1, c, x, '{-10,0}'::text[]) AS s
					   FROM (VALUES (1.0, 'k1', 1.0), (2.0, 'k2', 2.0), (3.0, 'k1', 0.5)) AS v(y, c, x)) p$$);
SELECT try($$SELECT learn.linear_partial(y, 1, color, size, '{-10,3,L,M,S}'::text[]) FROM fac$$);
SELECT try($$SELECT learn.linear_partial(y, 1, color, size, '{-10,-9}'::text[]) FROM fac$$);
SELECT try($$SELECT learn.linear_partial(y, 1, '{c}'::text[], color, '{-10}'::text[]) FROM fac$$);
SELECT length(learn.linear_partial(y, 1, color, x1, '{-2,0}'::text[])) AS stopped_bytes FROM fac;
SELECT learn.drop_model(m) FROM unnest('{fac_open,fac_read,fac_open_par,fac_open_7,fac_modes}'::text[]) AS m;
DROP FUNCTION fac_open_same;
DROP TABLE fac_open;
DROP TYPE fac_mood;
DROP COLLATION fac_en;
