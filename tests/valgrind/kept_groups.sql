--
-- Groups kept by the aggregates (state/groups.c) under memcheck: both
-- passes of a robust grouped fit, serial and on parallel workers (tables
-- serialized, merged by the leader), a table that stops (the GROUP BY
-- instead), keys of several types (text out of line, numeric, NULL),
-- categorical features (a cell table per group), and hand-made calls.
--
\set ON_ERROR_STOP 0
CREATE TABLE vk AS
SELECT i % 300 AS g, (i % 3)::numeric * CASE WHEN i % 2 = 0 THEN 1.0 ELSE 1.00 END AS num,
	   CASE WHEN i % 11 = 0 THEN NULL ELSE i % 4 END AS gn,
	   repeat(md5((i % 3)::text), 80) AS lk,
	   'c' || (i % 5) AS c, sin(i) AS x1, cos(i * 0.37) AS x2,
	   1 + (i % 7) + 2 * sin(i) - 3 * cos(i * 0.37) + (i * 7919 % 1000) / 1000.0 AS y
  FROM generate_series(1, 6000) AS i;
ALTER TABLE vk SET (parallel_workers = 2);
SELECT id AS m FROM learn.train('vk1', 'linear', 'vk', 'y', '{x1,x2}', '{"robust": "HC1"}', '{g}') \gset
SELECT count(*) FROM learn.groups WHERE model_id = :m;
SELECT id AS m FROM learn.train('vk2', 'linear', 'vk', 'y', '{x1,c}', '{}', '{num,gn}') \gset
SELECT count(*) FROM learn.groups WHERE model_id = :m;
SELECT id AS m FROM learn.train('vk3', 'linear', 'vk', 'y', '{x1,x2}', '{}', '{lk}') \gset
SELECT count(*) FROM learn.groups WHERE model_id = :m;
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SELECT id AS m FROM learn.train('vk4', 'linear', 'vk', 'y', '{x1,x2}', '{"robust": "HC1"}', '{g}') \gset
SELECT count(*) FROM learn.groups WHERE model_id = :m;
SELECT id AS m FROM learn.train('vk5', 'linear', 'vk', 'y', '{x1,c}', '{}', '{lk,gn}') \gset
SELECT count(*) FROM learn.groups WHERE model_id = :m;
SET work_mem = '64kB';
SET hash_mem_multiplier = 1;
SELECT id AS m FROM learn.train('vk6', 'linear', 'vk', 'y', '{x1,x2}', '{"robust": "HC1"}', '{g}') \gset
SELECT count(*) FROM learn.groups WHERE model_id = :m;
RESET work_mem;
RESET max_parallel_workers_per_gather;
SELECT length(learn.linear_partial(y, 1, g, gn, x1, '{G,G,0}'::text[])) > 0 FROM vk;
SELECT learn.linear_merge(s) FROM (SELECT learn.linear_partial(y, 1, g, x1, '{G,0}'::text[]) AS s FROM vk) AS q;
SELECT learn.linear_partial(y, 1, x1, g, '{0,G}'::text[]) FROM vk;
-- later passes matching groups by their values' equality (passparam.c's
-- table of keys read back; train.c's carries_by_value): keys that print
-- two ways, of several types, two key columns with a NULL, serial and on
-- workers, the robust pass kept and with GROUP BY, IRLS iterations
CREATE COLLATION vk_ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE TABLE vk2 AS
SELECT CASE WHEN i / 7 % 2 = 0 THEN make_interval(days => i % 60)
            ELSE make_interval(hours => 24 * (i % 60)) END AS iv,
       (CASE WHEN i / 5 % 2 = 0 THEN 'k' ELSE 'K' END || (i % 3)) COLLATE vk_ci AS s,
       CASE WHEN i % 17 = 0 THEN NULL ELSE ARRAY[(i % 2)::numeric * CASE WHEN i % 3 = 0 THEN 1.0 ELSE 1.00 END] END AS na,
       sin(i) AS x1, cos(i * 0.37) AS x2,
       1 + (i % 7) + 2 * sin(i) - 3 * cos(i * 0.37) + (i * 7919 % 1000) / 1000.0 AS y,
       (i % 7) + 2 * sin(i) > 4 AS big
  FROM generate_series(1, 6000) AS i;
ALTER TABLE vk2 SET (parallel_workers = 2);
SET max_parallel_workers_per_gather = 2;
SELECT id AS m FROM learn.train('vk7', 'linear', 'vk2', 'y', '{x1,x2}', '{"robust": "HC1"}', '{iv,s}') \gset
SELECT count(*) FILTER (WHERE fitted) FROM learn.groups WHERE model_id = :m;
SELECT id AS m FROM learn.train('vk8', 'logistic', 'vk2', 'big', '{x1,x2}', '{}', '{na,s}') \gset
SELECT count(*) FILTER (WHERE fitted) FROM learn.groups WHERE model_id = :m;
SET work_mem = '64kB';
SELECT id AS m FROM learn.train('vk9', 'linear', 'vk2', 'y', '{x1,x2}', '{"robust": "HC0"}', '{iv}') \gset
SELECT count(*) FILTER (WHERE fitted) FROM learn.groups WHERE model_id = :m;
RESET work_mem;
RESET max_parallel_workers_per_gather;
-- a serial kept pass that outgrows hash_mem ends with 54000, caught by
-- learn.train in a subtransaction (both passes), and a direct call's error
SET max_parallel_workers_per_gather = 0;
SET work_mem = '64kB';
SELECT id AS m FROM learn.train('vk10', 'linear', 'vk', 'y', '{x1,x2}', '{"robust": "HC1"}', '{g}') \gset
SELECT count(*) FILTER (WHERE fitted) FROM learn.groups WHERE model_id = :m;
SELECT length(learn.linear_partial(y, 1, g, x1, '{G,0}'::text[])) FROM vk;
RESET work_mem;
RESET max_parallel_workers_per_gather;
