--
-- The second phase of scripts/fuzz.sh: sqlsmith rarely gets past the
-- argument types of pg_learn's functions, so this calls them directly, with
-- arguments drawn at random from fuzz_inputs, crafted and mutated aggregate
-- states, odd arrays and odd rows.  Each call runs in a subtransaction;
-- only its SQLSTATE is kept (fuzz_results).  Needs tests/fuzz/setup.sql.
-- psql variables: seed, iterations.
--
\set ON_ERROR_STOP 1
\set QUIET 1
CREATE TABLE fuzz_results (kind text, sqlstate text, calls bigint, example text,
						   PRIMARY KEY (kind, sqlstate));

-- a random element of a column of fuzz_inputs (NULLs included)
CREATE FUNCTION pick(col text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	v text;
BEGIN
	EXECUTE format('SELECT %I::text FROM fuzz_inputs ORDER BY random() LIMIT 1', col) INTO v;
	RETURN v;
END
$$;

-- a float8 from a palette of edge values, or a plain random one
CREATE FUNCTION odd_float() RETURNS float8 LANGUAGE sql AS $$
	SELECT (ARRAY[0, 1, -1, 2.5, 1e308, -1e308, 1e-308, 5e-324, 1e154, 1e200,
				  -1e200, 'NaN', 'Infinity', '-Infinity',
				  (random() - 0.5) * 100])[1 + floor(random() * 15)::int]::float8
$$;

-- a linear state: version, ncols, n, n_skipped, n_zero_weight, sum_w,
-- sum_log_w, then the upper triangle of R; right length, odd content
CREATE FUNCTION crafted_state() RETURNS bytea LANGUAGE plpgsql AS $$
DECLARE
	nc int := (ARRAY[0, 3, 3, 4, 4, 5, 2, 1002, 1003])[1 + floor(random() * 9)::int];
	s bytea;
BEGIN
	s := '\x01'::bytea || int4send(nc)
		|| int8send((ARRAY[0, 1, 2, 3, 100, 9223372036854775807, -1])[1 + floor(random() * 7)::int])
		|| int8send((ARRAY[0, 0, 0, 5, -5])[1 + floor(random() * 5)::int])
		|| int8send((ARRAY[0, 0, 5])[1 + floor(random() * 3)::int])
		|| float8send(CASE WHEN random() < 0.8 THEN random() * 10 ELSE abs(odd_float()) END)
		|| float8send(CASE WHEN random() < 0.8 THEN random() ELSE odd_float() END);
	IF nc <= 5 THEN
		FOR i IN 1 .. nc * (nc + 1) / 2 LOOP
			s := s || float8send(CASE WHEN random() < 0.8 THEN (random() - 0.5) * 10
									  ELSE odd_float() END);
		END LOOP;
	END IF;
	RETURN s;
END
$$;

-- a valid state with a few bytes changed, cut short, or doubled
CREATE FUNCTION mutated_state() RETURNS bytea LANGUAGE plpgsql AS $$
DECLARE
	s bytea;
	r float8 := random();
BEGIN
	SELECT state INTO s FROM fuzz_inputs WHERE state IS NOT NULL ORDER BY random() LIMIT 1;
	IF r < 0.1 THEN
		RETURN substr(s, 1, floor(random() * length(s))::int);
	ELSIF r < 0.15 THEN
		RETURN s || s;
	END IF;
	FOR i IN 1 .. 1 + floor(random() * 3)::int LOOP
		s := set_byte(s, floor(random() * length(s))::int, floor(random() * 256)::int);
	END LOOP;
	RETURN s;
END
$$;

CREATE FUNCTION try_call(what text, stmt text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	state text := '00000';
	msg text;
BEGIN
	BEGIN
		EXECUTE stmt;
	EXCEPTION WHEN OTHERS THEN
		state := SQLSTATE;
		msg := SQLERRM;
	END;
	INSERT INTO fuzz_results AS r VALUES (what, state, 1, left(msg, 100))
		ON CONFLICT (kind, sqlstate) DO UPDATE SET calls = r.calls + 1;
END
$$;

CREATE PROCEDURE fuzz_targeted(seed int, iterations int) LANGUAGE plpgsql AS $$
DECLARE
	k int;
	name text;
	tbl text;
BEGIN
	PERFORM setseed((seed % 1000) / 1000.0);
	FOR i IN 1 .. iterations LOOP
		k := floor(random() * 16)::int;
		tbl := (ARRAY['mtcars', 'iris', 'stackloss', 'longley', 'fuzz_inputs',
					  'mtcars_rankdef'])[1 + floor(random() * 6)::int];
		-- mostly new names, sometimes existing or invalid ones
		name := CASE WHEN random() < 0.6 THEN 'f' || floor(random() * 20)::int
					 ELSE pick('model') END;
		CASE k
		WHEN 0 THEN
			PERFORM try_call('train', format(
				'SELECT learn.train(%L, %L, %L, %L, %L::text[], %L::jsonb, %L::text[], %L)',
				name, CASE WHEN random() < 0.8 THEN 'linear' ELSE pick('algorithm') END,
				CASE WHEN random() < 0.5 THEN tbl ELSE pick('source') END,
				pick('target'), pick('features'),
				coalesce(pick('params'), '{}'), pick('group_by'), pick('weight')));
		WHEN 1 THEN
			-- a training that may well succeed: mtcars, its columns, scaled
			PERFORM try_call('train_mtcars', format(
				'SELECT learn.train(%L, ''linear'', %L, ''mpg'', %L::text[], %L::jsonb, %L::text[], %L)',
				name,
				format('SELECT mpg * %s AS mpg, wt * %s AS wt, hp, qsec, cyl, am, vs, carb, gear FROM mtcars',
					   (ARRAY[1, 1, 1e-300, 1e150, 1e200, -1])[1 + floor(random() * 6)::int],
					   (ARRAY[1, 1, 0, 1e-300, 1e150, 1e200])[1 + floor(random() * 6)::int]),
				(SELECT array_agg(f) FROM unnest('{wt,hp,qsec,am,vs}'::text[]) f
				  WHERE random() < 0.5),
				(ARRAY['{}', '{"robust": "HC0"}', '{"robust": "HC1"}', '{"intercept": false}',
					   '{"robust": "hc1", "intercept": false, "deploy": false}'])[1 + floor(random() * 5)::int],
				(ARRAY[NULL, NULL, '{cyl}', '{carb}', '{cyl,carb}'])[1 + floor(random() * 5)::int],
				(ARRAY[NULL, NULL, 'gear', 'gear'])[1 + floor(random() * 4)::int]));
		WHEN 2 THEN
			PERFORM try_call('predict_array', format(
				'SELECT learn.predict(%L, %L::float8[])', pick('model'), pick('x')));
		WHEN 3 THEN
			PERFORM try_call('predict_row', format(
				'SELECT learn.predict(%L, t) FROM %I t', name, tbl));
		WHEN 4 THEN
			PERFORM try_call('predict_cols', format(
				'SELECT learn._predict_cols(%L, %L::text[], %s)', pick('model'),
				pick('features'),
				(SELECT string_agg(format('%L::%s', odd_float(),
						(ARRAY['float8', 'int4', 'numeric', 'bool', 'text', 'float4'])
						[1 + floor(random() * 6)::int]), ', ')
				   FROM generate_series(1, 1 + floor(random() * 5)::int))));
		WHEN 5 THEN
			PERFORM try_call('deploy', format('SELECT learn.deploy(%L, %s)',
				name, coalesce(pick('version'), 'NULL')));
		WHEN 6 THEN
			IF random() < 0.3 THEN
				PERFORM try_call('drop_model', format('SELECT learn.drop_model(%L, %s)',
					name, coalesce(pick('version'), 'NULL')));
			END IF;
		WHEN 7 THEN
			PERFORM try_call('merge_crafted', format(
				'SELECT learn.linreg_merge(s), learn.linear_merge(s) FROM unnest(%L::bytea[]) s',
				ARRAY[crafted_state()] || CASE WHEN random() < 0.5 THEN ARRAY[crafted_state()] END));
		WHEN 8 THEN
			PERFORM try_call('merge_mutated', format(
				'SELECT learn.linreg_merge(s), learn.linear_merge(s) FROM unnest(%L::bytea[]) s',
				ARRAY[mutated_state()] || CASE WHEN random() < 0.5 THEN ARRAY[mutated_state()] END));
		WHEN 9 THEN
			PERFORM try_call('meat', format(
				'SELECT learn._linear_meat(%L::float8[], mpg * %L::float8, %L::float8, wt * %L::float8, hp) FROM mtcars',
				pick('coef'), odd_float(), abs(odd_float()), odd_float()));
		WHEN 10 THEN
			PERFORM try_call('linreg', format(
				'SELECT learn.linreg(y * %L::float8, x) FROM fuzz_inputs', odd_float()));
			PERFORM try_call('linreg', format(
				'SELECT learn.linreg(%L::float8, %L::float8[]) FROM generate_series(1, %s)',
				odd_float(), pick('x'), floor(random() * 5)::int));
		WHEN 13 THEN
			-- glm and logistic trainings on mtcars, odd scales and params
			PERFORM try_call('train_glm', format(
				'SELECT learn.train(%L, %L, %L, %L, %L::text[], %L::jsonb, %L::text[], %L)',
				name, (ARRAY['glm', 'logistic'])[1 + floor(random() * 2)::int],
				format('SELECT am, vs, carb, mpg * %s AS mpg, wt * %s AS wt, hp, cyl, gear, '
					   'CASE am WHEN 1 THEN ''m'' ELSE ''a'' END AS box, ln(1 + gear) AS off FROM mtcars',
					   (ARRAY[1, 1, 1e-300, 1e150, -1])[1 + floor(random() * 5)::int],
					   (ARRAY[1, 1, 0, 1e-300, 1e200])[1 + floor(random() * 5)::int]),
				(ARRAY['am', 'vs', 'carb', 'mpg', 'box', 'cyl'])[1 + floor(random() * 6)::int],
				(SELECT array_agg(f) FROM unnest('{wt,hp,gear,mpg}'::text[]) f WHERE random() < 0.5),
				(ARRAY['{}', '{"family": "poisson"}', '{"family": "gamma", "link": "log"}',
					   '{"family": "binomial", "link": "probit"}', '{"family": "inverse_gaussian"}',
					   '{"family": "poisson", "offset": "off"}', '{"max_iterations": 2}',
					   '{"family": "gaussian", "link": "inverse", "tolerance": 1e-300}'])
				[1 + floor(random() * 8)::int],
				(ARRAY[NULL, NULL, '{cyl}', '{gear}'])[1 + floor(random() * 4)::int],
				(ARRAY[NULL, NULL, 'hp'])[1 + floor(random() * 3)::int]));
		WHEN 14 THEN
			PERFORM try_call('predict_proba', format(
				'SELECT learn.predict_proba(%L, %L::float8[]), learn.predict_label(%L, %L::float8[]), '
				'learn.predict_proba(%L, %L::float8[], %L)',
				pick('model'), pick('x'), pick('model'), pick('x'), pick('model'), pick('x'),
				(ARRAY['0', '1', 'manual', 'auto', 'true', NULL, ''])[1 + floor(random() * 7)::int]));
			PERFORM try_call('predict_proba_row', format(
				'SELECT learn.predict_proba(%L, t), learn.predict_label(%L, t) FROM %I t',
				name, name, tbl));
		WHEN 15 THEN
			PERFORM try_call('glm_pass', format(
				'SELECT learn._glm_pass(%s, %s, %s, %L, mpg * %L::float8, %L::float8, %L::float8, wt, hp) FROM mtcars',
				(ARRAY['NULL', quote_literal(crafted_state()), quote_literal(mutated_state())])
				[1 + floor(random() * 3)::int] || '::bytea',
				(ARRAY[0, 0, 1, -1, 2147483647])[1 + floor(random() * 5)::int],
				(ARRAY[35, 291, 51, 65, 84, 0, 999, -5])[1 + floor(random() * 8)::int],
				'mpg', odd_float(), abs(odd_float()), odd_float()));
		WHEN 11 THEN
			PERFORM try_call('linear_predict', format(
				'SELECT learn.linear_predict(%L::float8[], %L::float8[])',
				pick('coef'), pick('x')));
		ELSE
			PERFORM try_call('key_text', format('SELECT learn._key_text(%s)',
				(ARRAY['now()', '''infinity''::timestamptz', '''-infinity''::date',
					   '1.500::numeric', '''NaN''::numeric', 'ARRAY[now()]',
					   'ROW(1, now(), 2.50)', '''[1,2)''::int4range', '''1 day''::interval',
					   '''\x00''::bytea', '''5 BC''::date', '''294276-12-31 23:59:59''::timestamp',
					   '1::money', '''{}''::jsonb', 'NULL::float4', '''-0''::float8',
					   'mpg) FROM (SELECT * FROM mtcars) s WHERE (true'])
				[1 + floor(random() * 17)::int]));
		END CASE;
		IF i % 50 = 0 THEN
			COMMIT;
		END IF;
	END LOOP;
END
$$;

CALL fuzz_targeted(:seed, :iterations);
\set QUIET 0
SELECT kind, sum(calls) AS calls,
	   string_agg(sqlstate || ':' || calls, ' ' ORDER BY calls DESC) AS sqlstates
  FROM fuzz_results GROUP BY kind ORDER BY kind;
