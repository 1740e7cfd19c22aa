--
-- The database that scripts/fuzz.sh points sqlsmith at: the regression
-- suite's data sets (sql/00_data.sql), a populated catalog (linear, glm,
-- logistic and multinomial models), and a table of values that
-- pg_learn's functions take, so that sqlsmith, which fills arguments from
-- columns it sees, reaches more than the first error.
-- Run with psql from the top of the tree.
--
\set ON_ERROR_STOP 1
\set QUIET 1
CREATE EXTENSION IF NOT EXISTS pg_learn;
\i sql/00_data.sql

-- plain: three versions, the last one not deployed
SELECT 1 FROM learn.train('cars', 'linear', 'mtcars', 'mpg', '{wt}');
SELECT 1 FROM learn.train('cars', 'linear', 'mtcars', 'mpg', '{wt,hp,qsec}');
SELECT 1 FROM learn.train('cars', 'linear', 'mtcars', 'mpg', '{wt,hp,qsec,am}',
						  '{"deploy": false}');
-- no intercept, every column, a query as the source
SELECT 1 FROM learn.train('cars_noint', 'linear', 'mtcars', 'mpg', '{wt,hp,qsec}',
						  '{"intercept": false}');
SELECT 1 FROM learn.train('stackloss', 'linear', 'stackloss', 'stack_loss');
-- classifiers and generalized linear models
SELECT 1 FROM learn.train('manual', 'logistic', 'mtcars', 'am', '{wt,hp}');
SELECT 1 FROM learn.train('manual_text', 'logistic',
	'SELECT CASE am WHEN 1 THEN ''manual'' ELSE ''auto'' END AS box, wt, hp, vs FROM mtcars',
	'box', '{wt,hp}');
SELECT 1 FROM learn.train('manual_by_vs', 'logistic',
	'SELECT am = 1 AS manual, wt, hp, vs FROM mtcars', 'manual', '{wt}', group_by => '{vs}');
SELECT 1 FROM learn.train('carbs', 'glm', 'mtcars', 'carb', '{wt,hp}', '{"family": "poisson"}');
-- multinomial: text classes (setosa separated by the sepal), integer
-- classes, grouped and weighted with a group lacking a class
SELECT 1 FROM learn.train('species', 'multinomial', 'iris', 'species',
						  '{sepal_length,sepal_width}');
SELECT 1 FROM learn.train('cyl_mn', 'multinomial', 'mtcars', 'cyl', '{mpg}',
						  '{"max_iterations": 5, "max_classes": 3}');
SELECT 1 FROM learn.train('gear_by_cyl', 'multinomial', 'mtcars', 'gear', '{wt}',
						  '{"intercept": false}', '{cyl}', 'carb');
SELECT 1 FROM learn.train('stackloss_q', 'linear',
						  'SELECT air_flow, water_temp, stack_loss FROM stackloss WHERE acid_conc > 70',
						  'stack_loss');
-- grouped, weighted, robust, rank deficient, boolean
SELECT 1 FROM learn.train('iris_by_species', 'linear', 'iris', 'sepal_length',
						  '{sepal_width,petal_length,petal_width}',
						  group_by => '{species}');
SELECT 1 FROM learn.train('cars_by_cyl', 'linear', 'mtcars', 'mpg', '{wt,hp}',
						  group_by => '{cyl,am}');
SELECT 1 FROM learn.train('cars_weighted', 'linear', 'mtcars', 'mpg', '{wt,hp,qsec}',
						  weight => 'cyl');
SELECT 1 FROM learn.train('stackloss_hc0', 'linear', 'stackloss', 'stack_loss',
						  params => '{"robust": "HC0"}');
SELECT 1 FROM learn.train('cars_hc1', 'linear', 'mtcars', 'mpg', '{wt,hp,qsec}',
						  '{"robust": "HC1"}', weight => 'cyl');
SELECT 1 FROM learn.train('rankdef', 'linear', 'mtcars_rankdef', 'mpg',
						  '{wt,hp,combo,qsec}');
SELECT 1 FROM learn.train('cars_bool', 'linear',
						  'SELECT mpg, wt, am = 1 AS manual FROM mtcars', 'mpg');
SELECT 1 FROM learn.train('longley', 'linear', 'longley', 'y');
-- a dropped version: the next one still counts on
SELECT 1 FROM learn.train('dropped', 'linear', 'mtcars', 'mpg', '{wt}');
SELECT 1 FROM learn.train('dropped', 'linear', 'mtcars', 'mpg', '{hp}');
SELECT learn.drop_model('dropped', 1);

-- values for sqlsmith to pass to learn.*: model names and versions,
-- sources, targets, feature lists, params, feature vectors, states
CREATE TABLE fuzz_inputs (
	model		text,
	version		integer,
	algorithm	text,
	source		text,
	target		text,
	features	text[],
	params		jsonb,
	group_by	text[],
	weight		text,
	x			float8[],
	coef		float8[],
	y			float8,
	w			float8,
	state		bytea
);
INSERT INTO fuzz_inputs (model, version, algorithm, source, target, features,
						 params, group_by, weight, x, coef, y, w) VALUES
	('cars', 1, 'linear', 'mtcars', 'mpg', '{wt,hp,qsec}', '{}', NULL, NULL,
	 '{2.62,110,16.46}', '{37.2,-3.9,-0.03,0.5}', 21, 1),
	('cars@1', 2, 'linear', 'iris', 'sepal_length', '{sepal_width}',
	 '{"robust": "HC1"}', '{species}', NULL, '{2.62}', '{1}', 0, 0),
	('cars@3', 3, 'linear', 'stackloss', 'stack_loss', '{}', '{"intercept": false}',
	 '{}', 'acid_conc', '{}', '{}', 'NaN', 'Infinity'),
	('iris_by_species', NULL, 'logistic', 'SELECT * FROM mtcars', 'cyl',
	 '{"log(disp) AS ld",NULL}', '{"robust": "HC0", "deploy": false}', '{cyl,am}', 'w',
	 '{NULL,1,2}', '{NULL}', '-Infinity', -1),
	('cars_hc1@2', 0, NULL, 'mtcars_rankdef', 'combo', '{wt,wt}', '[1,2]', '{species,species}',
	 'cyl', '{{1,2},{3,4}}', '{{1,2},{3,4}}', 1e308, 1e-308),
	('nope', -1, '', '', '', NULL, '{"robust": true}', NULL, '', NULL, NULL, NULL, NULL),
	('@', 2147483647, 'LINEAR', 'public.mtcars', 'model', '{model}', '{"deploy": "no"}',
	 '{model}', 'model', '{1e200,1e200,1e200}', '{1e200,1e200,1e200,1e200}', 1e200, 1e200),
	('stackloss_hc0@1', 1, 'linear', 'longley', 'y', '{x1,x2,x3,x4,x5,x6}', 'null',
	 '{x1}', 'x2', '[2:4]={1,2,3}', '[0:3]={1,2,3,4}', 2, 2),
	('species', 4, 'multinomial', 'iris', 'species', '{sepal_length,sepal_width}',
	 '{"max_classes": 3, "tolerance": 1e-4, "max_iterations": 7}', '{species}', NULL,
	 '{5.1,3.5}', '{1,2,3,4,5,6}', 2, 1),
	('gear_by_cyl@1', 5, 'multinomial', 'SELECT * FROM mtcars', 'gear', '{wt,hp}',
	 '{"max_classes": 1026, "intercept": false}', '{cyl}', 'carb', '{3,110}', '{}', 3, 0);
-- serialized aggregate states, whole and cut short
UPDATE fuzz_inputs f SET state = s.state
  FROM (SELECT learn.linear_partial(mpg, 1, wt, hp) AS state FROM mtcars) s
 WHERE f.version = 1;
UPDATE fuzz_inputs f SET state = substr(s.state, 1, length(s.state) / 2)
  FROM (SELECT learn.linear_partial(mpg, 1, wt, hp) AS state FROM mtcars) s
 WHERE f.version = 2;
UPDATE fuzz_inputs SET state = '\x00' WHERE version = 3;
UPDATE fuzz_inputs f SET state = s.state
  FROM (SELECT learn.linreg_partial(mpg, ARRAY[1, wt]) AS state FROM mtcars) s
 WHERE f.version = 0;
-- parameters of learn._glm_pass (passparam.c): version 1, values per
-- group, groups, then each group's key and values; a multinomial one of
-- three classes and one feature, a logistic one of one feature
UPDATE fuzz_inputs SET state = '\x01'::bytea || int4send(4) || int4send(1) || int4send(0)
		|| float8send(0.5) || float8send(-1) || float8send(0.25) || float8send(2)
 WHERE version = 4;
UPDATE fuzz_inputs SET state = '\x01'::bytea || int4send(8) || int4send(1) || int4send(0)
		|| float8send(0.5) || float8send(-1) || float8send(2) || float8send(0.4)
		|| float8send(-0.9) || float8send(1) || float8send(0.4) || float8send(1)
 WHERE version = 5;
ANALYZE;

-- sqlsmith connects as an ordinary role: it trains, scores and drops its
-- own models and may change the sample tables, but it cannot write the
-- catalog directly nor signal other backends, as a superuser could
CREATE ROLE fuzzer LOGIN;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO fuzzer;
SELECT count(*) AS models, count(*) FILTER (WHERE deployed) AS deployed
  FROM learn.models;
