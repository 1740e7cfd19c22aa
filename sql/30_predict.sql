--
-- Scoring by name: array and row forms, views, triggers, versions,
-- groups, NULLs and errors.
--
SET extra_float_digits = 0;
SELECT id AS v1 FROM learn.train('cars', 'linear', 'mtcars', 'mpg', '{wt,hp}') \gset
SELECT id AS v2 FROM learn.train('cars', 'linear', 'mtcars', 'mpg', '{wt,hp,qsec}') \gset
SELECT name, version, deployed FROM learn.models WHERE name = 'cars' ORDER BY version;

-- the deployed version (2) by name equals the formula from its coefficients
WITH coef AS (
	SELECT array_agg(estimate ORDER BY position) AS b
	  FROM learn.coefficients WHERE model_id = :v2)
SELECT count(*) AS rows,
	   max(abs(learn.predict('cars', c) - (b[1] + b[2] * wt + b[3] * hp + b[4] * qsec))) < 1e-12 AS row_form_ok,
	   max(abs(learn.predict('cars', ARRAY[wt, hp, qsec]) - (b[1] + b[2] * wt + b[3] * hp + b[4] * qsec))) < 1e-12 AS array_form_ok,
	   max(abs(learn.linear_predict(b, ARRAY[wt, hp, qsec]) - (b[1] + b[2] * wt + b[3] * hp + b[4] * qsec))) < 1e-12 AS linear_predict_ok
  FROM mtcars c, coef;

-- 'name@N' pins a version; version 1 has two features
SELECT round(learn.predict('cars@1', c)::numeric, 6) AS v1_row,
	   round(learn.predict('cars@1', ARRAY[wt, hp])::numeric, 6) AS v1_array
  FROM mtcars c WHERE model = 'Mazda RX4';

-- a redeploy is seen by the next statement
SELECT version FROM learn.deploy('cars', 1);
SELECT round(learn.predict('cars', c)::numeric, 6) AS now_v1
  FROM mtcars c WHERE model = 'Mazda RX4';
SELECT version FROM learn.deploy('cars', 2);

-- in a view: columns matched by name, extra columns ignored, any order
CREATE VIEW car_scores AS
	SELECT model, learn.predict('cars', v) AS predicted
	  FROM (SELECT qsec, model, hp, 'extra' AS note, wt FROM mtcars) v;
SELECT model, round(predicted::numeric, 6) FROM car_scores ORDER BY model LIMIT 3;

-- numeric, int and boolean columns in a row
SELECT round(learn.predict('cars', r)::numeric, 6) AS from_mixed_types
  FROM (SELECT 2.62::numeric AS wt, 110::int2 AS hp, 16.46::float4 AS qsec) r;

-- a numeric is read as the cast numeric::float8 reads it (the double
-- nearest the decimal), also when pg_learn reads it without the cast's
-- trip through text: values of every size and scale, short and long
-- stored forms, 16 digits and more, exponents inside and outside 10^+-22
CREATE TABLE num_x (n numeric, y float8);
INSERT INTO num_x SELECT i, i % 7 FROM generate_series(1, 20) AS i;
SELECT count(*) AS trained FROM learn.train('num_x', 'linear', 'num_x', 'y', '{n}');
SELECT setseed(0.25);
CREATE TABLE num_values AS
SELECT round(((random() - 0.5) * 10 ^ (random() * 50 - 25))::numeric, (random() * 40)::int) AS n
  FROM generate_series(1, 3000)
UNION ALL
SELECT round((random() * 10 ^ (random() * 17))::numeric, 0) FROM generate_series(1, 1000)
UNION ALL
SELECT unnest('{0, 0.0, -0.000, 1, -1, 0.1, 0.2, 0.3, 2.675, 9007199254740991, 9007199254740992,
				9007199254740993, -9007199254740993, 9999999999999999, 10000000000000001,
				123456789012345678, 1e22, 1e23, 1e-22, 1e-23, 4.35e-20, 1.7976931348623157e308,
				2.2250738585072014e-308, 4.9e-324, 3.14159265358979323846264338327950288,
				1.00000000000000000000000000000000000000000000000000000000000000000001}'::numeric[]);
SELECT count(*) AS values_read,
	   count(*) FILTER (WHERE (e #>> '{features,0,value}')::float8
							  IS DISTINCT FROM n::float8) AS read_otherwise
  FROM num_values, LATERAL (SELECT learn.explain('num_x', v) AS e FROM (SELECT num_values.n) AS v) AS x;

-- in a trigger: NEW scored on insert
CREATE TABLE incoming (wt float8, hp int, qsec float8, mpg_hat float8);
CREATE FUNCTION score_incoming() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	NEW.mpg_hat := learn.predict('cars', NEW);
	RETURN NEW;
END
$$;
CREATE TRIGGER score BEFORE INSERT ON incoming
	FOR EACH ROW EXECUTE FUNCTION score_incoming();
INSERT INTO incoming (wt, hp, qsec) VALUES (2.62, 110, 16.46), (3.0, NULL, 17);
SELECT wt, hp, qsec, round(mpg_hat::numeric, 6) FROM incoming ORDER BY wt;
-- a redeploy inside the transaction is seen by the trigger's next statement
BEGIN;
INSERT INTO incoming (wt, hp, qsec) VALUES (2.5, 100, 17);
SELECT version FROM learn.deploy('cars', 1);
INSERT INTO incoming (wt, hp, qsec) VALUES (2.5, 100, 17);
SELECT version FROM learn.deploy('cars', 2);
INSERT INTO incoming (wt, hp, qsec) VALUES (2.5, 100, 17);
SELECT round(mpg_hat::numeric, 6) AS v2_v1_v2 FROM incoming WHERE wt = 2.5 ORDER BY ctid;
ROLLBACK;

-- NULLs: a NULL feature gives a NULL score
SELECT learn.predict('cars', ARRAY[1, NULL, 3]::float8[]) IS NULL AS null_array_element,
	   learn.predict('cars', NULL::float8[]) IS NULL AS null_array,
	   learn.linear_predict('{1,2}', NULL) IS NULL AS null_linear_predict;

-- grouped models score rows by their group; an unseen group gives NULL
SELECT species, round(learn.predict('iris', i)::numeric, 6) AS predicted
  FROM (SELECT * FROM iris LIMIT 1) i;
SELECT learn.predict('iris', r) IS NULL AS unseen_group
  FROM (SELECT 'unknown'::text AS species, 3.0 AS sepal_width, 1.4 AS petal_length,
			   0.2 AS petal_width) r;
WITH b AS (
	SELECT c.group_key[1] AS species, array_agg(estimate ORDER BY position) AS b
	  FROM learn.coefficients c JOIN learn.models m ON m.id = c.model_id
	 WHERE m.name = 'iris' AND m.deployed GROUP BY 1)
SELECT count(*) AS rows,
	   max(abs(learn.predict('iris', i) - (b[1] + b[2] * sepal_width + b[3] * petal_length + b[4] * petal_width))) < 1e-12 AS grouped_ok
  FROM iris i JOIN b USING (species);

-- a tiny cache still gives the right answers (entries are evicted)
SET learn.model_cache_size = 1;
SELECT round(learn.predict('cars', c)::numeric, 6) AS v2,
	   round(learn.predict('cars@1', c)::numeric, 6) AS v1
  FROM mtcars c ORDER BY model LIMIT 3;
RESET learn.model_cache_size;

-- errors
SELECT try($$SELECT learn.predict('nope', ARRAY[1.0])$$);
SELECT try($$SELECT learn.predict('cars@9', ARRAY[1.0])$$);
SELECT try($$SELECT learn.predict('cars@x', ARRAY[1.0])$$);
SELECT try($$SELECT learn.predict('cars@', ARRAY[1.0])$$);
-- a version has one spelling: plain digits, no sign, space or leading zero
SELECT try($$SELECT learn.predict('cars@ 1', ARRAY[1.0])$$);
SELECT try($$SELECT learn.predict('cars@+1', ARRAY[1.0])$$);
SELECT try($$SELECT learn.predict('cars@01', ARRAY[1.0])$$);
SELECT try($$SELECT learn.predict('cars@1 ', ARRAY[1.0])$$);
SELECT try($$SELECT learn.predict('cars@0', ARRAY[1.0])$$);
SELECT try($$SELECT learn.predict('cars@2147483648', ARRAY[1.0])$$);
SELECT try($$SELECT learn.predict('@1', ARRAY[1.0])$$);
SELECT try($$SELECT learn.predict(NULL, ARRAY[1.0])$$);
SELECT try($$SELECT learn.predict('cars', ARRAY[1.0, 2.0])$$);
SELECT try($$SELECT learn.predict('cars', ARRAY[[1.0, 2.0, 3.0]])$$);
SELECT try($$SELECT learn.predict('iris', ARRAY[1.0, 2.0, 3.0])$$);
SELECT try($$SELECT learn.predict('cars', r) FROM (SELECT 1.0 AS wt, 2.0 AS hp) r$$);
SELECT try($$SELECT learn.predict('cars', r) FROM (SELECT 1.0 AS wt, 2.0 AS hp, 'x'::text AS qsec) r$$);
SELECT try($$SELECT learn.linear_predict('{1,2,3}', '{1}')$$);
SELECT version FROM learn.train('undeployed', 'linear', 'mtcars', 'mpg', '{wt}', '{"deploy": false}');
SELECT try($$SELECT learn.predict('undeployed', ARRAY[1.0])$$);
SELECT round(learn.predict('undeployed@1', ARRAY[3.0])::numeric, 6) AS pinned_still_works;

-- the planner passes a table row's model columns instead of the whole row
EXPLAIN (VERBOSE, COSTS OFF) SELECT learn.predict('cars', c) FROM mtcars c;
-- a prepared statement is planned again when a new version is deployed
PREPARE score AS SELECT round(learn.predict('cars', c)::numeric, 6) AS score
  FROM mtcars c WHERE model = 'Mazda RX4';
EXECUTE score;
EXECUTE score;
SELECT version FROM learn.train('cars', 'linear', 'mtcars', 'mpg', '{wt,hp,qsec,am}');
EXECUTE score;
SELECT round(learn.predict('cars', ARRAY[2.62, 110, 16.46, 1])::numeric, 6) AS same_by_array;
EXPLAIN (VERBOSE, COSTS OFF) EXECUTE score;
SELECT version FROM learn.deploy('cars', 1);
EXECUTE score;
SELECT version FROM learn.deploy('cars', 2);
DEALLOCATE score;
-- the rewritten call and the row form agree on every row
SELECT count(*) AS rows,
	   bool_and(learn.predict('cars', c) = learn.predict('cars', (SELECT x FROM mtcars x WHERE x.model = c.model))) AS same
  FROM mtcars c;

-- group keys do not depend on the session's settings: a model grouped by
-- a date and a float, trained under one DateStyle, scores rows under another
CREATE TABLE by_day AS
SELECT DATE '2024-01-30' + (i % 3) AS day, (i % 2) / 3.0::float8 AS third,
	   i::float8 AS x, 2 * i + (i % 3) + (i % 2) AS y
  FROM generate_series(1, 60) i;
SET DateStyle = 'German, DMY';
SET extra_float_digits = -3;
SELECT metrics->'n_groups' AS groups FROM learn.train('by_day', 'linear', 'by_day', 'y', '{x}',
	group_by => '{day,third}');
SELECT DISTINCT group_key FROM learn.coefficients c JOIN learn.models m ON m.id = c.model_id
 WHERE m.name = 'by_day' ORDER BY 1;
SET DateStyle = 'SQL, MDY';
SET extra_float_digits = 1;
SET TimeZone = 'Asia/Tokyo';
SELECT count(*) AS rows, count(learn.predict('by_day', b)) AS scored FROM by_day b;
SELECT count(*) AS rows, count(learn.predict('by_day', (SELECT r FROM by_day r WHERE r.x = b.x))) AS scored_row_form
  FROM by_day b;
RESET DateStyle;
RESET extra_float_digits;
RESET TimeZone;
-- numeric groups: 1.0 and 1.00 are one group, found either way
SELECT metrics->'n_groups' AS groups FROM learn.train('by_level', 'linear',
	'SELECT CASE WHEN i % 2 = 0 THEN 1.0 ELSE 1.00 END AS level, i::float8 AS x, 3 * i + i % 4 AS y FROM generate_series(1, 20) i',
	'y', '{x}', group_by => '{level}');
SELECT DISTINCT group_key FROM learn.coefficients c JOIN learn.models m ON m.id = c.model_id
 WHERE m.name = 'by_level';
SELECT learn.predict('by_level', r) IS NOT NULL AS found
  FROM (VALUES (1.0, 2.0), (1.00, 2.0), (1.000, 2.0)) r(level, x);

-- group values that contain any character stay apart
CREATE TABLE tricky_groups AS
SELECT g1, g2, x::float8 AS x, sign * 10 * x + (x % 3) AS y
  FROM (VALUES ('a', E'b\x1fc', 1), (E'a\x1fb', 'c', -1)) v(g1, g2, sign),
	   generate_series(1, 10) x;
SELECT metrics->'n_groups' AS groups FROM learn.train('tricky', 'linear', 'tricky_groups', 'y', '{x}',
	group_by => '{g1,g2}');
SELECT sign(learn.predict('tricky', t)) = sign(y) AS right_group, count(*)
  FROM tricky_groups t GROUP BY 1;

-- dates, timestamps and floats are keyed directly, as their output under
-- DateStyle ISO, TimeZone UTC and extra_float_digits 3 prints them
SET DateStyle = 'ISO, MDY';
SET TimeZone = 'UTC';
SET extra_float_digits = 3;
SELECT count(*) AS values,
	   bool_and(learn._key_text(d) = d::text) AS dates,
	   bool_and(learn._key_text(ts) = ts::text) AS timestamps,
	   bool_and(learn._key_text(tz) = tz::text) AS timestamptzs,
	   bool_and(learn._key_text(f8) = f8::text) AS float8s,
	   bool_and(learn._key_text(f4) = f4::text) AS float4s
  FROM (SELECT DATE '0001-01-01' + i * 7919 AS d,
			   TIMESTAMP '1900-01-01 00:00:00.123456' + i * INTERVAL '1234567.891 s' AS ts,
			   TIMESTAMPTZ '1850-06-01 12:34:56+05:30' + i * INTERVAL '7654321.012345 s' AS tz,
			   sin(i) * 10 ^ (i % 40 - 20) AS f8,
			   (cos(i) * 10 ^ (i % 20 - 10))::float4 AS f4
		  FROM generate_series(1, 300) i
		UNION ALL
		SELECT 'infinity', '-infinity', 'infinity', 'NaN', '-Infinity'
		UNION ALL
		SELECT '4713-11-24 BC', '294276-12-31 23:59:59.999999', '0044-03-15 12:00 BC', 0, -0.0) v;
SET DateStyle = 'German';
SELECT learn._key_text(DATE '2024-01-31') AS iso_under_german,
	   learn._key_text(TIMESTAMPTZ '2024-01-31 09:00+09') AS utc;
RESET DateStyle;
RESET TimeZone;
RESET extra_float_digits;
