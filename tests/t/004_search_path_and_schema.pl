
# Copyright (c) pg_learn contributors
#
# Nothing a role creates can capture a call in the SQL that pg_learn
# generates, nor in calls between pg_learn's own objects.
#
# (a) A role with CREATE on schema public (the default of databases that
#     were upgraded from PostgreSQL 14 and older) fills it with functions
#     and operators that shadow every one pg_learn's generated SQL uses,
#     each more specific than pg_catalog's (text[] instead of anyarray) or
#     first in a search_path that lists public before pg_catalog.  A
#     superuser then trains (plain, grouped, weighted, robust, robust
#     grouped), scores (row form rewritten by the planner, row form in
#     PL/pgSQL, array form, in a view, in a trigger), deploys and drops.
#     None of the hostile objects ever runs.
# (b) The extension is trusted and a database owner installs it: schema
#     learn belongs to the superuser that owns pg_learn's objects, so the
#     database owner cannot add an overload to it.
# (c) A database that installed 0.1 (schema owned by the database owner)
#     and got an object added to learn refuses the update to 0.2 until the
#     object is gone; after the update the schema is no longer the owner's.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib";
use LearnTest;

my $node = PostgreSQL::Test::Cluster->new('search_path');
$node->init;
$node->append_conf(
	'postgresql.conf', qq{
max_worker_processes = 8
max_parallel_workers = 8
});
$node->start;

# the version CREATE EXTENSION and ALTER EXTENSION UPDATE go to
my $current = $node->safe_psql('postgres',
	q{SELECT default_version FROM pg_available_extensions WHERE name = 'pg_learn'});



# ---------------------------------------------------------------------
# (a) hostile objects in public
# ---------------------------------------------------------------------
$node->safe_psql(
	'postgres', q{
CREATE ROLE mallory LOGIN;
CREATE DATABASE shop;
});
$node->safe_psql(
	'shop', q{
GRANT CREATE ON SCHEMA public TO mallory;
CREATE EXTENSION pg_learn;
CREATE TABLE sales AS
SELECT i AS id, (ARRAY['north', 'south', 'east'])[1 + i % 3] AS region,
       sin(i * 0.3) AS x1, cos(i * 0.7) AS x2, 1 + i % 4 AS w,
       2 + 3 * sin(i * 0.3) - cos(i * 0.7) + (i % 3) + sin(i * 51.3) * 0.2 AS y
FROM generate_series(1, 3000) AS i;
ANALYZE sales;
});

# Every call of a hostile object leaves a row here (the table is
# mallory's, writable by everyone), whoever runs it.
as_user($node, 'shop', 'mallory', q{
CREATE TABLE public.captured (who name, what text);
GRANT INSERT, SELECT ON public.captured TO PUBLIC;

CREATE FUNCTION public.unnest(text[]) RETURNS SETOF text LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO public.captured VALUES (current_user, 'unnest(text[])');
	RETURN QUERY SELECT pg_catalog.unnest($1);
END $$;
CREATE FUNCTION public.unnest(float8[]) RETURNS SETOF float8 LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO public.captured VALUES (current_user, 'unnest(float8[])');
	RETURN QUERY SELECT pg_catalog.unnest($1);
END $$;
CREATE FUNCTION public.eq_text(text, text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO public.captured VALUES (current_user, '=(text, text)');
	RETURN $1 OPERATOR(pg_catalog.=) $2;
END $$;
CREATE OPERATOR public.= (LEFTARG = text, RIGHTARG = text, FUNCTION = public.eq_text);
CREATE FUNCTION public.eq_int(integer, integer) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO public.captured VALUES (current_user, '=(int, int)');
	RETURN $1 OPERATOR(pg_catalog.=) $2;
END $$;
CREATE OPERATOR public.= (LEFTARG = integer, RIGHTARG = integer, FUNCTION = public.eq_int);
CREATE FUNCTION public.eq_bigint(bigint, bigint) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO public.captured VALUES (current_user, '=(bigint, bigint)');
	RETURN $1 OPERATOR(pg_catalog.=) $2;
END $$;
CREATE OPERATOR public.= (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = public.eq_bigint);
CREATE FUNCTION public.ne_int(integer, integer) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO public.captured VALUES (current_user, '<>(int, int)');
	RETURN $1 OPERATOR(pg_catalog.<>) $2;
END $$;
CREATE OPERATOR public.<> (LEFTARG = integer, RIGHTARG = integer, FUNCTION = public.ne_int);
CREATE FUNCTION public.plus_int(integer, integer) RETURNS integer LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO public.captured VALUES (current_user, '+(int, int)');
	RETURN $1 OPERATOR(pg_catalog.+) $2;
END $$;
CREATE OPERATOR public.+ (LEFTARG = integer, RIGHTARG = integer, FUNCTION = public.plus_int);
CREATE FUNCTION public.count() RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO public.captured VALUES (current_user, 'count()');
	RETURN 0;
END $$;
CREATE FUNCTION public.max_trans(integer, integer) RETURNS integer LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO public.captured VALUES (current_user, 'max(integer)');
	RETURN pg_catalog.int4larger($1, $2);
END $$;
CREATE AGGREGATE public.max(integer) (SFUNC = public.max_trans, STYPE = integer);
CREATE FUNCTION public.int4larger(integer, integer) RETURNS integer LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO public.captured VALUES (current_user, 'int4larger');
	RETURN pg_catalog.int4larger($1, $2);
END $$;
CREATE FUNCTION public.jsonb(text) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO public.captured VALUES (current_user, 'jsonb(text)');
	RETURN $1::pg_catalog.jsonb;
END $$;
CREATE FUNCTION public.float8(integer) RETURNS float8 LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO public.captured VALUES (current_user, 'float8(integer)');
	RETURN $1::pg_catalog.float8;
END $$;
CREATE FUNCTION public.array_position(text[], text) RETURNS integer LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO public.captured VALUES (current_user, 'array_position(text[], text)');
	RETURN pg_catalog.array_position($1, $2);
END $$;
CREATE FUNCTION public.minus_int(integer, integer) RETURNS integer LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO public.captured VALUES (current_user, '-(int, int)');
	RETURN $1 OPERATOR(pg_catalog.-) $2;
END $$;
CREATE OPERATOR public.- (LEFTARG = integer, RIGHTARG = integer, FUNCTION = public.minus_int);
CREATE FUNCTION public.text(text[]) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO public.captured VALUES (current_user, 'text(text[])');
	RETURN pg_catalog.array_to_string($1, ',');
END $$;
});

my $captured_q = q{SELECT coalesce(string_agg(DISTINCT who || ':' || what, ', '), 'nothing')
                   FROM public.captured};

# the hostile objects do work when they are reached: the probe is live
as_user($node, 'shop', 'mallory',
	q{SET search_path = public, pg_catalog; SELECT 1 WHERE 'a'::text = 'a'::text});
is(as_user($node, 'shop', 'mallory', $captured_q), 'mallory:=(text, text)',
	'a shadowing operator runs when plain SQL reaches it');
as_user($node, 'shop', 'mallory', 'TRUNCATE public.captured');

my @paths = ('"$user", public', 'public, pg_catalog');
my $i = 0;
foreach my $path (@paths)
{
	$i++;
	my $trained = $node->safe_psql(
		'shop', qq{
SET search_path = $path;
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0; SET max_parallel_workers_per_gather = 2;
SELECT pg_catalog.count(*) FROM (
  SELECT learn.train('plain$i', 'linear', 'sales', 'y', ARRAY['x1', 'x2'])
  UNION ALL
  SELECT learn.train('plain$i', 'linear', 'sales', 'y', ARRAY['x1'], '{"deploy": false}')
  UNION ALL
  SELECT learn.train('grouped$i', 'linear', 'sales', 'y', ARRAY['x1', 'x2'], group_by => ARRAY['region'])
  UNION ALL
  SELECT learn.train('weighted$i', 'linear', 'sales', 'y', ARRAY['x1', 'x2'], weight => 'w')
  UNION ALL
  SELECT learn.train('robust$i', 'linear', 'sales', 'y', ARRAY['x1', 'x2'], '{"robust": "HC1"}', weight => 'w')
  UNION ALL
  SELECT learn.train('robust_grouped$i', 'linear', 'sales', 'y', ARRAY['x1', 'x2'],
                     '{"robust": "HC0"}', group_by => ARRAY['region'])
  UNION ALL
  SELECT learn.train('query$i', 'linear', 'SELECT y, x1, x2, region FROM sales', 'y',
                     ARRAY['x1', 'x2'], group_by => ARRAY['region'])
  UNION ALL
  SELECT learn.train('logit$i', 'logistic', 'SELECT y > 3 AS big, x1, x2, region FROM sales',
                     'big', ARRAY['x1', 'x2'], group_by => ARRAY['region'])
  UNION ALL
  SELECT learn.train('counts$i', 'glm', 'sales', 'w', ARRAY['x1', 'x2'],
                     '{"family": "poisson"}')
  UNION ALL
  SELECT learn.train('bands$i', 'multinomial', 'SELECT region::text AS r, x1, x2 FROM sales',
                     'r', ARRAY['x1', 'x2'])
  UNION ALL
  SELECT learn.train('cat$i', 'linear', 'sales', 'y', ARRAY['x1', 'region'])) t;
SELECT pg_catalog.count(learn.predict('logit$i', s)) + pg_catalog.count(learn.predict('counts$i', s))
       + pg_catalog.count(learn.predict_label('bands$i', s)) + pg_catalog.count(learn.predict('cat$i', s))
  FROM sales s;
});
	is($trained, "11\n12000", "search_path $path: eleven trainings (one categorical), glm and categorical ones scored");

	my $scored = $node->safe_psql(
		'shop', qq{
SET search_path = $path;
CREATE VIEW scored$i AS
SELECT id, learn.predict('grouped$i', s) AS g, learn.predict('plain$i', s) AS p,
       learn.predict('plain$i\@2', ARRAY[x1]) AS a
  FROM sales s;
CREATE TABLE scored_rows$i (id int, region text, x1 float8, x2 float8, score float8);
CREATE FUNCTION score_row$i() RETURNS trigger LANGUAGE plpgsql AS \$\$
BEGIN
	NEW.score := learn.predict('grouped$i', NEW);
	RETURN NEW;
END \$\$;
CREATE TRIGGER score$i BEFORE INSERT ON scored_rows$i
	FOR EACH ROW EXECUTE FUNCTION score_row$i();
INSERT INTO scored_rows$i (id, region, x1, x2) SELECT id, region, x1, x2 FROM sales;
CREATE FUNCTION score_loop$i() RETURNS float8 LANGUAGE plpgsql AS \$\$
DECLARE
	r sales;
	total float8 := 0;
BEGIN
	FOR r IN SELECT * FROM sales LOOP
		total := total + learn.predict('robust_grouped$i', r);
	END LOOP;
	RETURN total;
END \$\$;
SELECT pg_catalog.count(*) FILTER (WHERE g IS NOT NULL AND p IS NOT NULL AND a IS NOT NULL)
       || ' ' || (SELECT pg_catalog.count(*) FROM scored_rows$i WHERE score IS NOT NULL)
       || ' ' || (score_loop$i() IS NOT NULL)
       || ' ' || (SELECT pg_catalog.count(learn.predict('weighted$i', s)) FROM sales s)
  FROM scored$i;
});
	is($scored, '3000 3000 true 3000', "search_path $path: every row scored in all forms");

	my $managed = $node->safe_psql(
		'shop', qq{
SET search_path = $path;
SELECT (SELECT version FROM learn.deploy('plain$i', 2))
       || ' ' || learn.drop_model('plain$i', 1)
       || ' ' || learn.drop_model('query$i')
       || ' ' || (SELECT version FROM learn.train('query$i', 'linear', 'sales', 'y', ARRAY['x1']));
});
	is($managed, '2 1 1 2', "search_path $path: deploy, drop and retrain");

	is(as_user($node, 'shop', 'mallory', $captured_q), 'nothing',
		"search_path $path: no hostile object ran");
}

# ---------------------------------------------------------------------
# (b) a database owner installs the trusted extension
# ---------------------------------------------------------------------
$node->safe_psql(
	'postgres', q{
CREATE ROLE dbo LOGIN;
CREATE DATABASE owned OWNER dbo;
});
as_user($node, 'owned', 'dbo', 'CREATE EXTENSION pg_learn');
my $bootstrap = $node->safe_psql('postgres',
	"SELECT rolname FROM pg_roles WHERE oid = 10");
is( as_user($node, 'owned', 'dbo',
		q{SELECT nspowner::regrole || ' ' || extowner::regrole
		  FROM pg_namespace, pg_extension
		  WHERE nspname = 'learn' AND extname = 'pg_learn'}),
	"$bootstrap dbo",
	'schema learn belongs to the bootstrap superuser; the extension to the database owner');
is( as_user($node, 'owned', 'dbo',
		q{SELECT has_schema_privilege('learn', 'CREATE') || ' '
		         || has_schema_privilege('learn', 'USAGE')}),
	'false true', 'the database owner may use schema learn, not create in it');

foreach my $sql (
	q{CREATE FUNCTION learn._key_text(integer) RETURNS text LANGUAGE sql AS 'SELECT ''x'''},
	q{CREATE FUNCTION learn.predict(text, numeric[]) RETURNS float8 LANGUAGE sql AS 'SELECT 0::float8'},
	q{CREATE FUNCTION learn.linear_partial(float8, float8, VARIADIC float8[]) RETURNS bytea
	  LANGUAGE sql AS 'SELECT NULL::bytea'},
	q{CREATE TABLE learn.extra (a int)},
	q{CREATE OPERATOR learn.= (LEFTARG = text, RIGHTARG = text, FUNCTION = texteq)},
	q{CREATE TYPE learn.my_type AS (a int)})
{
	(my $short = $sql) =~ s/\s+/ /g;
	like(error_of($node, 'owned', 'dbo', $sql),
		qr/^42501 permission denied for schema learn/,
		'the database owner cannot: ' . substr($short, 0, 60));
}
like(error_of($node, 'owned', 'dbo', 'ALTER SCHEMA learn OWNER TO dbo'),
	qr/^42501 must be owner of schema learn/, 'nor take the schema');
as_user($node, 'owned', 'dbo', 'GRANT CREATE ON SCHEMA learn TO dbo');
is(as_user($node, 'owned', 'dbo', q{SELECT has_schema_privilege('learn', 'CREATE')}),
	'f', 'nor grant itself CREATE on it');
like(error_of($node, 'owned', 'dbo', 'DROP SCHEMA learn CASCADE'),
	qr/^42501 must be owner of schema learn/, 'nor drop it');

# the superuser trains and scores; the database owner's table is the data
as_user($node, 'owned', 'dbo', q{
CREATE TABLE d AS SELECT i, sin(i) AS x, 2 * sin(i) + cos(i * 3) AS y FROM generate_series(1, 200) i;
GRANT SELECT ON d TO PUBLIC;
});
is( $node->safe_psql(
		'owned', q{
SELECT version FROM learn.train('m', 'linear', 'd', 'y', ARRAY['x']);
SELECT count(learn.predict('m', d)) || ' ' || count(learn.predict('m', ARRAY[x])) FROM d;
}),
	"1\n200 200",
	'a superuser trains and scores in the database owner\'s database');
is( $node->safe_psql(
		'owned', q{
SELECT count(*) FROM pg_proc WHERE pronamespace = 'learn'::regnamespace
   AND proowner <> 10}),
	'0', 'every function in learn belongs to the bootstrap superuser');

# ---------------------------------------------------------------------
# (c) 0.1 left the schema to the installing role; the update takes it back
# ---------------------------------------------------------------------
$node->safe_psql('postgres', 'CREATE DATABASE old OWNER dbo');
as_user($node, 'old', 'dbo', q{CREATE EXTENSION pg_learn VERSION '0.1'});
is( as_user($node, 'old', 'dbo',
		q{SELECT nspowner::regrole FROM pg_namespace WHERE nspname = 'learn'}),
	'dbo', 'version 0.1 left schema learn to the database owner');
as_user($node, 'old', 'dbo', q{
CREATE FUNCTION learn.predict(text, numeric[]) RETURNS float8 LANGUAGE sql AS 'SELECT 42::float8';
GRANT CREATE ON SCHEMA learn TO PUBLIC;
});
like(
	error_of($node, 'old', 'dbo', 'ALTER EXTENSION pg_learn UPDATE'),
	qr/^55000 schema learn holds objects that do not belong to pg_learn: function learn\.predict\(pg_catalog\.text,numeric\[\]\)/,
	'the update stops at an object the database owner added to learn');
is(as_user($node, 'old', 'dbo', q{SELECT extversion FROM pg_extension WHERE extname = 'pg_learn'}),
	'0.1', 'and the extension stays at 0.1');
as_user($node, 'old', 'dbo', 'DROP FUNCTION learn.predict(text, numeric[])');
as_user($node, 'old', 'dbo', 'ALTER EXTENSION pg_learn UPDATE');
is( as_user($node, 'old', 'dbo',
		q{SELECT extversion || ' ' || nspowner::regrole || ' '
		         || has_schema_privilege('dbo', 'learn', 'CREATE') || ' '
		         || has_schema_privilege('public', 'learn', 'CREATE') || ' '
		         || has_schema_privilege('public', 'learn', 'USAGE')
		  FROM pg_extension, pg_namespace WHERE extname = 'pg_learn' AND nspname = 'learn'}),
	"$current $bootstrap false false true",
	'after the update: the schema is the superuser\'s, nobody else may create in it');
like(
	error_of($node, 'old', 'dbo',
		q{CREATE FUNCTION learn.predict(text, numeric[]) RETURNS float8 LANGUAGE sql AS 'SELECT 42::float8'}),
	qr/^42501 permission denied for schema learn/,
	'the database owner can no longer add an overload');

my $log = slurp_file($node->logfile);
unlike($log, qr/terminated by signal|was terminated/, 'no backend crashed');

$node->stop;
done_testing();
