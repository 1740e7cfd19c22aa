-- bench/measure.sql: the timed runs, into bench_result.
-- psql variables: workers, runs.  Needs a deployed model 'bench' (plan.sql).

-- load the library before the first timed run
SELECT learn.linear_state_version() AS state_version \gset

-- scan, training and the training aggregate alone, serial and parallel
SELECT bench_run(
	ARRAY['scan_serial', 'scan_parallel',
		  'train_serial', 'train_parallel',
		  'agg_serial', 'agg_parallel'],
	ARRAY[
		$q$SELECT sum(y + x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10) FROM t$q$,
		$q$SELECT sum(y + x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10) FROM t$q$,
		$q$SELECT learn.train('bench', 'linear', 't', 'y', params => '{"deploy": false}')$q$,
		$q$SELECT learn.train('bench', 'linear', 't', 'y', params => '{"deploy": false}')$q$,
		$q$SELECT learn.linear_partial(y, 1, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10) FROM t$q$,
		$q$SELECT learn.linear_partial(y, 1, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10) FROM t$q$],
	ARRAY[0, :workers, 0, :workers, 0, :workers],
	:runs) \g /dev/null

-- The deployed model's coefficients as literals: the inline formula and
-- the coef array of learn.linear_predict.
SELECT string_agg(CASE WHEN c.position = 0 THEN format('%s::float8', c.estimate)
					   ELSE format('%s::float8 * %I', c.estimate, c.term) END,
				  ' + ' ORDER BY c.position) AS inline_formula,
	   quote_literal(array_agg(c.estimate ORDER BY c.position)::text) AS coef_literal,
	   string_agg(quote_ident(c.term), ', ' ORDER BY c.position)
		 FILTER (WHERE c.position > 0) AS feature_list
FROM learn.coefficients AS c
JOIN learn.models AS m ON m.id = c.model_id
WHERE m.name = 'bench' AND m.deployed \gset

-- scoring, serial
SELECT bench_run(
	ARRAY['score_inline', 'score_row', 'score_array', 'score_linear_predict'],
	ARRAY[
		format('SELECT sum(%s) FROM t', :'inline_formula'),
		$q$SELECT sum(learn.predict('bench', t)) FROM t$q$,
		format('SELECT sum(learn.predict(%L, ARRAY[%s])) FROM t', 'bench', :'feature_list'),
		format('SELECT sum(learn.linear_predict(%s::float8[], ARRAY[%s])) FROM t',
			   :'coef_literal', :'feature_list')],
	ARRAY[0, 0, 0, 0],
	:runs) \g /dev/null

-- the four forms must agree (up to rounding), or the timings mean nothing
DO $$
DECLARE
	r		record;
	ref		float8;
	v		float8;
BEGIN
	FOR r IN SELECT name, query FROM bench_result WHERE name LIKE 'score_%' ORDER BY name LOOP
		EXECUTE r.query INTO v;
		IF ref IS NULL THEN
			ref := v;
		ELSIF abs(v - ref) > 1e-9 * abs(ref) THEN
			RAISE EXCEPTION 'scoring forms disagree: % gives %, another form %', r.name, v, ref;
		END IF;
	END LOOP;
END
$$;
