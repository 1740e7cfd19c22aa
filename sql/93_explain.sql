--
-- learn.explain(model, x): each feature's value, term, estimate and
-- contribution, which with the intercept sum to the linear predictor; the
-- prediction is what learn.predict / predict_proba give.  Imputed values,
-- reference levels and levels training never saw are flagged.
--
SET extra_float_digits = 0;

-- a sum of the contributions (per class for a multinomial model)
CREATE FUNCTION ex_sum(e jsonb, class text DEFAULT NULL) RETURNS float8
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN class IS NULL THEN (e->>'intercept')::float8 ELSE (e->'intercept'->>class)::float8 END
	       + coalesce(sum(CASE WHEN class IS NULL THEN (f->>'contribution')::float8
	                           ELSE (f->'contribution'->>class)::float8 END), 0)
	  FROM jsonb_array_elements(e->'features') f
$$;

-- an explanation with its numbers to 6 decimals, for showing
CREATE FUNCTION ex_round(j jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE jsonb_typeof(j)
		WHEN 'number' THEN to_jsonb(round(j::numeric, 6))
		WHEN 'object' THEN (SELECT coalesce(jsonb_object_agg(k, ex_round(v)), '{}')
							  FROM jsonb_each(j) AS e(k, v))
		WHEN 'array' THEN (SELECT coalesce(jsonb_agg(ex_round(v) ORDER BY n), '[]')
							 FROM jsonb_array_elements(j) WITH ORDINALITY AS a(v, n))
		ELSE j END
$$;

-- linear, with feature expressions and a computed category
SELECT 1 FROM learn.train('xp_lm', 'linear', 'mtcars', 'mpg',
                          ARRAY['ln(disp) AS log_disp', 'hp / wt AS power', 'cyl::text AS cyls']);
SELECT jsonb_pretty(ex_round(learn.explain('xp_lm', c))) FROM mtcars c WHERE model = 'Valiant';
SELECT count(*),
       bool_and(abs(ex_sum(e) - (e->>'linear_predictor')::float8) <= 1e-12 * abs(ex_sum(e))),
       bool_and(abs(ex_sum(e) - learn.predict('xp_lm', c)) <= 1e-12 * abs(ex_sum(e))),
       bool_and((e->>'prediction')::float8 = learn.predict('xp_lm', c))
  FROM mtcars c, LATERAL (SELECT learn.explain('xp_lm', c) AS e) x;
-- each number's contribution is its estimate times its value, and the
-- estimate is the stored one
SELECT bool_and(abs((f->>'contribution')::float8 - (f->>'estimate')::float8 * (f->>'value')::float8)
                <= 1e-12 * abs((f->>'contribution')::float8)
                AND (f->>'estimate')::float8 = co.estimate)
  FROM mtcars c, jsonb_array_elements(learn.explain('xp_lm', c)->'features') f,
       learn.coefficients co JOIN learn.models m ON m.id = co.model_id
 WHERE m.name = 'xp_lm' AND m.deployed AND co.term = f->>'term' AND f->>'feature' <> 'cyls';

-- logistic: the linear predictor through the logistic function is the
-- probability, and the class the more probable one
SELECT 1 FROM learn.train('xp_logit', 'logistic', 'mtcars', 'am', ARRAY['wt', 'ln(hp) AS log_hp']);
SELECT count(*),
       bool_and(abs(1 / (1 + exp(-ex_sum(e))) - learn.predict_proba('xp_logit', c)) <= 1e-12),
       bool_and((e->>'probability')::float8 = learn.predict_proba('xp_logit', c)),
       bool_and(e->>'class' = learn.predict_label('xp_logit', c))
  FROM mtcars c, LATERAL (SELECT learn.explain('xp_logit', c) AS e) x;

-- multinomial: one linear predictor per class after the first
SELECT 1 FROM learn.train('xp_mn', 'multinomial', 'mn_data', 'y3', ARRAY['x1', 'x2']);
SELECT jsonb_pretty(ex_round(learn.explain('xp_mn', d) - 'features' - 'probabilities'))
  FROM (SELECT * FROM mn_data LIMIT 1) d;
SELECT count(*),
       bool_and(abs((e->'probabilities'->>'dog')::float8 - learn.predict_proba('xp_mn', d, 'dog')) <= 1e-15),
       bool_and(abs(exp(ex_sum(e, 'cat') - ex_sum(e, 'dog'))
                    - learn.predict_proba('xp_mn', d, 'cat') / learn.predict_proba('xp_mn', d, 'dog'))
                <= 1e-9 * learn.predict_proba('xp_mn', d, 'cat') / learn.predict_proba('xp_mn', d, 'dog')),
       bool_and(e->>'class' = learn.predict_label('xp_mn', d))
  FROM mn_data d, LATERAL (SELECT learn.explain('xp_mn', d) AS e) x;

-- flags: an unseen level counts as the reference level; a NULL the
-- model imputes; the reference level has no term
SELECT 1 FROM learn.train('xp_imp', 'linear', 'imp', 'y', ARRAY['x1', 'x2', 'color'],
                          '{"impute": "mean"}');
SELECT f->>'feature' AS feature, ex_round(f->'value') AS value, f->>'term' AS term,
       f ? 'imputed' AS imputed, f ? 'unseen_level' AS unseen, f ? 'reference_level' AS reference
  FROM (VALUES (1, 0.5::float8, NULL::float8, 'purple'), (2, NULL, 1.0, 'blue'), (3, 0.5, 1.0, NULL))
       AS q(i, x1, x2, color),
       jsonb_array_elements(learn.explain('xp_imp', q)->'features') f ORDER BY q.i, 1;
SELECT abs(ex_sum(e) - learn.predict('xp_imp', q)) <= 1e-12
  FROM (SELECT 0.5::float8 AS x1, NULL::float8 AS x2, 'purple' AS color) q,
       LATERAL (SELECT learn.explain('xp_imp', q) AS e) x;

-- grouped: the group's values and its coefficients; an unseen group and
-- a NULL feature without imputation give NULL
SELECT 1 FROM learn.train('xp_grp', 'linear', 'mtcars', 'mpg', ARRAY['wt'], group_by => ARRAY['am']);
SELECT e->'group' AS grp, abs(ex_sum(e) - learn.predict('xp_grp', c)) <= 1e-12 AS same
  FROM mtcars c, LATERAL (SELECT learn.explain('xp_grp', c) AS e) x WHERE model IN ('Valiant', 'Fiat 128');
SELECT learn.explain('xp_grp', q) IS NULL AS unseen_group
  FROM (SELECT 3.0::float8 AS wt, 7 AS am) q;
SELECT learn.explain('xp_lm', q) IS NULL AS null_feature
  FROM (SELECT NULL::float8 AS disp, 110 AS hp, 3.0::float8 AS wt, 6 AS cyl) q;

-- the array form and its text from a driver
SELECT 1 FROM learn.train('xp_num', 'linear', 'mtcars', 'mpg', ARRAY['wt', 'hp']);
SELECT learn.explain('xp_num', ARRAY[3.0, 110]) = learn.explain('xp_num', '{3.0,110}') AS same_text,
       (learn.explain('xp_num', ARRAY[3.0, 110])->>'prediction')::float8
         = learn.predict('xp_num', ARRAY[3.0, 110]) AS same_prediction;
SELECT learn.explain('xp_num', ARRAY[3.0]);
SELECT learn.explain(NULL, ARRAY[3.0, 110]);
