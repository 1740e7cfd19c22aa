--
-- The second phase of scripts/fuzz.sh: sqlsmith rarely gets past the
-- argument types of pg_learn's functions, so this calls them directly, with
-- arguments drawn at random from fuzz_inputs, crafted and mutated aggregate
-- states, odd arrays and odd rows.  Multinomial trainings take targets of
-- many types and random params, on mtcars or, with parallel workers, on
-- mtcars_big; learn._glm_pass is called with random specs (K classes from
-- -1 to 1100, and garbage) and crafted, mutated and random pass
-- parameters.  Each call runs in a subtransaction; only its SQLSTATE is
-- kept (fuzz_results).  Needs tests/fuzz/setup.sql.  psql variables:
-- seed, iterations.
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

-- a parameter of learn._glm_pass (passparam.c): nparam values for each
-- key, mostly moderate, now and then odd (non-finite ones are refused)
CREATE FUNCTION pass_param(nparam int, keys text[]) RETURNS bytea LANGUAGE plpgsql AS $$
DECLARE
	n int := coalesce(array_length(keys, 1), 0);
	s bytea := '\x01'::bytea || int4send(nparam) || int4send(n);
	v float8;
BEGIN
	FOR i IN 1 .. n LOOP
		s := s || int4send(octet_length(keys[i])) || convert_to(keys[i], 'UTF8');
		FOR j IN 1 .. nparam LOOP
			v := CASE WHEN random() < 0.99 THEN (random() - 0.5) * 4 ELSE odd_float() END;
			s := s || float8send(v);
		END LOOP;
	END LOOP;
	RETURN s;
END
$$;

-- a pass parameter as learn._glm_pass may get it: right, with another
-- count of values or groups, keys that match no group, changed bytes, cut
-- short, or random bytes
CREATE FUNCTION odd_pass_param(nparam int, keys text[]) RETURNS bytea LANGUAGE plpgsql AS $$
DECLARE
	r float8 := random();
	s bytea;
BEGIN
	IF r < 0.2 THEN
		RETURN NULL;
	ELSIF r < 0.6 THEN
		RETURN pass_param(nparam, keys);
	ELSIF r < 0.65 THEN
		RETURN pass_param(greatest(nparam + (ARRAY[-1, 1, -nparam])[1 + floor(random() * 3)::int], 0), keys);
	ELSIF r < 0.7 THEN
		RETURN pass_param(nparam, keys || keys);
	ELSIF r < 0.75 THEN
		RETURN pass_param(nparam, ARRAY['x', '1:7;', 'N;', '']);
	ELSIF r < 0.78 THEN
		RETURN pass_param(nparam, '{}');
	ELSIF r < 0.88 THEN
		s := pass_param(nparam, keys);
		IF random() < 0.3 THEN
			RETURN substr(s, 1, floor(random() * length(s))::int);
		END IF;
		FOR i IN 1 .. 1 + floor(random() * 3)::int LOOP
			s := set_byte(s, floor(random() * length(s))::int, floor(random() * 256)::int);
		END LOOP;
		RETURN s;
	ELSIF r < 0.94 THEN
		-- a plausible header, then anything
		s := '\x01'::bytea || int4send(nparam)
			|| int4send((ARRAY[1, 2, -1, 2147483647, 0])[1 + floor(random() * 5)::int]);
	ELSE
		s := '\x'::bytea;
	END IF;
	FOR i IN 1 .. floor(random() * 40)::int LOOP
		s := s || set_byte('\x00'::bytea, 0, floor(random() * 256)::int);
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

-- mtcars fifty times over: enough pages for parallel workers to share
CREATE TABLE mtcars_big AS SELECT m.* FROM mtcars m, generate_series(1, 50) r;
ANALYZE mtcars_big;
-- parallel plans whenever max_parallel_workers_per_gather allows them
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 0;

CREATE PROCEDURE fuzz_targeted(seed int, iterations int) LANGUAGE plpgsql AS $$
DECLARE
	k int;
	name text;
	tbl text;
	nk int;
	spec int;
	nfeat int;
	ngc int;
	multi boolean;
	big boolean;
	tgt text;
	feats text;
	keys text[];
	mname text;
BEGIN
	PERFORM setseed((seed % 1000) / 1000.0);
	FOR i IN 1 .. iterations LOOP
		k := floor(random() * 19)::int;
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
		WHEN 16 THEN
			-- multinomial trainings: targets of many types, random params,
			-- groups and weights; on mtcars_big, few classes and parallel
			-- workers
			big := random() < 0.25;
			tgt := CASE WHEN big THEN
				(ARRAY['model < ''M''', 'cyl', 'gear', 'am = 1', '(cyl / 2.0)::numeric', 'date ''2020-01-01'' + gear',
					   'make_interval(days => gear)', 'ARRAY[am, vs]'])[1 + floor(random() * 8)::int]
				ELSE
				(ARRAY['CASE am WHEN 1 THEN ''m'' ELSE ''a'' END', 'cyl', 'gear', 'carb', 'am = 1',
					   '(cyl / 2.0)::numeric', 'mpg', 'wt::real',
					   'date ''2020-01-01'' + gear', 'make_interval(days => carb)', 'ARRAY[cyl, gear]',
					   'CASE WHEN carb > 4 THEN NULL ELSE carb END', '(''{"g": '' || gear || ''}'')::jsonb',
					   'point(gear, 1)', 'model', '(gear * 0.1 + 0.2)::float8', 'E''a,"b\\'' || gear',
					   '''é'' || carb', 'vs * 1e300', '''NaN''::float8 * am', 'gear::text::bytea',
					   'NULL::int', 'ROW(cyl, am)'])[1 + floor(random() * 23)::int] END;
			IF big THEN
				PERFORM set_config('max_parallel_workers_per_gather', '2', false);
			END IF;
			PERFORM try_call('train_multinomial', format(
				'SELECT learn.train(%L, %L, %L, ''t'', %L::text[], %L::jsonb, %L::text[], %L)',
				CASE WHEN random() < 0.85 THEN 'f' || floor(random() * 20)::int ELSE name END,
				CASE WHEN random() < 0.95 THEN 'multinomial' ELSE 'Multinomial' END,
				format('SELECT %s AS t, CASE am WHEN 1 THEN ''m'' ELSE ''a'' END AS box, mpg, cyl, gear, carb, '
					   'am, vs, model, wt * %s AS wt, hp, qsec * %s AS qsec, drat, disp, '
					   'CASE WHEN vs = 0 THEN 0 ELSE 1 END AS w0, gear - 4 AS wneg FROM %s',
					   tgt, (ARRAY[1, 1, 1, 0, 1e-300, 1e150, -1])[1 + floor(random() * 7)::int],
					   (ARRAY[1, 1, 1e200, 1e-200])[1 + floor(random() * 4)::int],
					   CASE WHEN big THEN 'mtcars_big' ELSE 'mtcars' END),
				(SELECT array_agg(f) FROM unnest('{wt,hp,qsec,drat,disp}'::text[]) f
				  WHERE random() < (CASE WHEN big THEN 0.3 ELSE 0.5 END)),
				jsonb_strip_nulls(jsonb_build_object(
					'intercept', CASE WHEN random() < 0.95
						THEN (ARRAY[NULL, 'true', 'false'])[1 + floor(random() * 3)::int] ELSE '"yes"' END::jsonb,
					'max_classes', CASE WHEN random() < 0.9
						THEN (ARRAY[NULL, NULL, '2', '3', '4', '6', '100', '1025'])[1 + floor(random() * 8)::int]
						ELSE (ARRAY['1', '1026', '0', '2.5', '-3'])[1 + floor(random() * 5)::int] END::jsonb,
					'tolerance', CASE WHEN random() < 0.95
						THEN (ARRAY[NULL, NULL, '1e-300', '1e-8', '0.5', '1'])[1 + floor(random() * 6)::int]
						ELSE (ARRAY['2', '0'])[1 + floor(random() * 2)::int] END::jsonb,
					'max_iterations', CASE WHEN big THEN (ARRAY['1', '2', '4', '8'])[1 + floor(random() * 4)::int]
						WHEN random() < 0.95 THEN (ARRAY[NULL, NULL, '1', '2', '3', '100', '300'])[1 + floor(random() * 7)::int]
						ELSE '0' END::jsonb,
					'offset', CASE WHEN random() < 0.03 THEN '"hp"' END::jsonb,
					'robust', CASE WHEN random() < 0.03 THEN '"HC0"' END::jsonb)),
				(ARRAY[NULL, NULL, '{am}', '{vs}', '{cyl}', '{am,vs}'])[1 + floor(random() * 6)::int],
				(ARRAY[NULL, NULL, NULL, 'hp', 'carb', 'w0', 'wneg'])[1 + floor(random() * 7)::int]));
			PERFORM set_config('max_parallel_workers_per_gather', '0', false);
		WHEN 17 THEN
			-- learn._glm_pass directly: a multinomial spec of K classes
			-- (99 + 256 + K * 512), another family's, or garbage; pass
			-- parameters crafted for the call, changed or random
			multi := random() < 0.65;
			nk := CASE WHEN random() < 0.7 THEN 2 + floor(random() * 5)::int
					   ELSE -1 + floor(random() * 1102)::int END;
			spec := CASE WHEN multi THEN 99 + 256 + nk * 512
						 WHEN random() < 0.6 THEN
							(ARRAY[35, 291, 51, 65, 84, 52, 50, 36, 99, 355, 611, 98 + 256 + 3 * 512,
								   99 + 3 * 512, 35 + 3 * 512])[1 + floor(random() * 14)::int]
						 WHEN random() < 0.5 THEN
							(ARRAY[0, -1, 256, 512, 2147483647, -2147483648, 99 + 256 + 4194303 * 512])
							[1 + floor(random() * 7)::int]
						 ELSE floor(random() * 4294967296 - 2147483648)::int END;
			nfeat := 1 + floor(random() * 3)::int;
			ngc := floor(random() * 3)::int;
			big := random() < 0.2 AND (NOT multi OR nk <= 8);
			feats := (SELECT string_agg(CASE WHEN random() < 0.85 THEN f
											 ELSE format('%s * %L::float8', f, odd_float()) END, ', ')
						FROM unnest((ARRAY['wt', 'hp', 'qsec'])[1:nfeat]) f);
			keys := CASE ngc WHEN 0 THEN ARRAY['']
							 WHEN 1 THEN ARRAY['1:0;', '1:1;']
							 ELSE ARRAY['1:0;1:0;', '1:0;1:1;', '1:1;1:0;', '1:1;1:1;'] END;
			IF big THEN
				PERFORM set_config('max_parallel_workers_per_gather', '2', false);
			END IF;
			PERFORM try_call('glm_pass_direct', format(
				'SELECT learn._glm_pass(%s::bytea, %s, %s, %L, %s, %s, %s, %s%s) FROM '
				'(SELECT * FROM %s ORDER BY random() LIMIT %s) t %s',
				coalesce(quote_literal(odd_pass_param(
					CASE WHEN multi THEN greatest(nk - 1, 0) * (nfeat + 1) ELSE 2 * nfeat + 6 END, keys)), 'NULL'),
				CASE WHEN random() < 0.9 THEN ngc::text
					 ELSE (ARRAY['-1', '3', '2147483647', 'NULL'])[1 + floor(random() * 4)::int] END,
				spec,
				CASE WHEN random() < 0.95 THEN 'y' ELSE (ARRAY[NULL, ''])[1 + floor(random() * 2)::int] END,
				CASE WHEN multi AND random() < 0.85 THEN
					(ARRAY['cyl / 2 - 2', 'gear - 3', 'carb - 1', 'am', format('(carb + gear) %% %s', greatest(nk, 1)),
						   format('%s - 1', nk), 'carb - 1.5'])[1 + floor(random() * 7)::int]
					 ELSE (ARRAY['am', 'vs', 'mpg', 'carb', format('%L::float8', odd_float()), 'NULL'])
						[1 + floor(random() * 6)::int] END,
				(ARRAY['1', '1', '1', '1', 'hp', '0', 'vs', 'carb - 2', format('%L::float8', odd_float())])
				[1 + floor(random() * 9)::int],
				(ARRAY['0', '0', '0', 'ln(gear)', 'NULL', format('%L::float8', odd_float())])[1 + floor(random() * 6)::int],
				(ARRAY['', 'am, ', 'am, vs, '])[1 + ngc], feats,
				CASE WHEN big THEN 'mtcars_big' ELSE 'mtcars' END,
				-- many classes: a row costs O(K^3); keep them few
				CASE WHEN multi AND nk > 64 THEN 1 + floor(random() * 2)::int
					 WHEN big THEN 1600 ELSE 32 END,
				CASE WHEN ngc > 0 AND random() < 0.7 THEN (ARRAY['', 'GROUP BY am', 'GROUP BY am, vs'])[1 + ngc]
					 ELSE '' END));
			PERFORM set_config('max_parallel_workers_per_gather', '0', false);
		WHEN 18 THEN
			-- scoring multinomial models (and others) in every form: the
			-- probability of one of the model's classes or of none, the
			-- label, the class as a number
			name := (ARRAY['species', 'cyl_mn', 'gear_by_cyl', 'gear_by_cyl@1', name,
						   'f' || floor(random() * 20)::int])[1 + floor(random() * 6)::int];
			tbl := CASE WHEN random() < 0.1 THEN (ARRAY['mtcars', 'iris'])[1 + floor(random() * 2)::int]
						WHEN name LIKE 'species%' THEN 'iris' ELSE 'mtcars' END;
			mname := split_part(name, '@', 1);
			tgt := CASE WHEN random() < 0.8 THEN
					(SELECT c FROM learn.models m, unnest(m.classes) c
					  WHERE m.name = mname ORDER BY random() LIMIT 1)
					ELSE (ARRAY['setosa', '4', 'true', '2020-01-04', '{1,0}', '', NULL])
						[1 + floor(random() * 7)::int] END;
			PERFORM try_call('predict_multi_proba', format(
				'SELECT sum(learn.predict_proba(%L, t, %L)) FROM %I t', name, tgt, tbl));
			PERFORM try_call('predict_multi_label', format(
				'SELECT count(learn.predict_label(%L, t)) FROM %I t', name, tbl));
			PERFORM try_call('predict_multi_value', format(
				'SELECT sum(learn.predict(%L, t)) FROM %I t', name, tbl));
			PERFORM try_call('predict_multi_sub', format(
				'SELECT count(learn.predict_label(%L, s)), sum(learn.predict_proba(%L, s, %L)) '
				'FROM (SELECT * FROM %I ORDER BY random() LIMIT 5) s', name, name, tgt, tbl));
			PERFORM try_call('predict_multi_array', format(
				'SELECT learn.predict_proba(%L, %L::float8[], %L), learn.predict_label(%L, %L::float8[])',
				name, (SELECT array_agg(CASE WHEN random() < 0.8 THEN random() * 10 ELSE odd_float() END)
						 FROM generate_series(1, coalesce(CASE WHEN random() < 0.8 THEN
							(SELECT array_length(features, 1) FROM learn.models
							  WHERE models.name = mname AND deployed) END, 1 + floor(random() * 3)::int))),
				tgt, name, pick('x')));
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
