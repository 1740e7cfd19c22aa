--
-- Categorical features whose levels pass 1 finds (open encodings) under
-- memcheck: ungrouped fits gathering rows in cells, more cells than a
-- table holds (flushes that grow the factor), a wide state that turns to
-- direct rows, parallel workers that find levels in other orders and
-- merge, a robust second pass, the scan for levels of a grouped fit,
-- a feature with more levels than max_levels (the state stops), and
-- open states cut short or with changed bytes given to linear_merge.
--
\set ON_ERROR_STOP 0
SET extra_float_digits = 0;
CREATE TABLE ol AS
SELECT i % 3 AS g, sin(i * 0.37) AS x1, cos(i * 0.11) AS x2,
	   'a' || (i * 7 % 61) AS c1, 'b' || (i * 13 % 83) AS c2,
	   (ARRAY['S', 'M', 'L'])[1 + i % 3]::char(2) AS c3,
	   sin(i * 0.37) + (i * 7 % 61) / 61.0 + (i * 13 % 83) / 83.0 + (i * 7919 % 1000) / 1000.0 AS y
  FROM generate_series(1, 12000) AS i;
-- up to 61 x 83 x 3 combinations
SELECT n_rows FROM learn.train('ol_cells', 'linear', 'ol', 'y', '{c1,x1,c2,x2,c3}');
-- 30,000 combinations: more cells than one table of them (about 23,800
-- of 3 levels and one number), so the table flushes while rows come
CREATE TABLE ol_many AS
SELECT 'a' || (i % 20) AS c1, 'b' || (i / 20 % 20) AS c2, 'c' || (i / 400 % 75) AS c3,
	   sin(i) AS x1, (i % 20) * 0.1 + sin(i) + cos(i * 0.37) AS y
  FROM generate_series(1, 30000) AS i;
SELECT n_rows FROM learn.train('ol_many', 'linear', 'ol_many', 'y');
SELECT n_rows FROM learn.train('ol_hc1', 'linear', 'ol', 'y', '{c1,x1,c3}', '{"robust": "HC1"}');
SELECT n_rows FROM learn.train('ol_g', 'linear', 'ol', 'y', '{c1,x1,c3}', group_by => '{g}');
SELECT n_rows FROM learn.train('ol_stop', 'linear', 'ol', 'y', '{c1,x1}', '{"max_levels": 20}');
SELECT count(*) FROM ol WHERE learn.predict('ol_cells', ol) IS NOT NULL;
-- wide: many numbers, few levels: cells give way to direct rows
SELECT format('CREATE TABLE olw AS SELECT %s, ''a'' || (i %% 4) AS c1, ''b'' || (i / 4 %% 4) AS c2, sin(i) AS y FROM generate_series(1, 3000) AS i',
			  string_agg(format('sin(i * %s) AS x%s', j, j), ', '))
  FROM generate_series(1, 30) AS j \gexec
SELECT n_rows FROM learn.train('ol_wide', 'linear', 'olw', 'y');
-- parallel workers
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
ALTER TABLE ol SET (parallel_workers = 2);
SELECT n_rows FROM learn.train('ol_par', 'linear', 'ol', 'y', '{c1,x1,c2,x2,c3}');
SELECT n_rows FROM learn.train('ol_gpar', 'logistic', 'SELECT *, y > 1.5 AS yb FROM ol', 'yb', '{c1,x1}');
RESET max_parallel_workers_per_gather;
-- hand-made open states, cut short and changed byte by byte
CREATE TABLE ol_state AS
SELECT learn.linear_partial(y, 1, c3::text, x1, c1, '{-100,0,-100}'::text[]) AS s FROM ol WHERE g = 1;
SELECT length(learn.linear_merge(s)) FROM ol_state;
DO $$
DECLARE
	s bytea;
	taken int := 0;
	refused int := 0;
BEGIN
	SELECT st.s INTO s FROM ol_state AS st;
	FOR k IN 1 .. length(s) - 1 BY 3 LOOP
		BEGIN
			PERFORM learn.linear_merge(x) FROM (VALUES (substring(s FROM 1 FOR k))) AS v(x);
			taken := taken + 1;
		EXCEPTION WHEN OTHERS THEN
			refused := refused + 1;
		END;
	END LOOP;
	FOR k IN 0 .. length(s) - 1 BY 5 LOOP
		BEGIN
			PERFORM learn.linear_merge(x)
			   FROM (VALUES (set_byte(s, k, (get_byte(s, k) + 1) % 256))) AS v(x);
			taken := taken + 1;
		EXCEPTION WHEN OTHERS THEN
			refused := refused + 1;
		END;
	END LOOP;
	RAISE NOTICE 'changed open states: % taken, % refused', taken, refused;
END
$$;
