--
-- The parameter of a later pass (passparam.h: each group's coefficients
-- for the robust pass, the IRLS iterations' for the GLMs) is found by a
-- row's group values with their types' equality, as GROUP BY groups them,
-- not by their text: equal values may print differently, and which of
-- them a group's first row in a parallel worker holds is chance.  The
-- driver writes each group's key as the canonical text of one of its
-- values; here the rows hold the others.
--
\set VERBOSITY terse
CREATE COLLATION pk_ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);

-- a pass parameter as the driver writes it: version 1, the number of
-- values per group, of groups, then each group's lookup key and values
CREATE FUNCTION pass_param(keys text[], coef float8[]) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$
  SELECT '\x01'::bytea || int4send(cardinality(coef)) || int4send(cardinality(keys))
      || coalesce((SELECT string_agg(int4send(octet_length(convert_to(k, 'UTF8')))
                                     || convert_to(k, 'UTF8')
                                     || (SELECT string_agg(float8send(c), ''::bytea ORDER BY o)
                                         FROM unnest(coef) WITH ORDINALITY AS u(c, o)),
                                     ''::bytea ORDER BY ko)
                   FROM unnest(keys) WITH ORDINALITY AS kk(k, ko)), ''::bytea)
$$;
-- the lookup key of group values: each one's text, length-prefixed
CREATE FUNCTION lookup_key(VARIADIC v text[]) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT string_agg(CASE WHEN x IS NULL THEN 'N;' ELSE octet_length(x) || ':' || x || ';' END,
                    '' ORDER BY o)
  FROM unnest(v) WITH ORDINALITY AS u(x, o)
$$;

-- 40 rows of one group by each key column, the odd rows (the first one
-- among them) holding the value that prints the other way
CREATE TABLE pk AS
SELECT i,
       CASE WHEN i % 2 = 1 THEN '24:00:00' ELSE '1 day' END::interval AS iv,
       CASE WHEN i % 2 = 1 THEN '-0' ELSE '0' END::float8 AS f,
       (CASE WHEN i % 2 = 1 THEN 'ABC' ELSE 'abc' END) COLLATE pk_ci AS s,
       CASE WHEN i % 2 = 1 THEN '{1.50}' ELSE '{1.5}' END::numeric[] AS na,
       B'101'::varbit AS vb,			-- no hash function: found by its text
       sin(i) * 3 + i % 5 AS y, cos(i * 0.7) AS x
FROM generate_series(1, 40) AS i;

-- the meat at the coefficients (1, 2), computed directly
CREATE VIEW pk_meat AS
SELECT ARRAY[sum(e ^ 2), sum(e ^ 2 * x), sum(e ^ 2 * x), sum(e ^ 2 * x * x)] AS m
FROM (SELECT y - 1 - 2 * x AS e, x FROM pk) AS r;

-- relative difference of two matrices, 1 when either is NULL or empty
CREATE FUNCTION pk_diff(a float8[], b float8[]) RETURNS float8
LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(max(abs(p - q) / greatest(abs(p), abs(q), 1e-300)), 1)
  FROM unnest(a, b) AS u(p, q)
$$;

-- GROUP BY: each group's state looks its coefficients up with its first
-- row, which prints the other way than the key in the parameter
SELECT 'interval' AS key, count(*) AS groups,
       max(pk_diff(m, (SELECT m FROM pk_meat))) < 1e-12 AS meat_ok
FROM (SELECT learn._linear_meat(pass_param(ARRAY[lookup_key('1 day')], '{1,2}'), 1, y, 1, iv, x) AS m
      FROM pk GROUP BY iv) AS g
UNION ALL
SELECT 'float8 -0', count(*), max(pk_diff(m, (SELECT m FROM pk_meat))) < 1e-12
FROM (SELECT learn._linear_meat(pass_param(ARRAY[lookup_key('0')], '{1,2}'), 1, y, 1, f, x) AS m
      FROM pk GROUP BY f) AS g
UNION ALL
SELECT 'nondeterministic', count(*), max(pk_diff(m, (SELECT m FROM pk_meat))) < 1e-12
FROM (SELECT learn._linear_meat(pass_param(ARRAY[lookup_key('abc')], '{1,2}'), 1, y, 1, s, x) AS m
      FROM pk GROUP BY s) AS g
UNION ALL
SELECT 'numeric[]', count(*), max(pk_diff(m, (SELECT m FROM pk_meat))) < 1e-12
FROM (SELECT learn._linear_meat(pass_param(ARRAY[lookup_key('{1.5}')], '{1,2}'), 1, y, 1, na, x) AS m
      FROM pk GROUP BY na) AS g
UNION ALL
SELECT 'two columns and NULL', count(*), max(pk_diff(m, (SELECT m FROM pk_meat))) < 1e-12
FROM (SELECT learn._linear_meat(pass_param(ARRAY[lookup_key('1 day', NULL, 'abc')], '{1,2}'),
                                3, y, 1, iv, NULL::int, s, x) AS m
      FROM pk GROUP BY iv, s) AS g
UNION ALL
SELECT 'varbit', count(*), max(pk_diff(m, (SELECT m FROM pk_meat))) < 1e-12
FROM (SELECT learn._linear_meat(pass_param(ARRAY[lookup_key('101')], '{1,2}'), 1, y, 1, vb, x) AS m
      FROM pk GROUP BY vb) AS g;

-- a group the parameter does not hold is skipped: its meat is zero
SELECT learn._linear_meat(pass_param(ARRAY[lookup_key('2 days')], '{1,2}'), 1, y, 1, iv, x)
FROM pk GROUP BY iv;

-- the aggregate that keeps its groups (learn._linear_meat_groups): its
-- result ends with the one group's matrix, the same whichever of the
-- group's texts the parameter holds, and not that of a group it lacks
CREATE FUNCTION pk_kept(key text) RETURNS bytea LANGUAGE sql AS $$
  SELECT substr(r, octet_length(r) - 31)
  FROM (SELECT learn._linear_meat_groups(pass_param(ARRAY[lookup_key(key)], '{1,2}'),
                                         1, y, 1, iv, x) AS r
        FROM pk) AS k
$$;
SELECT pk_kept('1 day') = pk_kept('24:00:00') AS same_meat,
       pk_kept('1 day') <> pk_kept('2 days') AS not_skipped;

-- malformed keys and keys equal to each other are 22P03 (read when a
-- row's text finds no key: the first row prints '24:00:00')
CREATE FUNCTION pk_try(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  d text;
BEGIN
  EXECUTE q;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
  RETURN SQLSTATE || ': ' || SQLERRM || coalesce(' (' || nullif(d, '') || ')', '');
END $$;
SELECT pk_try(format($$SELECT learn._linear_meat(%L, 1, y, 1, iv, x) FROM pk GROUP BY iv$$,
                     pass_param(keys, '{1,2}'))) AS error
FROM (VALUES (ARRAY[lookup_key('1 day'), lookup_key('1440 minutes')]),
             (ARRAY['3:1 day;']),
             (ARRAY[lookup_key('1 day', '2 days')]),
             (ARRAY['N;N;']),
             (ARRAY['5:1 day']),
             (ARRAY['-1:;']),
             (ARRAY['99999999999999999999:x;'])) AS k(keys);
-- a key whose text does not read back: the input function's error
-- before PostgreSQL 16, after it the key is found by its text alone
SELECT pk_try(format($$SELECT learn._linear_meat(%L, 1, y, 1, iv, x) FROM pk GROUP BY iv$$,
                     pass_param(ARRAY[lookup_key('not an interval')], '{1,2}')))
       IN ('ok', '22007: invalid input syntax for type interval: "not an interval"') AS unreadable;

-- keys are read back under the session's search_path (a domain's CHECK
-- in an array calls a function by its unqualified name), and a window
-- aggregate's keys hash under its collation
CREATE FUNCTION pk_helper(float8) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT $1 > -1';
CREATE FUNCTION pk_check(v float8) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS 'BEGIN RETURN pk_helper(v); END';
CREATE DOMAIN pk_dom AS float8 CHECK (pk_check(VALUE));
SELECT pk_diff(learn._linear_meat(pass_param(ARRAY[lookup_key('{0}')], '{1,2}'), 1, y, 1,
                                  ARRAY[f]::pk_dom[], x),
               (SELECT m FROM pk_meat)) < 1e-12 AS domain_array_ok
FROM pk GROUP BY ARRAY[f]::pk_dom[];
SELECT DISTINCT pk_diff(learn._linear_meat(pass_param(ARRAY[lookup_key('abc')], '{1,2}'), 1, y, 1, s, x)
                          OVER (), (SELECT m FROM pk_meat)) < 1e-12 AS window_ok
FROM pk;
DROP DOMAIN pk_dom;
DROP FUNCTION pk_check(float8);
DROP FUNCTION pk_helper(float8);

-- learn.train: a grouped fit whose later passes name a group by another
-- of its values than pass 1 did.  Pass 1 keeps its 100 groups in its
-- aggregate (each group's first row names it); the robust pass's groups
-- (of 700 rows: a block of rows each) take more than this hash_mem, so
-- its aggregate stops and it groups with GROUP BY, here by sorting: a
-- group is named by the first of its rows in the sort's order, which
-- prints the other way half of the time.  The fits equal those of the
-- same data with each key printed one way, group by group, and every
-- group is fitted.  (The GLM's passes all group with GROUP BY.)
CREATE TABLE pk2 AS
SELECT CASE WHEN i / 7 % 2 = 0 THEN make_interval(days => i % 100)
            ELSE make_interval(hours => 24 * (i % 100)) END AS iv,
       make_interval(days => i % 100) AS iv1,
       sin(i) AS x1, cos(i * 0.37) AS x2,
       1 + (i % 7) + 2 * sin(i) - 3 * cos(i * 0.37) + ((i * 7919 % 1000) / 1000.0 - 0.5)::float8 AS y,
       i % 7 + 2 * sin(i) + ((i * 7919 % 1000) / 1000.0)::float8 > 4 AS big
FROM generate_series(1, 70000) AS i;
SET work_mem = '2MB';
SET hash_mem_multiplier = 1;
SET enable_hashagg = off;
SELECT count(*) FROM (
  SELECT learn.train('pk_' || k || '_' || f, f, 'pk2', CASE f WHEN 'linear' THEN 'y' ELSE 'big' END,
                     ARRAY['x1', 'x2'],
                     CASE f WHEN 'linear' THEN '{"robust": "HC1", "deploy": false}'
                            ELSE '{"deploy": false}' END::jsonb,
                     group_by => ARRAY[k])
  FROM unnest(ARRAY['iv', 'iv1']) AS k, unnest(ARRAY['linear', 'logistic']) AS f) AS t;
RESET work_mem;
RESET hash_mem_multiplier;
RESET enable_hashagg;
SELECT f AS family,
       (SELECT count(*) FROM learn.groups gr JOIN learn.models m ON m.id = gr.model_id
        WHERE m.name = 'pk_iv_' || f AND gr.fitted) AS fitted,
       (SELECT max(greatest(abs(a.estimate - b.estimate) / greatest(abs(b.estimate), 1e-300),
                            abs(a.std_error - b.std_error) / greatest(b.std_error, 1e-300)))
        FROM learn.coefficients a JOIN learn.models ma ON ma.id = a.model_id AND ma.name = 'pk_iv_' || f
        JOIN learn.coefficients b ON b.group_key[1]::interval = a.group_key[1]::interval
                                 AND b.position = a.position
        JOIN learn.models mb ON mb.id = b.model_id AND mb.name = 'pk_iv1_' || f) < 1e-9 AS same_fits,
       (SELECT count(*) FROM learn.coefficients a JOIN learn.models ma ON ma.id = a.model_id
        WHERE ma.name = 'pk_iv_' || f) AS terms
FROM unnest(ARRAY['linear', 'logistic']) AS f;
SELECT learn.drop_model(name) FROM learn.models WHERE name LIKE 'pk\_%' ORDER BY name;
DROP TABLE pk2;

-- A parameter that varies across the rescans of a correlated subquery (a
-- hand call's expression, not the driver's $1): each rescan uses its own,
-- not the one the call site decoded first; a window call too
SELECT c.b0, c.b1,
       pk_diff((SELECT learn._linear_meat(pass_param(ARRAY[lookup_key('1 day')], ARRAY[c.b0, c.b1]),
                                          1, y, 1, iv, x) FROM pk),
               (SELECT ARRAY[sum(e ^ 2), sum(e ^ 2 * x), sum(e ^ 2 * x), sum(e ^ 2 * x * x)]
                  FROM (SELECT y - c.b0 - c.b1 * x AS e, x FROM pk) AS r)) < 1e-12 AS meat_ok,
       pk_diff((SELECT m FROM (SELECT learn._linear_meat(pass_param(ARRAY[lookup_key('1 day')],
                                                                    ARRAY[c.b0, c.b1]),
                                                         1, y, 1, iv, x) OVER () AS m FROM pk) AS w
                LIMIT 1),
               (SELECT ARRAY[sum(e ^ 2), sum(e ^ 2 * x), sum(e ^ 2 * x), sum(e ^ 2 * x * x)]
                  FROM (SELECT y - c.b0 - c.b1 * x AS e, x FROM pk) AS r)) < 1e-12 AS window_ok
FROM (VALUES (1.0::float8, 2.0::float8), (0.5, -1.0), (3.0, 0.25)) AS c(b0, b1);

-- A parameter that changes between the groups of one aggregation (a hand
-- call's expression): a group's state keeps its own values, as a
-- parameter holding every group gives them.  A group started before the
-- change used to read values the new decoding had freed: a crash when
-- they were in memory mapped for them alone, else the values the new
-- decoding wrote there (here both hold 50,000 other keys, so group 0's
-- values were group 1's).  The IRLS pass (spec 50,
-- one feature: 8 values a group) and the meat (2 values), kept by their
-- aggregates; rows of group 0, then 1, then 0 again.
CREATE TABLE pk_vary AS
SELECT pass_param(ARRAY(SELECT lookup_key('j' || n) FROM generate_series(1, 50000) AS n)
                  || lookup_key('0'), ARRAY[0.1, 0.1, 0, 0, 0, 0, 0, 0]) AS g0,
       pass_param(ARRAY(SELECT lookup_key('j' || n) FROM generate_series(1, 50000) AS n)
                  || lookup_key('1'), ARRAY[0.2, 0.3, 0, 0, 0, 0, 0, 0]) AS g1,
       '\x01'::bytea || int4send(8) || int4send(2)
         || substr(pass_param(ARRAY[lookup_key('0')], ARRAY[0.1, 0.1, 0, 0, 0, 0, 0, 0]), 10)
         || substr(pass_param(ARRAY[lookup_key('1')], ARRAY[0.2, 0.3, 0, 0, 0, 0, 0, 0]), 10) AS both,
       pass_param(ARRAY(SELECT lookup_key('j' || n) FROM generate_series(1, 50000) AS n)
                  || lookup_key('0'), ARRAY[0.5, 2]) AS m0,
       pass_param(ARRAY(SELECT lookup_key('j' || n) FROM generate_series(1, 50000) AS n)
                  || lookup_key('1'), ARRAY[-1, 0.25]) AS m1,
       '\x01'::bytea || int4send(2) || int4send(2)
         || substr(pass_param(ARRAY[lookup_key('0')], ARRAY[0.5, 2]), 10)
         || substr(pass_param(ARRAY[lookup_key('1')], ARRAY[-1, 0.25]), 10) AS mboth;
CREATE TABLE pk_rows AS
SELECT * FROM (VALUES (1, 0, 1.5::float8, 2.0::float8), (2, 1, 0.5, 1.0), (3, 0, 3.0, 4.0),
                      (4, 1, 2.5, 0.5), (5, 0, -1.0, 1.5)) AS r(o, g, x, y);
SET max_parallel_workers_per_gather = 0;
SELECT (SELECT learn._glm_pass_groups(CASE WHEN r.g = 1 THEN v.g1 ELSE v.g0 END, 1, 50, 'y',
                                      r.y, 1, 0, r.g, r.x ORDER BY r.o)
          FROM pk_rows r, pk_vary v)
     = (SELECT learn._glm_pass_groups(v.both, 1, 50, 'y', r.y, 1, 0, r.g, r.x ORDER BY r.o)
          FROM pk_rows r, pk_vary v) AS glm_same,
       (SELECT learn._linear_meat_groups(CASE WHEN r.g = 1 THEN v.m1 ELSE v.m0 END, 1,
                                         r.y, 1, r.g, r.x ORDER BY r.o)
          FROM pk_rows r, pk_vary v)
     = (SELECT learn._linear_meat_groups(v.mboth, 1, r.y, 1, r.g, r.x ORDER BY r.o)
          FROM pk_rows r, pk_vary v) AS meat_same;
RESET max_parallel_workers_per_gather;
DROP TABLE pk_vary, pk_rows;

DROP FUNCTION pk_try(text);
DROP FUNCTION pk_kept(text);
DROP VIEW pk_meat;
DROP TABLE pk;
DROP FUNCTION pk_diff(float8[], float8[]);
DROP FUNCTION lookup_key(text[]);
DROP FUNCTION pass_param(text[], float8[]);
DROP COLLATION pk_ci;
