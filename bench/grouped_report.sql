-- bench/grouped_report.sql: prints the grouped case's results: per number
-- of groups, the ratios to the scan, the peak memory, the size of the
-- model's metrics, then the seconds and every run.  Goals are shown, never
-- asserted.  psql variables: runs, hc1_runs.
\pset format unaligned
\pset tuples_only on
\pset footer off

CREATE TEMP VIEW i AS SELECT key, value FROM bench_info;
-- the numbers of groups measured, from the result names g<groups>_...
CREATE TEMP VIEW gs AS
	SELECT DISTINCT (regexp_match(name, '^g(\d+)_'))[1]::int AS groups
	FROM bench_result WHERE name ~ '^g\d+_';

CREATE FUNCTION pg_temp.info(key text) RETURNS text
LANGUAGE sql AS $$ SELECT value FROM bench_info WHERE bench_info.key = info.key $$;
CREATE FUNCTION pg_temp.secs(g int, base text, mode text) RETURNS float8
LANGUAGE sql AS $$ SELECT median FROM bench_result WHERE name = format('g%s_%s_%s', g, base, mode) $$;
CREATE FUNCTION pg_temp.best(g int, base text, mode text) RETURNS float8
LANGUAGE sql AS $$
	SELECT min(x) FROM bench_result AS b, unnest(b.times) AS x
	WHERE b.name = format('g%s_%s_%s', g, base, mode)
$$;
-- ratio a / b, formatted; '-' when a value is missing
CREATE FUNCTION pg_temp.ratio(a float8, b float8) RETURNS text
LANGUAGE sql AS $$
	SELECT CASE WHEN a IS NULL OR b IS NULL OR b = 0 THEN '-'
				ELSE to_char(a / b, 'FM9990.00') END
$$;
CREATE FUNCTION pg_temp.fs(v float8) RETURNS text
LANGUAGE sql AS $$ SELECT coalesce(to_char(v, 'FM9990.000') || ' s', '-') $$;
-- the peak of a memory run in MB: VmHWM, or private = VmHWM - RssShmem -
-- RssFile (all read at the end)
CREATE FUNCTION pg_temp.mb(label text, private boolean) RETURNS float8
LANGUAGE sql AS $$
	SELECT CASE WHEN private
				THEN bench_kb(after, 'VmHWM') - bench_kb(after, 'RssShmem')
					 - bench_kb(after, 'RssFile')
				ELSE bench_kb(after, 'VmHWM') END / 1024.0
	FROM bench_memory AS b WHERE b.label = mb.label
$$;
CREATE FUNCTION pg_temp.fmb(label text, private boolean) RETURNS text
LANGUAGE sql AS $$ SELECT coalesce(to_char(pg_temp.mb(label, private), 'FM99990.0'), '-') $$;
CREATE FUNCTION pg_temp.mbytes(v text) RETURNS text
LANGUAGE sql AS $$ SELECT coalesce(to_char(v::float8 / 1048576, 'FM99990.00'), '-') $$;

-- the ratios of the four queries to the scan, serial then parallel, of
-- the medians or of the best runs
CREATE FUNCTION pg_temp.ratios(g int, best boolean) RETURNS text
LANGUAGE sql AS $$
	SELECT format('%7s %10s %7s %7s %7s %7s %8s   %7s %7s %7s %7s %8s',
				  VARIADIC ARRAY[g::text, (pg_temp.info('rows')::bigint / g)::text] || ARRAY(
					SELECT pg_temp.ratio(CASE WHEN best THEN pg_temp.best(g, q.base, m.mode)
											  ELSE pg_temp.secs(g, q.base, m.mode) END,
										 CASE WHEN best THEN pg_temp.best(g, 'scan', m.mode)
											  ELSE pg_temp.secs(g, 'scan', m.mode) END)
					FROM (VALUES (1, 'serial'), (2, 'parallel')) AS m(mo, mode),
						 (VALUES (1, 'count'), (2, 'plain'), (3, 'agg'), (4, 'train'), (5, 'train_hc1')) AS q(qo, base)
					ORDER BY m.mo, q.qo))
$$;

SELECT '';
SELECT format('pg_learn grouped benchmark: %s rows x 3 float8 features + y + g int (table %s), PostgreSQL %s',
			  pg_temp.info('rows'), pg_temp.info('grouped_table_size'), pg_temp.info('version'));
SELECT format('shared_buffers %s, work_mem %s, jit %s, parallel = %s workers (max_parallel_workers_per_gather), median of %s runs (T_HC1: %s)',
			  pg_temp.info('shared_buffers'), pg_temp.info('work_mem'), pg_temp.info('jit'),
			  pg_temp.info('workers'), :'runs', :'hc1_runs');
SELECT '   S  scan: sum(y + x1 + x2 + x3)';
SELECT '   C  GROUP BY g of count(*) alone: the least that grouping costs in PostgreSQL';
SELECT '   P  plain GROUP BY g: count(*), sum(y), sum(x1), sum(x2), sum(x3), sum(x1 * x2)';
SELECT '   A  learn.linear_partial(y, 1, g, x1, x2, x3, ''{G,0,0,0}'') (the aggregate alone, keeping the groups as T does; if they exceed hash_mem, T uses GROUP BY)';
SELECT '   T  learn.train(''bg'', ''linear'', ''tg'', ''y'', ''{x1,x2,x3}'', ''{"deploy": false}'', group_by => ''{g}'')';
SELECT '   T_HC1  the same with "robust": "HC1"';
SELECT '';
SELECT 'in scans: time / S, ratios of the medians (goal of issue 13: T/S <= 1.5, T_HC1/S <= 2.5)';
SELECT format('%7s %10s %-41s   %-41s', '', '', '----------------- serial ----------------', '---------------- parallel ---------------');
SELECT format('%7s %10s %7s %7s %7s %7s %8s   %7s %7s %7s %7s %8s', 'groups', 'rows/group',
			  'C/S', 'P/S', 'A/S', 'T/S', 'T_HC1/S', 'C/S', 'P/S', 'A/S', 'T/S', 'T_HC1/S');
SELECT pg_temp.ratios(groups, false) FROM gs ORDER BY groups;
SELECT '';
SELECT 'in scans, ratios of the best runs (steadier on a noisy machine)';
SELECT pg_temp.ratios(groups, true) FROM gs ORDER BY groups;
SELECT '';
SELECT 'peak memory, fresh backend, serial (MB): VmHWM, then private = VmHWM - RssShmem - RssFile';
SELECT '   (goal of issue 13: T at 100k groups within 3 x the plain GROUP BY)';
SELECT format('%7s %8s %8s %8s %8s %8s  %6s   %8s %8s %8s %8s', 'groups',
			  'P', 'A', 'T', 'T_HC1', 'T par', 'T / P', 'P priv', 'A priv', 'T priv', 'HC1 priv');
SELECT format('%7s %8s %8s %8s %8s %8s  %6s   %8s %8s %8s %8s', groups,
			  pg_temp.fmb(p || 'plain', false), pg_temp.fmb(p || 'agg', false),
			  pg_temp.fmb(p || 'train', false), pg_temp.fmb(p || 'train_hc1', false),
			  pg_temp.fmb(p || 'train_parallel', false),
			  pg_temp.ratio(pg_temp.mb(p || 'train', false), pg_temp.mb(p || 'plain', false)),
			  pg_temp.fmb(p || 'plain', true), pg_temp.fmb(p || 'agg', true),
			  pg_temp.fmb(p || 'train', true), pg_temp.fmb(p || 'train_hc1', true))
FROM (SELECT groups, format('g%s_', groups) AS p FROM gs) AS s ORDER BY groups;
SELECT '   T par: the parallel training, leader only (auto_explain loaded to show its pass)';
SELECT '';
SELECT 'the model (T, serial): metrics jsonb, MB stored (pg_column_size) and as text; groups fitted';
SELECT format('%7s %8s %8s   %s of %s fitted', groups,
			  pg_temp.mbytes(pg_temp.info(p || 'metrics_bytes')),
			  pg_temp.mbytes(pg_temp.info(p || 'metrics_text')),
			  coalesce(pg_temp.info(p || 'n_groups')::int - pg_temp.info(p || 'n_failed')::int, 0),
			  coalesce(pg_temp.info(p || 'n_groups'), '-'))
FROM (SELECT groups, format('g%s_', groups) AS p FROM gs) AS s ORDER BY groups;
SELECT '';
SELECT format('time (median)  %10s %10s   %s', 'serial', 'parallel', 'parallel workers');
SELECT format('%7s %-6s %10s %10s   %s', CASE WHEN q.qo = 1 THEN s.groups::text ELSE '' END, q.label,
			  pg_temp.fs(pg_temp.secs(s.groups, q.base, 'serial')),
			  pg_temp.fs(pg_temp.secs(s.groups, q.base, 'parallel')),
			  CASE WHEN q.base = 'train' THEN coalesce(pg_temp.info(format('g%s_train_workers', s.groups)), '-')
										 || ' (its pass, auto_explain)'
				   WHEN q.base = 'train_hc1' THEN ''
				   ELSE coalesce((SELECT planned::text FROM bench_result
								  WHERE name = format('g%s_%s_parallel', s.groups, q.base)), '-') END)
FROM gs AS s,
	 (VALUES (1, 'scan', 'S'), (2, 'count', 'C'), (3, 'plain', 'P'), (4, 'agg', 'A'),
			 (5, 'train', 'T'), (6, 'train_hc1', 'T_HC1')) AS q(qo, base, label)
ORDER BY s.groups, q.qo;
SELECT '';
SELECT 'every run, seconds:';
SELECT format('   %-28s %s', name, array_to_string(ARRAY(SELECT to_char(x, 'FM9990.000') FROM unnest(times) AS x), ' '))
FROM bench_result
ORDER BY (regexp_match(name, '^g(\d+)_'))[1]::int, name;
