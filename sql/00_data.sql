--
-- Data sets and R's reference values, shared by the tests that follow.
-- References come from tests/reference/lm_reference.R (R's lm, sandwich).
--
SET extra_float_digits = 0;

CREATE TABLE mtcars (model text, mpg float8, cyl int, disp float8, hp int,
	drat float8, wt float8, qsec float8, vs int, am int, gear int, carb int);
\copy mtcars FROM 'data/mtcars.csv' CSV HEADER
CREATE TABLE mtcars_rankdef (mpg float8, wt float8, hp float8, qsec float8, combo float8);
\copy mtcars_rankdef FROM 'data/mtcars_rankdef.csv' CSV HEADER
CREATE TABLE stackloss (air_flow int, water_temp int, acid_conc int, stack_loss int);
\copy stackloss FROM 'data/stackloss.csv' CSV HEADER
CREATE TABLE longley (y float8, x1 float8, x2 float8, x3 float8, x4 float8, x5 float8, x6 float8);
\copy longley FROM 'data/longley.csv' CSV HEADER
CREATE TABLE longley_certified (term text, estimate float8, std_error float8);
\copy longley_certified FROM 'data/longley_certified.csv' CSV HEADER
CREATE TABLE iris (sepal_length float8, sepal_width float8, petal_length float8,
	petal_width float8, species text);
\copy iris FROM 'data/iris.csv' CSV HEADER

CREATE TABLE ref_coef (case_name text, term text, estimate float8, std_error float8,
	statistic float8, p_value float8);
CREATE TABLE ref_metrics (case_name text, key text, value float8);
CREATE TABLE ref_coef_stage (term text, estimate float8, std_error float8,
	statistic float8, p_value float8);
CREATE TABLE ref_metrics_stage (key text, value float8);
\copy ref_coef_stage FROM 'tests/reference/expected/iris_grouped_setosa_coef.csv' CSV HEADER
INSERT INTO ref_coef SELECT 'iris_grouped_setosa', * FROM ref_coef_stage;
TRUNCATE ref_coef_stage;
\copy ref_coef_stage FROM 'tests/reference/expected/iris_grouped_versicolor_coef.csv' CSV HEADER
INSERT INTO ref_coef SELECT 'iris_grouped_versicolor', * FROM ref_coef_stage;
TRUNCATE ref_coef_stage;
\copy ref_coef_stage FROM 'tests/reference/expected/iris_grouped_virginica_coef.csv' CSV HEADER
INSERT INTO ref_coef SELECT 'iris_grouped_virginica', * FROM ref_coef_stage;
TRUNCATE ref_coef_stage;
\copy ref_coef_stage FROM 'tests/reference/expected/longley_coef.csv' CSV HEADER
INSERT INTO ref_coef SELECT 'longley', * FROM ref_coef_stage;
TRUNCATE ref_coef_stage;
\copy ref_coef_stage FROM 'tests/reference/expected/mtcars_coef.csv' CSV HEADER
INSERT INTO ref_coef SELECT 'mtcars', * FROM ref_coef_stage;
TRUNCATE ref_coef_stage;
\copy ref_coef_stage FROM 'tests/reference/expected/mtcars_noint_coef.csv' CSV HEADER
INSERT INTO ref_coef SELECT 'mtcars_noint', * FROM ref_coef_stage;
TRUNCATE ref_coef_stage;
\copy ref_coef_stage FROM 'tests/reference/expected/mtcars_rankdef_coef.csv' CSV HEADER
INSERT INTO ref_coef SELECT 'mtcars_rankdef', * FROM ref_coef_stage;
TRUNCATE ref_coef_stage;
\copy ref_coef_stage FROM 'tests/reference/expected/mtcars_weighted_coef.csv' CSV HEADER
INSERT INTO ref_coef SELECT 'mtcars_weighted', * FROM ref_coef_stage;
TRUNCATE ref_coef_stage;
\copy ref_coef_stage FROM 'tests/reference/expected/mtcars_weighted_hc1_coef.csv' CSV HEADER
INSERT INTO ref_coef SELECT 'mtcars_weighted_hc1', * FROM ref_coef_stage;
TRUNCATE ref_coef_stage;
\copy ref_coef_stage FROM 'tests/reference/expected/stackloss_coef.csv' CSV HEADER
INSERT INTO ref_coef SELECT 'stackloss', * FROM ref_coef_stage;
TRUNCATE ref_coef_stage;
\copy ref_coef_stage FROM 'tests/reference/expected/stackloss_hc0_coef.csv' CSV HEADER
INSERT INTO ref_coef SELECT 'stackloss_hc0', * FROM ref_coef_stage;
TRUNCATE ref_coef_stage;
\copy ref_coef_stage FROM 'tests/reference/expected/stackloss_hc1_coef.csv' CSV HEADER
INSERT INTO ref_coef SELECT 'stackloss_hc1', * FROM ref_coef_stage;
TRUNCATE ref_coef_stage;
\copy ref_metrics_stage FROM 'tests/reference/expected/iris_grouped_setosa_metrics.csv' CSV HEADER
INSERT INTO ref_metrics SELECT 'iris_grouped_setosa', * FROM ref_metrics_stage;
TRUNCATE ref_metrics_stage;
\copy ref_metrics_stage FROM 'tests/reference/expected/iris_grouped_versicolor_metrics.csv' CSV HEADER
INSERT INTO ref_metrics SELECT 'iris_grouped_versicolor', * FROM ref_metrics_stage;
TRUNCATE ref_metrics_stage;
\copy ref_metrics_stage FROM 'tests/reference/expected/iris_grouped_virginica_metrics.csv' CSV HEADER
INSERT INTO ref_metrics SELECT 'iris_grouped_virginica', * FROM ref_metrics_stage;
TRUNCATE ref_metrics_stage;
\copy ref_metrics_stage FROM 'tests/reference/expected/longley_metrics.csv' CSV HEADER
INSERT INTO ref_metrics SELECT 'longley', * FROM ref_metrics_stage;
TRUNCATE ref_metrics_stage;
\copy ref_metrics_stage FROM 'tests/reference/expected/mtcars_metrics.csv' CSV HEADER
INSERT INTO ref_metrics SELECT 'mtcars', * FROM ref_metrics_stage;
TRUNCATE ref_metrics_stage;
\copy ref_metrics_stage FROM 'tests/reference/expected/mtcars_noint_metrics.csv' CSV HEADER
INSERT INTO ref_metrics SELECT 'mtcars_noint', * FROM ref_metrics_stage;
TRUNCATE ref_metrics_stage;
\copy ref_metrics_stage FROM 'tests/reference/expected/mtcars_rankdef_metrics.csv' CSV HEADER
INSERT INTO ref_metrics SELECT 'mtcars_rankdef', * FROM ref_metrics_stage;
TRUNCATE ref_metrics_stage;
\copy ref_metrics_stage FROM 'tests/reference/expected/mtcars_weighted_metrics.csv' CSV HEADER
INSERT INTO ref_metrics SELECT 'mtcars_weighted', * FROM ref_metrics_stage;
TRUNCATE ref_metrics_stage;
\copy ref_metrics_stage FROM 'tests/reference/expected/stackloss_metrics.csv' CSV HEADER
INSERT INTO ref_metrics SELECT 'stackloss', * FROM ref_metrics_stage;
TRUNCATE ref_metrics_stage;
\copy ref_coef_stage FROM 'tests/reference/expected/wide_coef.csv' CSV HEADER
INSERT INTO ref_coef SELECT 'wide', * FROM ref_coef_stage;
TRUNCATE ref_coef_stage;
SELECT case_name, count(*) AS terms FROM ref_coef GROUP BY 1 ORDER BY 1;

-- relative error; two NULLs agree, one NULL never does
CREATE FUNCTION rel_err(a float8, b float8) RETURNS float8
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN a IS NULL AND b IS NULL THEN 0::float8
				WHEN a IS NULL OR b IS NULL THEN 'Infinity'::float8
				WHEN b = 0 THEN abs(a)
				ELSE abs(a - b) / abs(b) END
$$;

-- the deployed version's terms against a reference case, term by term
CREATE FUNCTION check_coef(model text, ref text, grp text[] DEFAULT '{}',
						   tol float8 DEFAULT 1e-8)
RETURNS TABLE (terms bigint, estimate_ok boolean, std_error_ok boolean,
			   statistic_ok boolean, p_value_ok boolean)
LANGUAGE sql AS $$
	WITH c AS (SELECT co.* FROM learn.coefficients co
				 JOIN learn.models m ON m.id = co.model_id
				WHERE m.name = model AND m.deployed AND co.group_key = grp),
		 r AS (SELECT * FROM ref_coef WHERE case_name = ref)
	SELECT count(*),
		   coalesce(bool_and(rel_err(c.estimate, r.estimate) <= tol), false),
		   coalesce(bool_and(rel_err(c.std_error, r.std_error) <= tol), false),
		   coalesce(bool_and(rel_err(c.statistic, r.statistic) <= tol), false),
		   coalesce(bool_and(rel_err(c.p_value, r.p_value) <= tol), false)
	  FROM c FULL JOIN r USING (term)
$$;

-- each reference metric against the deployed version's metrics
CREATE FUNCTION check_metrics(model text, ref text, grp text DEFAULT NULL,
							  tol float8 DEFAULT 1e-8)
RETURNS TABLE (key text, ok boolean)
LANGUAGE sql AS $$
	-- a grouped model's metrics are in learn.groups, one row per group
	SELECT r.key, rel_err((CASE WHEN grp IS NULL THEN m.metrics
								ELSE (SELECT g.metrics FROM learn.groups g
									   WHERE g.model_id = m.id AND g.group_key::text = grp)
						   END ->> r.key)::float8,
						  r.value) <= tol
	  FROM ref_metrics r, learn.models m
	 WHERE r.case_name = ref AND m.name = model AND m.deployed
	 ORDER BY r.key
$$;

-- a deployed model's terms (of group gkey) against reference rows (term,
-- estimate, std_error, statistic, p_value) that ref_query selects: how
-- many on either side, and whether each agrees to tol (p-values: or 1e-14
-- absolute)
CREATE FUNCTION same_terms(model_name text, ref_query text, tol float8,
	gkey text[] DEFAULT '{}', OUT terms bigint, OUT same boolean)
LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE format($q$
	WITH c AS (SELECT co.* FROM learn.coefficients co
				 JOIN learn.models m ON m.id = co.model_id
				WHERE m.name = $1 AND m.deployed AND co.group_key = $2),
		 r AS (%s)
	SELECT count(*),
		   coalesce(bool_and(rel_err(c.estimate, r.estimate) <= $3
			   AND rel_err(c.std_error, r.std_error) <= $3
			   AND rel_err(c.statistic, r.statistic) <= $3
			   AND (rel_err(c.p_value, r.p_value) <= $3 OR abs(c.p_value - r.p_value) <= 1e-14)),
		   false)
	  FROM c FULL JOIN r USING (term)$q$, ref_query)
	INTO terms, same USING model_name, gkey, tol;
END
$$;

-- the SQLSTATE and message of a statement, for the error tests
CREATE FUNCTION try(stmt text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE stmt;
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;
