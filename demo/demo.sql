-- pg_learn demo: a linear regression trained inside PostgreSQL on mtcars,
-- then rows scored by the model's name.
\set QUIET on
SET client_min_messages = warning;
CREATE EXTENSION pg_learn;
CREATE TABLE mtcars (model text, mpg float8, cyl int, disp float8, hp int,
	drat float8, wt float8, qsec float8, vs int, am int, gear int, carb int);
\copy mtcars FROM 'data/mtcars.csv' CSV HEADER
\set QUIET off

\echo
\echo '== Train: mpg ~ wt + hp + qsec + am, one pass over the table'
SELECT name, version, n_rows, round((metrics->>'r2')::numeric, 4) AS r2,
	   round((metrics->>'sigma')::numeric, 4) AS sigma
  FROM learn.train('mpg', 'linear', 'mtcars', target => 'mpg',
				   features => '{wt,hp,qsec,am}');

\echo '== The coefficient table (learn.coefficients), as R''s summary(lm(...))'
SELECT term, round(estimate::numeric, 5) AS estimate,
	   round(std_error::numeric, 5) AS std_error,
	   round(statistic::numeric, 3) AS t_value,
	   round(p_value::numeric, 5) AS p_value
  FROM learn.coefficients c JOIN learn.models m ON m.id = c.model_id
 WHERE m.name = 'mpg' AND m.deployed
 ORDER BY position;

\echo '== Rows scored by name: learn.predict(''mpg'', row)'
SELECT model, mpg, round(learn.predict('mpg', c)::numeric, 2) AS predicted
  FROM mtcars c
 ORDER BY model
 LIMIT 8;
