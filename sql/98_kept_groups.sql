--
-- Groups kept by the training aggregate (state/groups.h): a grouped linear
-- training reads its groups in one ungrouped pass whose state holds a
-- state per group, hashed by the group columns' types under their
-- collations.  With more groups than hash_mem holds, that state stops and
-- the training reads the groups with GROUP BY.  Both ways store the same
-- model, bit for bit and row for row in the same order; so do parallel
-- workers, whose states of groups merge (to a tolerance: their rows fold
-- in another order).
--
CREATE COLLATION kg_en (provider = icu, locale = 'en');
CREATE TABLE kg AS
SELECT i,
       i % 400 AS g,                          -- 400 groups of 7 or 8 rows
       (CASE WHEN i % 3 = 0 THEN 'B' ELSE 'a' END) COLLATE kg_en AS h,
       (i % 3)::numeric * CASE WHEN i % 2 = 0 THEN 1.0 ELSE 1.00 END AS num,
       CASE WHEN i % 13 = 0 THEN NULL ELSE i % 4 END AS gn,
       (i % 5)::bit(3)::varbit AS vb,         -- no hash function
       sin(i) AS x1, cos(i * 0.37) AS x2,
       CASE WHEN i % 97 = 0 THEN NULL ELSE 1 + (i % 7) + 2 * sin(i) - 3 * cos(i * 0.37)
            + ((i * 7919 % 1000) / 1000.0 - 0.5)::float8 END AS y
FROM generate_series(1, 3000) AS i;
-- a group of 2 rows, which cannot be fitted
INSERT INTO kg (i, g, h, num, gn, vb, x1, x2, y)
VALUES (3001, 1000, 'a', 0, 0, B'000', 0.5, 0.25, 1), (3002, 1000, 'a', 0, 0, B'000', 0.75, 0.5, 2);

-- the same model two ways: kept by the aggregate (DEBUG1 says so), and
-- with hash_mem too small for the groups (GROUP BY)
CREATE FUNCTION kg_train(name text, group_by text[], hash_mem text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	id bigint;
BEGIN
	PERFORM set_config('work_mem', hash_mem, true);
	PERFORM set_config('hash_mem_multiplier', '1', true);
	SELECT m.id INTO id FROM learn.train(name, 'linear', 'kg', 'y', '{x1,x2}',
		'{"deploy": false}', group_by) AS m;
	PERFORM set_config('work_mem', '4MB', true);
	RETURN id;
END $$;

-- the two models' groups in the order stored, their counts and reasons,
-- coefficients (to 1e-9: GROUP BY folds a group's rows in another order
-- once it spills), and the kept model's states against those of the
-- GROUP BY query that fits in hash_mem: byte for byte for groups of at
-- most 256 rows; a larger group's state in the table folds its rows 8 at
-- a time where GROUP BY's grows its block to 256 rows, so their solutions
-- are compared (to 1e-12)
CREATE FUNCTION kg_same(a bigint, b bigint, group_by text[]) RETURNS TABLE (what text, same boolean)
LANGUAGE plpgsql AS $$
DECLARE
	fresh text;
BEGIN
	fresh := format('SELECT ARRAY[%s] AS k, learn.linear_partial(y::float8, 1::float8, %L::text[], x1, x2) AS st FROM kg GROUP BY %s',
				   (SELECT string_agg(format('learn._key_text(%I)', c), ', ') FROM unnest(group_by) AS c),
				   '{x1,x2}', (SELECT string_agg(format('%I', c), ', ') FROM unnest(group_by) AS c));
	RETURN QUERY
	SELECT 'groups', (SELECT array_agg(ROW(group_key, n_rows, n_skipped, fitted, reason)::text ORDER BY ctid)
	                  FROM learn.groups WHERE model_id = a)
	               = (SELECT array_agg(ROW(group_key, n_rows, n_skipped, fitted, reason)::text ORDER BY ctid)
	                  FROM learn.groups WHERE model_id = b)
	UNION ALL
	SELECT 'coefficients', (SELECT count(*) = (SELECT count(*) FROM learn.coefficients WHERE model_id = a)
	                               AND bool_and(abs(p.estimate - q.estimate) <= 1e-9 * (1 + abs(q.estimate))
	                                            AND abs(p.std_error - q.std_error) <= 1e-9 * (1 + abs(q.std_error)))
	                        FROM learn.coefficients p JOIN learn.coefficients q USING (group_key, position, term)
	                        WHERE p.model_id = a AND q.model_id = b);
	RETURN QUERY EXECUTE format($q$
	SELECT 'states', count(*) = (SELECT count(*) FROM learn.states WHERE model_id = $1)
	                 AND bool_and(CASE WHEN g.n_rows <= 256 THEN s.state = f.st
	                              ELSE (SELECT bool_and(abs(p - q) <= 1e-12 * (1 + abs(q)))
	                                    FROM unnest((SELECT (learn.linreg_merge(x)).coef FROM (VALUES (s.state)) AS v(x)),
	                                                (SELECT (learn.linreg_merge(x)).coef FROM (VALUES (f.st)) AS v(x))) AS u(p, q))
	                              END)
	FROM learn.states s JOIN learn.groups g USING (model_id, group_key)
	JOIN (%s) AS f ON f.k = s.group_key
	WHERE s.model_id = $1$q$, fresh) USING a;
	RETURN QUERY
	SELECT 'summary', (SELECT ROW(n_rows, n_skipped)::text FROM learn.models WHERE id = a)
	                = (SELECT ROW(n_rows, n_skipped)::text FROM learn.models WHERE id = b);
END $$;

SET client_min_messages = debug1;
SELECT kg_train('kg_kept', '{g}', '4MB') AS kept \gset
\set kept_g :kept
SELECT kg_train('kg_by', '{g}', '64kB') AS grouped \gset
RESET client_min_messages;
SELECT * FROM kg_same(:kept, :grouped, '{g}');
SELECT count(*) AS groups, count(*) FILTER (WHERE NOT fitted) AS unfitted
FROM learn.groups WHERE model_id = :kept;

-- two key columns, one of them text in a collation whose order is not
-- the bytes' ("B" after "a"), and numeric keys equal but of other texts
-- (1.0 and 1.00: one group, as GROUP BY has it)
SET client_min_messages = debug1;
SELECT kg_train('kg_kept2', '{h,num}', '4MB') AS kept \gset
RESET client_min_messages;
SELECT kg_train('kg_by2', '{h,num}', '64kB') AS grouped \gset
SELECT * FROM kg_same(:kept, :grouped, '{h,num}');
SELECT array_agg(group_key::text ORDER BY ctid) AS keys FROM learn.groups WHERE model_id = :kept;

-- a NULL group key is a group of its own
SELECT kg_train('kg_kept3', '{gn}', '4MB') AS kept \gset
SELECT kg_train('kg_by3', '{gn}', '64kB') AS grouped \gset
SELECT * FROM kg_same(:kept, :grouped, '{gn}');
SELECT array_agg(group_key::text ORDER BY ctid) AS keys FROM learn.groups WHERE model_id = :kept;

-- a key type without a hash function: GROUP BY, and no DEBUG1 of kept groups
SET client_min_messages = debug1;
SELECT kg_train('kg_vb', '{vb}', '4MB') AS vb \gset
RESET client_min_messages;
SELECT count(*) AS groups FROM learn.groups WHERE model_id = :vb;

-- parallel workers' states of groups merge into the same model
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
ALTER TABLE kg SET (parallel_workers = 2);
SELECT kg_train('kg_par', '{g}', '4MB') AS par \gset
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
SELECT count(*) AS terms,
       bool_and(abs(p.estimate - k.estimate) <= 1e-9 * (1 + abs(k.estimate))) AS same_estimates,
       bool_and(abs(p.std_error - k.std_error) <= 1e-9 * (1 + abs(k.std_error))) AS same_errors
FROM learn.coefficients k JOIN learn.coefficients p USING (group_key, position)
WHERE k.model_id = :kept_g AND p.model_id = :par;

-- the robust pass keeps its groups too (learn._linear_meat_groups, 0.8):
-- the same standard errors as its GROUP BY, serial and with workers, and
-- robust ones (not the classical errors of kg_kept); when pass 1 could
-- not keep its groups, the robust pass groups with GROUP BY at once (0.9)
SET client_min_messages = debug1;
SELECT id AS rkept FROM learn.train('kg_rkept', 'linear', 'kg', 'y', '{x1,x2}',
	'{"deploy": false, "robust": "HC1"}', '{g}') \gset
RESET client_min_messages;
SET work_mem = '64kB';
SET hash_mem_multiplier = 1;
SET client_min_messages = debug1;
SELECT id AS rby FROM learn.train('kg_rby', 'linear', 'kg', 'y', '{x1,x2}',
	'{"deploy": false, "robust": "HC1"}', '{g}') \gset
RESET client_min_messages;
RESET work_mem;
RESET hash_mem_multiplier;
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SELECT id AS rpar FROM learn.train('kg_rpar', 'linear', 'kg', 'y', '{x1,x2}',
	'{"deploy": false, "robust": "HC1"}', '{g}') \gset
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
SELECT q.model_id = :rby AS grouped, count(*) AS terms,
       bool_and(abs(p.std_error - q.std_error) <= 1e-9 * q.std_error) AS same_errors,
       bool_and(abs(p.statistic - q.statistic) <= 1e-9 * (1 + abs(q.statistic))) AS same_t,
       bool_or(abs(p.std_error - c.std_error) > 1e-6 * c.std_error) AS robust
FROM learn.coefficients p JOIN learn.coefficients q USING (group_key, position)
     JOIN learn.coefficients c USING (group_key, position)
WHERE p.model_id = :rkept AND q.model_id IN (:rby, :rpar) AND c.model_id = :kept_g
GROUP BY 1 ORDER BY 1;
SELECT (SELECT array_agg(ROW(group_key, fitted, reason)::text ORDER BY ctid) FROM learn.groups WHERE model_id = :rkept)
     = (SELECT array_agg(ROW(group_key, fitted, reason)::text ORDER BY ctid) FROM learn.groups WHERE model_id = :rby)
       AS same_groups;

-- the IRLS passes of a grouped GLM keep their groups too
-- (learn._glm_pass_groups, 0.9): the first pass, from R's starting means,
-- and every iteration (DEBUG1 says so); the same fit as their GROUP BY
-- (the aggregate hidden, as in a catalog still at 0.8) and as with
-- workers, to 1e-9 (a state in the table folds its rows 8 at a time).  A
-- logistic fit's pass in which a group keeps its rows' scores for its AUC
-- groups with GROUP BY.  The group of 2 rows cannot be fitted, all three
-- ways alike.
ALTER TABLE kg ADD COLUMN g40 int, ADD COLUMN cnt int, ADD COLUMN yb boolean;
UPDATE kg SET g40 = CASE WHEN i > 3000 THEN 1000 ELSE i % 40 END,
	cnt = CASE WHEN i % 89 = 0 THEN NULL ELSE (i * 7919 % 5) + (i % 3) END,
	yb = (i * 7919 % 1000) / 1000.0 < 0.5 + 0.3 * sin(i);
CREATE FUNCTION kg_glm(name text, algorithm text, target text, params jsonb,
					   kept boolean, workers int) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	id bigint;
BEGIN
	IF NOT kept THEN
		ALTER AGGREGATE learn._glm_pass_groups(bytea, integer, integer, text, float8, float8,
											   float8, VARIADIC "any") RENAME TO _glm_pass_groups_hidden;
	END IF;
	PERFORM set_config('max_parallel_workers_per_gather', workers::text, true);
	PERFORM set_config('parallel_setup_cost', '0', true);
	PERFORM set_config('parallel_tuple_cost', '0', true);
	PERFORM set_config('min_parallel_table_scan_size', '0', true);
	SELECT m.id INTO id FROM learn.train(name, algorithm, 'kg', target, '{x1,x2}',
		params || '{"deploy": false}', '{g40}') AS m;
	IF NOT kept THEN
		ALTER AGGREGATE learn._glm_pass_groups_hidden(bytea, integer, integer, text, float8, float8,
													  float8, VARIADIC "any") RENAME TO _glm_pass_groups;
	END IF;
	RETURN id;
END $$;
SET client_min_messages = debug1;
SELECT kg_glm('kg_pkept', 'glm', 'cnt', '{"family": "poisson"}', true, 0) AS pkept \gset
SELECT kg_glm('kg_lkept', 'logistic', 'yb', '{}', true, 0) AS lkept \gset
SELECT kg_glm('kg_pby', 'glm', 'cnt', '{"family": "poisson"}', false, 0) AS pby \gset
RESET client_min_messages;
SELECT kg_glm('kg_ppar', 'glm', 'cnt', '{"family": "poisson"}', true, 2) AS ppar \gset
SELECT kg_glm('kg_lby', 'logistic', 'yb', '{}', false, 0) AS lby \gset
SELECT kg_glm('kg_lpar', 'logistic', 'yb', '{}', true, 2) AS lpar \gset
SELECT m.name, count(*) AS terms,
       bool_and(abs(p.estimate - q.estimate) <= 1e-9 * (1 + abs(q.estimate))) AS same_estimates,
       bool_and(abs(p.std_error - q.std_error) <= 1e-9 * q.std_error) AS same_errors,
       bool_and(abs(p.p_value - q.p_value) <= 1e-9 * (1e-300 + q.p_value)) AS same_p
FROM learn.coefficients p JOIN learn.coefficients q USING (group_key, position)
     JOIN learn.models m ON m.id = q.model_id
WHERE (p.model_id, q.model_id) IN ((:pkept, :pby), (:pkept, :ppar), (:lkept, :lby), (:lkept, :lpar))
GROUP BY m.name ORDER BY m.name;
SELECT m.name,
       (SELECT array_agg(ROW(group_key, n_rows, n_skipped, fitted, reason)::text ORDER BY group_key)
          FROM learn.groups WHERE model_id = m.id)
     = (SELECT array_agg(ROW(group_key, n_rows, n_skipped, fitted, reason)::text ORDER BY group_key)
          FROM learn.groups WHERE model_id = CASE WHEN m.algorithm = 'glm' THEN :pkept ELSE :lkept END)
       AS same_groups,
       bool_and((g.metrics->>'iterations') = (k.metrics->>'iterations')) AS same_iterations,
       bool_and(abs((g.metrics->>'deviance')::float8 - (k.metrics->>'deviance')::float8)
                <= 1e-9 * (k.metrics->>'deviance')::float8) AS same_deviance,
       bool_and((g.metrics->>'auc') IS NOT DISTINCT FROM (k.metrics->>'auc')) AS same_auc,
       count(*) FILTER (WHERE NOT g.fitted) AS not_fitted
FROM learn.models m JOIN learn.groups g ON g.model_id = m.id
     JOIN learn.groups k ON k.group_key = g.group_key
                        AND k.model_id = CASE WHEN m.algorithm = 'glm' THEN :pkept ELSE :lkept END
WHERE m.id IN (:pby, :ppar, :lby, :lpar)
GROUP BY m.id, m.name, m.algorithm ORDER BY m.name;

-- a pass that cannot keep its groups (400 groups in 64 kB, on 2 workers:
-- the tables stop and the scan reads on) leaves the later passes to GROUP
-- BY at once: one DEBUG line, not one a pass
SET work_mem = '64kB';
SET hash_mem_multiplier = 1;
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET client_min_messages = debug1;
SELECT 1 FROM learn.train('kg_pstop', 'glm', 'kg', 'cnt', '{x1,x2}',
	'{"deploy": false, "family": "poisson"}', '{g}');
RESET client_min_messages;
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET work_mem;
RESET hash_mem_multiplier;

-- groups of many rows: a state in the table keeps its 8-row block (a
-- state alone grows it to 256 rows: 10 kB at 2 features) and the robust
-- pass's states add each row alone (no 1024-row block: 32 kB), so 200
-- groups of 600 rows stay in 1 MB in both passes.  The same fit as with
-- GROUP BY, whose states do grow their blocks.
CREATE TABLE kg_big AS
SELECT i % 200 AS g, sin(i) AS x1, cos(i * 0.37) AS x2,
       1 + (i % 7) + 2 * sin(i) - 3 * cos(i * 0.37) + ((i * 7919 % 1000) / 1000.0 - 0.5)::float8 AS y
FROM generate_series(1, 120000) AS i;
SET work_mem = '1MB';
SET hash_mem_multiplier = 1;
SET client_min_messages = debug1;
SELECT id AS bkept FROM learn.train('kg_bkept', 'linear', 'kg_big', 'y', '{x1,x2}',
	'{"deploy": false, "robust": "HC1"}', '{g}') \gset
RESET client_min_messages;
SET work_mem = '64kB';
SET client_min_messages = debug1;
SELECT id AS bby FROM learn.train('kg_bby', 'linear', 'kg_big', 'y', '{x1,x2}',
	'{"deploy": false, "robust": "HC1"}', '{g}') \gset
RESET client_min_messages;
RESET work_mem;
RESET hash_mem_multiplier;
SELECT count(*) AS terms,
       bool_and(abs(p.estimate - q.estimate) <= 1e-12 * (1 + abs(q.estimate))) AS same_estimates,
       bool_and(abs(p.std_error - q.std_error) <= 1e-12 * q.std_error) AS same_errors
FROM learn.coefficients p JOIN learn.coefficients q USING (group_key, position)
WHERE p.model_id = :bkept AND q.model_id = :bby;
DROP TABLE kg_big;

-- the order of keys of several collations is the GROUP BY query's: a
-- column's collation that is not the default wins over the default (here
-- kg_en: "a" before "B", where the database's "C" puts "B" first); two
-- that differ conflict, and the training fails as it did, whatever
-- hash_mem holds
ALTER TABLE kg ADD COLUMN hd text, ADD COLUMN hc text COLLATE kg_en, ADD COLUMN hx text COLLATE "C";
UPDATE kg SET hd = CASE WHEN i % 2 = 0 THEN 'B' ELSE 'a' END, hc = CASE WHEN i % 5 = 0 THEN 'Y' ELSE 'x' END,
	hx = CASE WHEN i % 5 = 0 THEN 'Y' ELSE 'x' END;
SELECT kg_train('kg_kept4', '{hd,hc}', '4MB') AS kept \gset
SELECT kg_train('kg_by4', '{hd,hc}', '64kB') AS grouped \gset
SELECT array_agg(group_key::text ORDER BY ctid) AS keys,
       array_agg(group_key::text ORDER BY ctid) = (SELECT array_agg(group_key::text ORDER BY ctid) FROM learn.groups WHERE model_id = :grouped) AS same_order
FROM learn.groups WHERE model_id = :kept;
SELECT try($$SELECT kg_train('kg_conflict', '{h,hx}', '4MB')$$) AS kept,
       try($$SELECT kg_train('kg_conflict', '{h,hx}', '64kB')$$) AS grouped;

-- parallel workers' tables that the leader cannot hold: the GROUP BY,
-- never an error, whatever hash_mem
CREATE TABLE kg_many AS
SELECT i % 2000 AS g, sin(i) AS x1, cos(i * 0.37) AS x2, sin(i * 0.1) + i % 7 AS y
FROM generate_series(1, 200000) AS i;
ALTER TABLE kg_many SET (parallel_workers = 2);
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET hash_mem_multiplier = 1;
DO $$
DECLARE
	m int;
	models int := 0;
BEGIN
	FOR m IN 700..1300 BY 100 LOOP
		PERFORM set_config('work_mem', m || 'kB', true);
		PERFORM learn.train('kg_many', 'linear', 'kg_many', 'y', '{x1,x2}', '{"deploy": false}', '{g}');
		models := models + 1;
	END LOOP;
	RAISE NOTICE '% trainings of 2,000 groups on 2 workers', models;
END $$;
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET hash_mem_multiplier;
SELECT count(DISTINCT m.id) AS models, count(*) / count(DISTINCT m.id) AS groups_each
FROM learn.models m JOIN learn.groups g ON g.model_id = m.id WHERE m.name = 'kg_many';
DROP TABLE kg_many;

-- long keys, out of line in the table (TOAST), kept by parallel workers
CREATE TABLE kg_keys AS
SELECT k, (SELECT string_agg(md5((k * 1000 + j)::text), '') FROM generate_series(1, 70) AS j) AS lk
FROM generate_series(0, 2) AS k;
CREATE TABLE kg_long AS SELECT kk.lk, kg.x1, kg.x2, kg.y FROM kg JOIN kg_keys kk ON kk.k = kg.i % 3;
ALTER TABLE kg_long SET (parallel_workers = 2);
SELECT pg_relation_size(reltoastrelid) > 0 AS toasted FROM pg_class WHERE relname = 'kg_long';
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET client_min_messages = debug1;
SELECT id AS long_kept FROM learn.train('kg_long', 'linear', 'kg_long', 'y', '{x1,x2}',
	'{"deploy": false}', '{lk}') \gset
RESET client_min_messages;
RESET max_parallel_workers_per_gather;
SET work_mem = '64kB';
SELECT id AS long_by FROM learn.train('kg_long', 'linear', 'kg_long', 'y', '{x1,x2}',
	'{"deploy": false}', '{lk}') \gset
RESET work_mem;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
SELECT count(*) AS terms, count(DISTINCT group_key) AS groups,
       min(length(group_key[1])) AS key_length,
       bool_and(abs(p.estimate - q.estimate) <= 1e-9 * (1 + abs(q.estimate))) AS same_estimates
FROM learn.coefficients p JOIN learn.coefficients q USING (group_key, position)
WHERE p.model_id = :long_kept AND q.model_id = :long_by;
DROP TABLE kg_long, kg_keys;

-- beyond hash_mem a serial scan ends with 54000 (learn.train catches it
-- and groups with GROUP BY: above); with parallel workers the table stops
-- instead and says so in its value (a worker's error would also stop the
-- other workers, which would log errors of their own)
SET work_mem = '64kB';
SET hash_mem_multiplier = 1;
SELECT try($$SELECT learn.linear_partial(y, 1, g, x1, '{G,0}'::text[]) FROM kg$$);
-- a state of many columns is counted as it comes, not only every 64
-- groups: 60 groups of a 10-class multinomial IRLS pass over 10 features
-- (a state of 101 x 101 doubles, 80 kB) outgrow 64 kB at the second (they
-- took 5 MB and no error before)
SELECT try($$SELECT length(learn._glm_pass_groups(NULL, 1, 5475, 'y', (i % 10)::float8, 1, 0, i,
                                                 sin(i), sin(2 * i), sin(3 * i), sin(4 * i), sin(5 * i),
                                                 cos(i), cos(2 * i), cos(3 * i), cos(4 * i), cos(5 * i)))
             FROM generate_series(1, 60) AS i$$);
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SELECT substr(learn.linear_partial(y, 1, g, x1, '{G,0}'::text[]), 7, 1) = '\x01' AS stopped FROM kg;
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET work_mem;
RESET hash_mem_multiplier;

-- the encoding's group keys: only leading, only for learn.linear_partial,
-- with no open levels, and at least one feature after them
SELECT try($$SELECT learn.linear_partial(y, 1, x1, g, '{0,G}'::text[]) FROM kg$$);
SELECT try($$SELECT learn.linear_partial(y, 1, g, '{G}'::text[]) FROM kg$$);
SELECT try($$SELECT learn.linear_partial(y, 1, g, h, '{G,-5}'::text[]) FROM kg$$);
SELECT try($$SELECT learn.linear_partial(y, 1, vb, x1, '{G,0}'::text[]) FROM kg$$);
-- its value is for the training: no function takes it as a state
SELECT try($$SELECT learn.linear_merge(s) FROM (SELECT learn.linear_partial(y, 1, g, x1, '{G,0}'::text[]) AS s FROM kg) AS q$$);

DROP TABLE kg;
DROP COLLATION kg_en;
DROP FUNCTION kg_train(text, text[], text);
DROP FUNCTION kg_same(bigint, bigint, text[]);
