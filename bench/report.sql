-- bench/report.sql: prints the results: absolute seconds (medians), the
-- ratios, and the design's goals next to them.  Goals are shown, never
-- asserted.  psql variables: runs, plan_workers (from plan.sql's output).
\pset format unaligned
\pset tuples_only on
\pset footer off

CREATE TEMP VIEW m AS SELECT name, median AS s, planned FROM bench_result;
CREATE TEMP VIEW i AS SELECT key, value FROM bench_info;

-- ratio a / b, formatted; '-' when a value is missing
CREATE FUNCTION pg_temp.ratio(a float8, b float8) RETURNS text
LANGUAGE sql AS $$
	SELECT CASE WHEN a IS NULL OR b IS NULL OR b = 0 THEN '-'
				ELSE to_char(a / b, 'FM990.00') END
$$;
CREATE FUNCTION pg_temp.verdict(ok boolean) RETURNS text
LANGUAGE sql AS $$
	SELECT CASE WHEN ok IS NULL THEN '' WHEN ok THEN 'met' ELSE 'NOT MET' END
$$;
CREATE FUNCTION pg_temp.secs(name text) RETURNS float8
LANGUAGE sql AS $$ SELECT s FROM m WHERE m.name = secs.name $$;
CREATE FUNCTION pg_temp.best(name text) RETURNS float8
LANGUAGE sql AS $$ SELECT min(x) FROM bench_result AS b, unnest(b.times) AS x WHERE b.name = best.name $$;
CREATE FUNCTION pg_temp.fs(v float8) RETURNS text
LANGUAGE sql AS $$ SELECT coalesce(to_char(v, 'FM9990.000') || ' s', '-') $$;

SELECT '';
SELECT format('pg_learn benchmark: %s rows x 10 float8 features + y (table %s), PostgreSQL %s',
			  (SELECT value FROM i WHERE key = 'rows'),
			  (SELECT value FROM i WHERE key = 'table_size'),
			  (SELECT value FROM i WHERE key = 'version'));
SELECT format('shared_buffers %s, jit %s, parallel = %s workers (max_parallel_workers_per_gather), median of %s runs',
			  (SELECT value FROM i WHERE key = 'shared_buffers'),
			  (SELECT value FROM i WHERE key = 'jit'),
			  (SELECT value FROM i WHERE key = 'workers'), :'runs');
SELECT '';
SELECT format('%-44s %10s %10s   %s', 'time (median)', 'serial', 'parallel', 'parallel workers');
SELECT format('%-44s %10s %10s   %s', l.label,
			  pg_temp.fs(pg_temp.secs(l.base || '_serial')),
			  pg_temp.fs(pg_temp.secs(l.base || '_parallel')),
			  CASE WHEN l.base = 'train' THEN :'plan_workers' || ' (its pass, auto_explain)'
				   ELSE coalesce((SELECT planned::text FROM m WHERE name = l.base || '_parallel'), '-') END)
FROM (VALUES (1, 'scan', 'S  scan: sum(y + x1 + ... + x10)'),
			 (2, 'train', 'T  learn.train(''bench'', ''linear'', ...)'),
			 (3, 'agg', 'A  learn.linear_partial(y, 1, x1, ..., x10)'))
	 AS l(o, base, label)
ORDER BY l.o;
SELECT '';
-- ratios of medians, then of the best runs (less sensitive to a noisy
-- machine); the verdict is on the medians
SELECT format('%-44s %8s %8s  %8s %8s   %s', 'ratio', 'serial', 'parallel',
			  'best ser', 'best par', 'goal (on medians)');
SELECT format('%-44s %8s %8s  %8s %8s   %-9s %s', l.label,
			  CASE WHEN l.kind = 'both' THEN pg_temp.ratio(pg_temp.secs(l.a || '_serial'), pg_temp.secs(l.b || '_serial'))
				   ELSE pg_temp.ratio(pg_temp.secs(l.a || '_serial'), pg_temp.secs(l.a || '_parallel')) END,
			  CASE WHEN l.kind = 'both' THEN pg_temp.ratio(pg_temp.secs(l.a || '_parallel'), pg_temp.secs(l.b || '_parallel')) ELSE '' END,
			  CASE WHEN l.kind = 'both' THEN pg_temp.ratio(pg_temp.best(l.a || '_serial'), pg_temp.best(l.b || '_serial'))
				   ELSE pg_temp.ratio(pg_temp.best(l.a || '_serial'), pg_temp.best(l.a || '_parallel')) END,
			  CASE WHEN l.kind = 'both' THEN pg_temp.ratio(pg_temp.best(l.a || '_parallel'), pg_temp.best(l.b || '_parallel')) ELSE '' END,
			  l.goal,
			  CASE l.o
				  WHEN 1 THEN pg_temp.verdict(pg_temp.secs('train_serial') / pg_temp.secs('scan_serial') <= 1.3
											  AND pg_temp.secs('train_parallel') / pg_temp.secs('scan_parallel') <= 1.3)
				  WHEN 4 THEN pg_temp.verdict(pg_temp.secs('train_serial') / pg_temp.secs('train_parallel') >= 1.5)
				  ELSE '' END)
FROM (VALUES (1, 'train', 'scan', 'both', 'T / S  training, in scans', '<= 1.30'),
			 (2, 'agg', 'scan', 'both', 'A / S  its aggregate alone, in scans', ''),
			 (3, 'train', 'agg', 'both', 'T / A  train around its aggregate', ''),
			 (4, 'train', 'train', 'speedup', 'speedup T_serial / T_parallel', '>= 1.50'),
			 (5, 'agg', 'agg', 'speedup', '   for reference: A_serial / A_parallel', ''),
			 (6, 'scan', 'scan', 'speedup', '   for reference: S_serial / S_parallel', ''))
	 AS l(o, a, b, kind, label, goal)
ORDER BY l.o;
SELECT '';
SELECT format('%-44s %9s %8s %8s %8s   %s', 'scoring, serial', 'time', 'x inline', 'x scan',
			  'best x i', 'goal (on medians)');
SELECT format('%-44s %9s %8s %8s %8s   %-9s %s', l.label,
			  pg_temp.fs(pg_temp.secs(l.name)),
			  pg_temp.ratio(pg_temp.secs(l.name), pg_temp.secs('score_inline')),
			  pg_temp.ratio(pg_temp.secs(l.name), pg_temp.secs('scan_serial')),
			  pg_temp.ratio(pg_temp.best(l.name), pg_temp.best('score_inline')),
			  CASE WHEN l.o > 1 THEN '<= 1.40' ELSE '' END,
			  CASE WHEN l.o > 1 THEN pg_temp.verdict(pg_temp.secs(l.name) / pg_temp.secs('score_inline') <= 1.4)
				   ELSE '' END)
FROM (VALUES (1, 'score_inline', 'inline formula b0 + b1*x1 + ... (literals)'),
			 (2, 'score_row', 'learn.predict(''bench'', t)  (row)'),
			 (3, 'score_array', 'learn.predict(''bench'', ARRAY[x1..x10])'),
			 (4, 'score_linear_predict', 'learn.linear_predict(coef, ARRAY[x1..x10])'))
	 AS l(o, name, label)
ORDER BY l.o;
SELECT '';
SELECT format('%-44s %9s %8s %8s %8s', 'peak memory, fresh backend (MB)',
			  'VmHWM', 'RssShmem', 'RssFile', 'private');
SELECT format('%-44s %9s %8s %8s %8s', l.label,
			  to_char(bench_kb(b.after, 'VmHWM') / 1024.0, 'FM99990.0'),
			  to_char(bench_kb(b.after, 'RssShmem') / 1024.0, 'FM99990.0'),
			  to_char(bench_kb(b.after, 'RssFile') / 1024.0, 'FM99990.0'),
			  to_char((bench_kb(b.after, 'VmHWM') - bench_kb(b.after, 'RssShmem')
					   - bench_kb(b.after, 'RssFile')) / 1024.0, 'FM99990.0'))
FROM (VALUES (1, 'scan_serial', 'scan S, serial'),
			 (2, 'train_serial', 'training T, serial'),
			 (3, 'train_parallel', 'training T, parallel (leader only)'))
	 AS l(o, label_key, label)
JOIN bench_memory AS b ON b.label = l.label_key
ORDER BY l.o;
SELECT '   VmHWM is the peak resident set, shared buffers included; private = VmHWM - RssShmem';
SELECT '   - RssFile at the end: the backend''s own memory at its peak (a lower bound)';
SELECT '';
SELECT 'every run, seconds:';
SELECT format('   %-22s %s', name, array_to_string(ARRAY(SELECT to_char(x, 'FM9990.000') FROM unnest(times) AS x), ' '))
FROM bench_result ORDER BY name;
