--
-- Feature expressions ('log(disp) AS log_disp'): against R's lm and glm
-- with the terms computed in the formula (tests/reference/exprs_reference.R
-- wrote the expected values from data/mtcars.csv): the same estimates,
-- standard errors, statistics and p-values, and the same fitted values
-- when the base table's rows are scored directly -- by the planner's
-- rewrite, by the plain row form, through a view and from a trigger's NEW.
--
SET extra_float_digits = 0;
CREATE TABLE ex_ref_coef (model text, term text, estimate float8, std_error float8,
	statistic float8, p_value float8);
\copy ex_ref_coef FROM 'tests/reference/expected/exprs_coef.csv' CSV HEADER
CREATE TABLE ex_ref_predict (model text, car text, prediction float8);
\copy ex_ref_predict FROM 'tests/reference/expected/exprs_predict.csv' CSV HEADER

-- the deployed version's terms against R's (same_terms)
CREATE FUNCTION ex_same_terms(model_name text, tol float8, OUT terms bigint, OUT same boolean)
LANGUAGE sql AS $$
	SELECT * FROM same_terms(model_name, format('SELECT * FROM ex_ref_coef WHERE model = %L', model_name), tol)
$$;

-- lm(mpg ~ log(disp) + I(hp / wt) + factor(cyl)), R's log being ln: a computed number, a
-- quotient of an integer and a float column, a level of a computed text
SELECT name, features, feature_exprs, n_rows
  FROM learn.train('cars_lm', 'linear', 'mtcars', 'mpg',
                   ARRAY['ln(disp) AS log_disp', 'hp / wt AS power', 'cyl::text AS cyls']);
SELECT * FROM ex_same_terms('cars_lm', 1e-10);
SELECT term FROM learn.coefficients c JOIN learn.models m ON m.id = c.model_id
 WHERE m.name = 'cars_lm' ORDER BY position;

-- glm(am ~ log(hp) + I(wt / qsec), binomial)
SELECT name, features, feature_exprs
  FROM learn.train('cars_glm', 'glm', 'mtcars', 'am',
                   ARRAY['ln(hp) AS log_hp', 'wt / qsec AS wt_per_qsec'],
                   '{"family": "binomial"}');
SELECT * FROM ex_same_terms('cars_glm', 1e-7);

-- the base table's rows score directly: the planner puts the expressions
-- in place of the row ...
EXPLAIN (VERBOSE, COSTS OFF) SELECT learn.predict('cars_lm', c) FROM mtcars c;
SELECT r.model, count(*) AS rows,
       bool_and(rel_err(CASE r.model WHEN 'cars_lm' THEN learn.predict('cars_lm', c)
                                     ELSE learn.predict('cars_glm', c) END,
                        r.prediction) <= 1e-9) AS same
  FROM mtcars c JOIN ex_ref_predict r ON r.car = c.model GROUP BY r.model ORDER BY 1;
-- ... and the row form computes them itself, for a table's row and for a
-- query's anonymous one
SELECT count(*), bool_and(rel_err(learn.predict('cars_lm', c.*::mtcars), r.prediction) <= 1e-9)
  FROM mtcars c JOIN ex_ref_predict r ON r.car = c.model AND r.model = 'cars_lm';
SELECT count(*), bool_and(rel_err(learn.predict('cars_lm', q), r.prediction) <= 1e-9)
  FROM (SELECT model, disp, wt, hp, cyl FROM mtcars) q
  JOIN ex_ref_predict r ON r.car = q.model AND r.model = 'cars_lm';

-- the rewrite serves learn.predict_label and learn.predict_proba with a
-- class too, and gives what the plain row form gives
SELECT 1 FROM learn.train('ex_logit', 'logistic', 'mtcars', 'am', ARRAY['ln(hp) AS log_hp', 'wt']);
SELECT 1 FROM learn.train('ex_mn', 'multinomial', 'mn_data', 'y3', ARRAY['x1', 'x1 * x2 AS x12']);
EXPLAIN (VERBOSE, COSTS OFF)
SELECT learn.predict_label('ex_logit', c), learn.predict_proba('ex_logit', c, '0') FROM mtcars c;
EXPLAIN (VERBOSE, COSTS OFF)
SELECT learn.predict_label('ex_mn', d), learn.predict_proba('ex_mn', d, 'cat') FROM mn_data d;
SELECT count(*),
       bool_and(learn.predict_label('ex_logit', c) = learn.predict_label('ex_logit', c.*::mtcars)),
       bool_and(learn.predict_proba('ex_logit', c, '0') = learn.predict_proba('ex_logit', c.*::mtcars, '0')),
       bool_and(abs(learn.predict_proba('ex_logit', c, '0') + learn.predict_proba('ex_logit', c) - 1) <= 1e-15)
  FROM mtcars c;
SELECT count(*),
       bool_and(learn.predict_label('ex_mn', d) = learn.predict_label('ex_mn', d.*::mn_data)),
       bool_and(learn.predict_proba('ex_mn', d, 'cat') = learn.predict_proba('ex_mn', d.*::mn_data, 'cat')),
       count(DISTINCT learn.predict_label('ex_mn', d))
  FROM mn_data d;
SELECT learn.predict_proba('ex_mn', d, 'horse') FROM mn_data d LIMIT 1;

-- the stored text reads each column as the type training read: a row
-- whose columns are integers computes the same quotient, not an integer
-- division
SELECT feature_exprs FROM learn.train('ex_ratio', 'linear', 'mtcars', 'mpg', ARRAY['disp / wt AS r']);
SELECT learn.predict('ex_ratio', q) = learn.predict('ex_ratio', ARRAY[160.0 / 3]) AS same,
       learn.predict('ex_ratio', q) = learn.predict('ex_ratio', ARRAY[53]) AS integer_division
  FROM (SELECT 160 AS disp, 3 AS wt) q;

-- a view's rows
CREATE VIEW ex_cars AS SELECT model, cyl, disp, hp, wt, qsec FROM mtcars;
CREATE VIEW ex_scores AS
	SELECT v.model, learn.predict('cars_lm', v) AS mpg_hat, learn.predict('cars_glm', v) AS p_am
	  FROM ex_cars v;
SELECT count(*), bool_and(rel_err(s.mpg_hat, r.prediction) <= 1e-9)
  FROM ex_scores s JOIN ex_ref_predict r ON r.car = s.model AND r.model = 'cars_lm';
SELECT count(*), bool_and(rel_err(s.p_am, r.prediction) <= 1e-9)
  FROM ex_scores s JOIN ex_ref_predict r ON r.car = s.model AND r.model = 'cars_glm';

-- a trigger's NEW
CREATE TABLE ex_new_cars (model text, cyl int, disp float8, hp int, wt float8, mpg_hat float8);
CREATE TRIGGER ex_score BEFORE INSERT OR UPDATE ON ex_new_cars
	FOR EACH ROW EXECUTE FUNCTION learn.score_trigger('cars_lm', 'mpg_hat');
INSERT INTO ex_new_cars (model, cyl, disp, hp, wt) SELECT model, cyl, disp, hp, wt FROM mtcars;
SELECT count(*), bool_and(rel_err(n.mpg_hat, r.prediction) <= 1e-9)
  FROM ex_new_cars n JOIN ex_ref_predict r ON r.car = n.model AND r.model = 'cars_lm';

-- an input of an expression NULL: the prediction is NULL
SELECT learn.predict('cars_lm', q) FROM (SELECT NULL::float8 AS disp, 3.0 AS wt, 110 AS hp, 6 AS cyl) q;
-- the array form takes the features' values, already computed
SELECT rel_err(learn.predict('cars_glm', ARRAY[ln(110), 2.62 / 16.46]), r.prediction) <= 1e-9
  FROM ex_ref_predict r WHERE r.model = 'cars_glm' AND r.car = 'Mazda RX4';
-- a row lacking a column an expression reads: 42703 naming it
SELECT learn.predict('cars_lm', q) FROM (SELECT 160.0 AS disp, 110 AS hp, 6 AS cyl) q;
-- an error computing an expression names the feature and the model
SELECT learn.predict('cars_lm', q) FROM (SELECT 0.0 AS disp, 3.0 AS wt, 110 AS hp, 6 AS cyl) q;

-- A stored expression reads the same under any search_path: a function of
-- the same name earlier in the path changes neither scoring nor the plan.
CREATE SCHEMA ex_shadow;
CREATE FUNCTION ex_shadow.ln(float8) RETURNS float8 LANGUAGE sql IMMUTABLE PARALLEL SAFE AS 'SELECT $1';
CREATE FUNCTION ex_shadow.text(integer) RETURNS text LANGUAGE sql IMMUTABLE AS $$SELECT 'x'$$;
SET search_path = ex_shadow, pg_catalog, public;
EXPLAIN (VERBOSE, COSTS OFF) SELECT learn.predict('cars_lm', c) FROM mtcars c;
SELECT count(*), bool_and(rel_err(learn.predict('cars_lm', c), r.prediction) <= 1e-9),
       bool_and(rel_err(learn.predict('cars_lm', c.*::mtcars), r.prediction) <= 1e-9)
  FROM mtcars c JOIN ex_ref_predict r ON r.car = c.model AND r.model = 'cars_lm';
-- training under that path takes the caller's function, and stores it
-- qualified, so that scoring takes it too
SELECT features, feature_exprs
  FROM learn.train('ex_shadowed', 'linear', 'mtcars', 'mpg', ARRAY['ln(disp) AS log_disp', 'wt']);
RESET search_path;
SELECT count(*), bool_and(learn.predict('ex_shadowed', c) = learn.predict('ex_shadowed', ARRAY[c.disp, c.wt]))
  FROM mtcars c;

-- Nor does a literal depend on the settings of the sessions that train
-- and score: a date's field order, a backslash in a string, a float's
-- digits are stored as they read in any session.
SET DateStyle = 'SQL, DMY';
SET standard_conforming_strings = off;
SET escape_string_warning = off;
SET extra_float_digits = -15;
SELECT feature_exprs
  FROM learn.train('ex_literals', 'linear', 'mtcars', 'mpg',
                   ARRAY[$$wt + ('1974-02-03'::date - '1974-01-01'::date) AS wt_feb$$,
                         $$disp * length(E'a\\b') AS disp3$$,
                         $$hp * '1.23456789012'::float8 AS hp_scaled$$]);
RESET DateStyle;
RESET standard_conforming_strings;
RESET escape_string_warning;
RESET extra_float_digits;
SELECT count(*),
       bool_and(rel_err(learn.predict('ex_literals', c),
                        learn.predict('ex_literals', ARRAY[c.wt + 33, c.disp * 3, c.hp * 1.23456789012::float8])) <= 1e-12),
       bool_and(rel_err(learn.predict('ex_literals', c.*::mtcars),
                        learn.predict('ex_literals', ARRAY[c.wt + 33, c.disp * 3, c.hp * 1.23456789012::float8])) <= 1e-12)
  FROM mtcars c;
SET DateStyle = 'German';
SET standard_conforming_strings = off;
SELECT count(*),
       bool_and(rel_err(learn.predict('ex_literals', c.*::mtcars),
                        learn.predict('ex_literals', ARRAY[c.wt + 33, c.disp * 3, c.hp * 1.23456789012::float8])) <= 1e-12)
  FROM mtcars c;
RESET DateStyle;
RESET standard_conforming_strings;

-- Errors, each naming what is wrong
SELECT learn.train('ex_bad', 'linear', 'mtcars', 'mpg', ARRAY['log(disp)']);
SELECT learn.train('ex_bad', 'linear', 'mtcars', 'mpg', ARRAY['log(disp) AS hp']);
SELECT learn.train('ex_bad', 'linear', 'mtcars', 'mpg', ARRAY['log(disp) AS x', 'wt AS x']);
SELECT learn.train('ex_bad', 'linear', 'mtcars', 'mpg', ARRAY['log(nope) AS x']);
SELECT learn.train('ex_bad', 'linear', 'mtcars', 'mpg', ARRAY['c.disp AS x']);
SELECT learn.train('ex_bad', 'linear', 'mtcars', 'mpg', ARRAY['disp) AS x, (1']);
SELECT learn.train('ex_bad', 'linear', 'mtcars', 'mpg', ARRAY['disp AS x FROM pg_class']);
SELECT learn.train('ex_bad', 'linear', 'mtcars', 'mpg', ARRAY['log(model) AS x']);
SELECT learn.train('ex_bad', 'linear', 'mtcars', 'mpg', ARRAY['random() * disp AS x']);
SELECT learn.train('ex_bad', 'linear', 'mtcars', 'mpg', ARRAY['sum(disp) AS x']);
SELECT learn.train('ex_bad', 'linear', 'mtcars', 'mpg', ARRAY['rank() OVER () AS x']);
SELECT learn.train('ex_bad', 'linear', 'mtcars', 'mpg', ARRAY['generate_series(1, cyl) AS x']);
SELECT learn.train('ex_bad', 'linear', 'mtcars', 'mpg', ARRAY['(SELECT 1) AS x']);
SELECT learn.train('ex_bad', 'linear', 'mtcars', 'mpg', ARRAY['$1 AS x']);
SELECT learn.train('ex_bad', 'linear', 'mtcars', 'mpg', ARRAY['ARRAY[disp] AS x']);
SELECT learn.train('ex_bad', 'linear', 'mtcars', 'mpg', ARRAY['disp AS mpg']);
SELECT count(*) FROM learn.models WHERE name = 'ex_bad';

-- A function that is no longer immutable stops scoring with the reason.
CREATE FUNCTION ex_half(float8) RETURNS float8 LANGUAGE sql IMMUTABLE PARALLEL SAFE AS 'SELECT $1 / 2';
SELECT feature_exprs FROM learn.train('ex_half', 'linear', 'mtcars', 'mpg', ARRAY['ex_half(disp) AS half_disp']);
SELECT count(*) FROM mtcars c WHERE learn.predict('ex_half', c) IS NOT NULL;
ALTER FUNCTION ex_half(float8) VOLATILE;
SELECT learn.predict('ex_half', c) FROM mtcars c LIMIT 1;
ALTER FUNCTION ex_half(float8) IMMUTABLE PARALLEL UNSAFE;
SELECT learn.predict('ex_half', c) FROM mtcars c LIMIT 1;
DROP FUNCTION ex_half(float8);
SELECT learn.predict('ex_half', c) FROM mtcars c LIMIT 1;
-- scoring is parallel safe, so a feature expression must be too
CREATE FUNCTION ex_third(float8) RETURNS float8 LANGUAGE sql IMMUTABLE AS 'SELECT $1 / 3';
SELECT learn.train('ex_bad', 'linear', 'mtcars', 'mpg', ARRAY['ex_third(disp) AS third_disp']);

-- a temporary function would be gone when the model scores
CREATE FUNCTION pg_temp.ex_twice(float8) RETURNS float8 LANGUAGE sql IMMUTABLE PARALLEL SAFE AS 'SELECT $1 * 2';
SELECT learn.train('ex_bad', 'linear', 'mtcars', 'mpg', ARRAY['pg_temp.ex_twice(disp) AS x']);
-- and so would a temporary operator or type
CREATE OPERATOR pg_temp.## (LEFTARG = float8, RIGHTARG = float8, FUNCTION = pg_catalog.float8pl);
SELECT learn.train('ex_bad', 'linear', 'mtcars', 'mpg', ARRAY['disp OPERATOR(pg_temp.##) 1 AS x']);
CREATE DOMAIN pg_temp.ex_positive AS float8 CHECK (VALUE > 0);
SELECT learn.train('ex_bad', 'linear', 'mtcars', 'mpg', ARRAY['(disp::pg_temp.ex_positive)::float8 AS x']);
SELECT learn.train('ex_bad', 'linear', 'mtcars', 'mpg', ARRAY['disp + (''{1}''::pg_temp.ex_positive[])[1] AS x']);
CREATE TEMP TABLE ex_temp_row (v float8);
SELECT learn.train('ex_bad', 'linear', 'mtcars', 'mpg', ARRAY['(ROW(disp)::ex_temp_row).v AS x']);
SELECT count(*) FROM learn.models WHERE name = 'ex_bad';

-- A model's expressions run with the rights of the role that scores, so
-- they may call only functions of superusers and of roles that have the
-- rights of that role: bob cannot be made to run alice's function by
-- scoring her model, neither by the row form nor by the planner's rewrite.
CREATE ROLE regress_ex_alice;
CREATE ROLE regress_ex_bob;
GRANT SELECT ON mtcars TO regress_ex_alice, regress_ex_bob;
CREATE SCHEMA ex_alice AUTHORIZATION regress_ex_alice;
GRANT USAGE ON SCHEMA ex_alice TO PUBLIC;
SET ROLE regress_ex_alice;
CREATE FUNCTION ex_alice.scaled(float8) RETURNS float8 LANGUAGE sql IMMUTABLE PARALLEL SAFE AS 'SELECT $1 / 100';
SELECT feature_exprs FROM learn.train('ex_alice', 'linear', 'mtcars', 'mpg',
                                      ARRAY['ex_alice.scaled(disp) AS d', 'ln(hp) AS log_hp']);
SELECT count(*) FROM mtcars c WHERE learn.predict('ex_alice', c) IS NOT NULL;
SET ROLE regress_ex_bob;
EXPLAIN (VERBOSE, COSTS OFF) SELECT learn.predict('ex_alice', c) FROM mtcars c;
SELECT learn.predict('ex_alice', c) FROM mtcars c LIMIT 1;
SELECT learn.predict('ex_alice', c.*::mtcars) FROM mtcars c LIMIT 1;
-- a model whose expressions call only built-in functions scores for him
SELECT count(*) FROM mtcars c WHERE learn.predict('cars_lm', c) IS NOT NULL;
-- Nor through her types: a cast to her domain runs its CHECK constraint,
-- and a literal of her composite type or of an array of her domain runs
-- it already when the expression is read.  Her check says when it runs
-- as another role.
SET ROLE regress_ex_alice;
CREATE FUNCTION ex_alice.check_runs(float8) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
	IF current_user <> 'regress_ex_alice' THEN
		RAISE NOTICE 'alice''s check runs as %', current_user;
	END IF;
	RETURN true;
END $$;
CREATE DOMAIN ex_alice.checked AS float8 CHECK (ex_alice.check_runs(VALUE));
CREATE TYPE ex_alice.pair AS (v ex_alice.checked);
SELECT feature_exprs FROM learn.train('ex_alice_domain', 'linear', 'mtcars', 'mpg',
                                      ARRAY['(disp::ex_alice.checked)::float8 AS d']);
SELECT feature_exprs FROM learn.train('ex_alice_composite', 'linear', 'mtcars', 'mpg',
                                      ARRAY['disp + ((''(1)''::ex_alice.pair).v)::float8 AS d']);
SELECT feature_exprs FROM learn.train('ex_alice_array', 'linear', 'mtcars', 'mpg',
                                      ARRAY['disp + (''{1}''::ex_alice.checked[])[1] AS d']);
SET ROLE regress_ex_bob;
EXPLAIN (VERBOSE, COSTS OFF) SELECT learn.predict('ex_alice_domain', c) FROM mtcars c;
SELECT learn.predict('ex_alice_domain', c) FROM mtcars c LIMIT 1;
SELECT learn.predict('ex_alice_domain', c.*::mtcars) FROM mtcars c LIMIT 1;
SELECT learn.predict('ex_alice_composite', c) FROM mtcars c LIMIT 1;
SELECT learn.predict('ex_alice_composite', c.*::mtcars) FROM mtcars c LIMIT 1;
SELECT learn.predict('ex_alice_array', c) FROM mtcars c LIMIT 1;
SELECT learn.predict('ex_alice_array', c.*::mtcars) FROM mtcars c LIMIT 1;
RESET ROLE;
SELECT learn.drop_model('ex_alice_domain'), learn.drop_model('ex_alice_composite'),
       learn.drop_model('ex_alice_array');
-- nor may a member of alice's role, nor a superuser: her code would act
-- with their rights
GRANT regress_ex_alice TO regress_ex_bob;
SET ROLE regress_ex_bob;
SELECT learn.predict('ex_alice', c) FROM mtcars c LIMIT 1;
RESET ROLE;
REVOKE regress_ex_alice FROM regress_ex_bob;
SELECT learn.predict('ex_alice', c) FROM mtcars c LIMIT 1;
-- when alice has bob's rights, her code can do nothing as bob that she
-- cannot do already: he may
GRANT regress_ex_bob TO regress_ex_alice;
SET ROLE regress_ex_bob;
SELECT count(*) FROM mtcars c WHERE learn.predict('ex_alice', c) IS NOT NULL;
RESET ROLE;
SELECT learn.drop_model('ex_alice');
DROP SCHEMA ex_alice CASCADE;
REVOKE SELECT ON mtcars FROM regress_ex_alice, regress_ex_bob;
DROP ROLE regress_ex_bob;
DROP ROLE regress_ex_alice;
