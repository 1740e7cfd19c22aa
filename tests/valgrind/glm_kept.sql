--
-- The IRLS passes of a grouped GLM with their groups kept by the aggregate
-- (learn._glm_pass_groups, 0.9) under memcheck: poisson, logistic (its
-- AUC passes group with GROUP BY) and multinomial fits, serial and on
-- parallel workers (tables serialized, merged by the leader), a
-- categorical feature (a cell table per group), keys out of line and
-- NULL, a table that stops, and hand-made calls.
--
\set ON_ERROR_STOP 0
CREATE TABLE vg AS
SELECT i % 120 AS g, CASE WHEN i % 17 = 0 THEN NULL ELSE i % 3 END AS gn,
	   repeat(md5((i % 3)::text), 80) AS lk,
	   'c' || (i % 4) AS c, sin(i) AS x1, cos(i * 0.37) AS x2,
	   (i * 7919 % 5) + (i % 3) AS cnt,
	   (i * 7919 % 1000) / 1000.0 < 0.5 + 0.3 * sin(i) AS yb,
	   'k' || ((i * 7919 % 1000) / 334) AS cls
  FROM generate_series(1, 6000) AS i;
ALTER TABLE vg SET (parallel_workers = 2);
SET client_min_messages = debug1;
SELECT id AS m FROM learn.train('vg1', 'glm', 'vg', 'cnt', '{x1,x2}', '{"family": "poisson"}', '{g}') \gset
SELECT count(*), count(*) FILTER (WHERE fitted) FROM learn.groups WHERE model_id = :m;
SELECT id AS m FROM learn.train('vg2', 'logistic', 'vg', 'yb', '{x1,c}', '{}', '{gn,lk}') \gset
SELECT count(*), count(*) FILTER (WHERE fitted) FROM learn.groups WHERE model_id = :m;
SELECT id AS m FROM learn.train('vg3', 'multinomial', 'vg', 'cls', '{x1,x2}', '{}', '{gn}') \gset
SELECT count(*), count(*) FILTER (WHERE fitted) FROM learn.groups WHERE model_id = :m;
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SELECT id AS m FROM learn.train('vg4', 'glm', 'vg', 'cnt', '{x1,c}', '{"family": "poisson"}', '{g}') \gset
SELECT count(*), count(*) FILTER (WHERE fitted) FROM learn.groups WHERE model_id = :m;
SELECT id AS m FROM learn.train('vg5', 'logistic', 'vg', 'yb', '{x1,x2}', '{}', '{lk,gn}') \gset
SELECT count(*), count(*) FILTER (WHERE fitted) FROM learn.groups WHERE model_id = :m;
SELECT id AS m FROM learn.train('vg6', 'multinomial', 'vg', 'cls', '{x1,x2}', '{}', '{g}') \gset
SELECT count(*), count(*) FILTER (WHERE fitted) FROM learn.groups WHERE model_id = :m;
-- tables that stop on the workers, and serially (54000, then GROUP BY)
SET work_mem = '64kB';
SET hash_mem_multiplier = 1;
SELECT id AS m FROM learn.train('vg7', 'glm', 'vg', 'cnt', '{x1,x2}', '{"family": "poisson"}', '{g}') \gset
SELECT count(*) FROM learn.groups WHERE model_id = :m;
SET max_parallel_workers_per_gather = 0;
SELECT id AS m FROM learn.train('vg8', 'glm', 'vg', 'cnt', '{x1,x2}', '{"family": "poisson"}', '{g}') \gset
SELECT count(*) FROM learn.groups WHERE model_id = :m;
SELECT length(learn._glm_pass_groups(NULL, 1, 291, 'yb', yb::int::float8, 1, 0, g, x1)) FROM vg;
RESET work_mem;
RESET hash_mem_multiplier;
RESET client_min_messages;
-- hand-made calls: pass 1, as a window aggregate, bad group counts, a
-- parameter of garbage, a group column that does not hash
SELECT length(learn._glm_pass_groups(NULL, 1, 291, 'yb', yb::int::float8, 1, 0, g, x1)) FROM vg;
SELECT length(learn._glm_pass_groups(NULL, 2, 291, 'yb', yb::int::float8, 1, 0, g, gn, x1)) FROM vg;
SELECT g, length(learn._glm_pass_groups(NULL, 1, 291, 'yb', yb::int::float8, 1, 0, g, x1) OVER (ORDER BY g))
  FROM vg WHERE g < 3 LIMIT 5;
SELECT learn._glm_pass_groups(NULL, 0, 291, 'yb', yb::int::float8, 1, 0, x1) FROM vg;
SELECT learn._glm_pass_groups(NULL, 5, 291, 'yb', yb::int::float8, 1, 0, g, x1) FROM vg;
SELECT learn._glm_pass_groups('\x0102030405'::bytea, 1, 291, 'yb', yb::int::float8, 1, 0, g, x1) FROM vg;
SELECT learn._glm_pass_groups(NULL, 1, 291, 'yb', yb::int::float8, 1, 0, (g % 5)::bit(3)::varbit, x1) FROM vg;
SELECT learn._glm_pass(NULL, 1, 291, 'yb', yb::int::float8, 1, 0, g, x1) IS NOT NULL FROM vg GROUP BY g LIMIT 2;
-- a parameter that changes between groups (a hand call's expression):
-- each group's state keeps its own values
CREATE FUNCTION vg_param(k text, b0 float8, b1 float8) RETURNS bytea LANGUAGE sql AS $$
  SELECT '\x01'::bytea || int4send(8) || int4send(1 + 20000) ||
         (SELECT string_agg(int4send(length(kk)) || convert_to(kk, 'UTF8') ||
                            float8send(b0) || float8send(b1) || decode(repeat('00', 48), 'hex'), ''::bytea)
            FROM (SELECT 'j' || n AS kk FROM generate_series(1, 20000) AS n
                  UNION ALL SELECT length(k) || ':' || k || ';') AS s)
$$;
CREATE TABLE vg_p AS SELECT vg_param('0', 0.1, 0.1) AS p0, vg_param('1', 0.2, 0.3) AS p1;
SELECT length(learn._glm_pass_groups(CASE WHEN g % 2 = 1 THEN p1 ELSE p0 END, 1, 50, 'y',
              1.0, 1, 0, g % 2, x1 ORDER BY g))
  FROM vg, vg_p WHERE g < 6;
