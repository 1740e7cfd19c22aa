-- bench/grouped.sql: the grouped case for one number of groups (after
-- helpers.sql): its data, then the timed rounds, into bench_result under
-- names prefixed g<groups>_.  psql variables: rows, groups, workers, runs,
-- hc1_runs.
--
-- tg: :rows rows of a group column g (int, 1 + i % groups: every group has
-- rows / groups rows, spread over the whole table), x1..x3 (float8) and
-- y = a line with its group's own coefficients + N(0, 1) noise,
-- reproducible (setseed).  The table is the same size for every number of
-- groups, so its scan S is too.
SET client_min_messages = warning;
DROP TABLE IF EXISTS tg;
SELECT setseed(0.5) \g /dev/null
CREATE UNLOGGED TABLE tg (
	g	int,
	y	float8,
	x1	float8, x2 float8, x3 float8
);
INSERT INTO tg
SELECT g, g % 10 + (1 + g % 3) * x1 - 2 * x2 + 0.5 * (g % 5) * x3
		  + sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()),
	   x1, x2, x3
FROM (SELECT 1 + i % :groups AS g, random() AS x1, 10 * random() AS x2,
			 random() - 0.5 AS x3
	  FROM generate_series(0, :rows - 1) AS i) AS s;

-- as setup.sql does for t
VACUUM (FREEZE, ANALYZE) tg;
ALTER TABLE tg SET (parallel_workers = :workers);
SELECT pg_prewarm('tg') AS blocks \gset
SELECT count(*) FROM tg \gset
INSERT INTO bench_info VALUES ('grouped_table_size', pg_size_pretty(pg_table_size('tg')))
ON CONFLICT (key) DO UPDATE SET value = excluded.value;

-- load the library before the first timed run
SELECT learn.linear_state_version() AS state_version \gset

-- The queries, each timed serial and parallel (run.sh measures the memory
-- of the same texts).  P and A are wrapped in a count so that their groups
-- are not sent to the client; the outer query uses every aggregate, so
-- that the planner cannot drop one.
CREATE TABLE IF NOT EXISTS bench_gquery (o int PRIMARY KEY, base text, query text, hc1 boolean);
TRUNCATE bench_gquery;
INSERT INTO bench_gquery VALUES
	(1, 'scan', $q$SELECT sum(y + x1 + x2 + x3) FROM tg$q$, false),
	(2, 'plain', $q$SELECT count(*), sum(n), sum(sy + s1 + s2 + s3 + s12) FROM (SELECT g, count(*) AS n, sum(y) AS sy, sum(x1) AS s1, sum(x2) AS s2, sum(x3) AS s3, sum(x1 * x2) AS s12 FROM tg GROUP BY g) AS s$q$, false),
	(3, 'count', $q$SELECT count(*), sum(n) FROM (SELECT g, count(*) AS n FROM tg GROUP BY g) AS s$q$, false),
	(4, 'agg', $q$SELECT length(learn.linear_partial(y, 1, g, x1, x2, x3, '{G,0,0,0}'::text[])) FROM tg$q$, false),
	(5, 'train', $q$SELECT learn.train('bg', 'linear', 'tg', 'y', '{x1,x2,x3}', '{"deploy": false}', group_by => '{g}')$q$, false),
	(6, 'train_hc1', $q$SELECT learn.train('bg', 'linear', 'tg', 'y', '{x1,x2,x3}', '{"deploy": false, "robust": "HC1"}', group_by => '{g}')$q$, true);

-- One bench_run call a round, T_HC1 only in the first hc1_runs rounds.
-- Between rounds, untimed: the round's model versions are dropped and the
-- catalog vacuumed, so that every round's trainings write into the same
-- catalog (at 100k groups a training writes 400k coefficient rows).
\o /dev/null
SELECT format('SELECT bench_run(%L::text[], %L::text[], %L::int[], 1)',
			  array_agg(format('g%s_%s_%s', :groups, base, mode) ORDER BY o, mode DESC),
			  array_agg(query ORDER BY o, mode DESC),
			  array_agg(CASE mode WHEN 'serial' THEN 0 ELSE :workers END ORDER BY o, mode DESC)),
	   $q$SELECT learn.drop_model('bg')$q$,
	   'VACUUM learn.models, learn.coefficients'
FROM generate_series(1, :runs) AS r,
	 bench_gquery,
	 (VALUES ('parallel'), ('serial')) AS m(mode)
WHERE NOT hc1 OR r <= :hc1_runs
GROUP BY r
ORDER BY r \gexec
\o
