
# Copyright (c) pg_learn contributors
#
# The role that owned schema learn under 0.1 (the database owner that
# installed the trusted extension, or a role that created schema learn
# before a superuser ran CREATE EXTENSION) can neither run code as the
# superuser that runs the 0.1--0.2 update, nor keep an object in schema
# learn or in the extension through it.
#
# (a) an operator that matches better than pg_catalog's, planted in learn
#     and added to the extension, is never called by the update, which
#     stops and names it;
# (b) an overload of learn._key_text added to the extension does not
#     survive the update, so a superuser's grouped training cannot call it;
# (c) a schema learn made beforehand by another role: CREATE EXTENSION
#     runs none of its objects and stops;
# (d) a group key of a composite holding a regclass is the same text
#     whatever the search_path.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib";
use LearnTest;

my $node = PostgreSQL::Test::Cluster->new('hostile_upgrade');
$node->init;
$node->start;

$node->safe_psql(
	'postgres', q{
CREATE ROLE mallory LOGIN;
CREATE DATABASE a;
CREATE DATABASE b;
CREATE DATABASE c;
GRANT CREATE ON DATABASE a, b, c TO mallory;
});
for my $db ('a', 'b', 'c')
{
	$node->safe_psql($db,
		'CREATE SEQUENCE public.trace; GRANT ALL ON public.trace TO PUBLIC');
}

# A hostile operator: leaves a trace (nextval survives a rollback) and
# makes mallory a superuser when a superuser calls it.
my $hostile = q{
CREATE FUNCTION learn.evil_eq(oid, regnamespace) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_catalog.nextval('public.trace');
	IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
		EXECUTE 'ALTER ROLE mallory SUPERUSER';
	END IF;
	RETURN $1 OPERATOR(pg_catalog.=) $2::pg_catalog.oid;
END $$;
CREATE OPERATOR learn.= (LEFTARG = oid, RIGHTARG = regnamespace, FUNCTION = learn.evil_eq);
};
my $super_q = q{SELECT rolsuper FROM pg_roles WHERE rolname = 'mallory'};
my $trace_q = q{SELECT is_called FROM public.trace};

# (a)
as_user($node, 'a', 'mallory', "CREATE EXTENSION pg_learn VERSION '0.1';\n$hostile
ALTER EXTENSION pg_learn ADD FUNCTION learn.evil_eq(oid, regnamespace);
ALTER EXTENSION pg_learn ADD OPERATOR learn.= (oid, regnamespace);");
like(
	error_of($node, 'a', 'mallory', q{ALTER EXTENSION pg_learn UPDATE TO '0.2'}),
	qr/^55000 schema learn holds objects that do not belong to pg_learn: function learn\.evil_eq\((pg_catalog\.)?oid,(pg_catalog\.)?regnamespace\), operator learn\.=\((pg_catalog\.)?oid,(pg_catalog\.)?regnamespace\)/,
	'(a) the update stops at the operator the former owner added to pg_learn');
is($node->safe_psql('a', $super_q), 'f', '(a) mallory did not become a superuser');
is($node->safe_psql('a', $trace_q), 'f', '(a) the operator never ran');

# (b)
as_user($node, 'b', 'mallory', q{CREATE EXTENSION pg_learn VERSION '0.1';
CREATE FUNCTION learn._key_text(integer) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_catalog.nextval('public.trace');
	IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
		EXECUTE 'ALTER ROLE mallory SUPERUSER';
	END IF;
	RETURN $1::pg_catalog.text;
END $$;
ALTER EXTENSION pg_learn ADD FUNCTION learn._key_text(integer);});
like(
	error_of($node, 'b', 'postgres', 'ALTER EXTENSION pg_learn UPDATE'),
	qr/^55000 schema learn holds objects that do not belong to pg_learn: function learn\._key_text\(integer\)/,
	'(b) the update stops at the overload the former owner added to pg_learn');
$node->psql('b', q{
CREATE TABLE t AS SELECT g % 3 AS g, g::float8 AS x, (2 * g + sin(g))::float8 AS y FROM generate_series(1, 100) g;
SELECT 1 FROM learn.train('m', 'linear', 't', 'y', '{x}', group_by => '{g}');});
is($node->safe_psql('b', $super_q), 'f', '(b) mallory did not become a superuser');
is($node->safe_psql('b', $trace_q), 'f', '(b) the overload never ran');

# (c)
as_user($node, 'c', 'mallory', "CREATE SCHEMA learn;\n$hostile");
like(error_of($node, 'c', 'postgres', 'CREATE EXTENSION pg_learn'),
	qr/^55000 schema learn holds objects that do not belong to pg_learn: function learn\.evil_eq/,
	'(c) CREATE EXTENSION stops in a schema learn that holds another role\'s objects');
is($node->safe_psql('c', $super_q), 'f', '(c) mallory did not become a superuser');
is($node->safe_psql('c', $trace_q), 'f', '(c) none of its objects ran');
is($node->safe_psql('c', q{SELECT count(*) FROM pg_extension WHERE extname = 'pg_learn'}),
	'0', '(c) and the extension is not installed');

# (d)
$node->safe_psql(
	'a', q{
DROP EXTENSION pg_learn;
DROP SCHEMA learn CASCADE;
CREATE EXTENSION pg_learn;
CREATE SCHEMA s2;
CREATE TABLE s2.tt (a int);
CREATE TABLE d AS SELECT i, i::float8 AS x, (3 * i + sin(i))::float8 AS y,
	ROW('s2.tt'::regclass)::record::text AS dummy FROM generate_series(1, 60) i;
CREATE TYPE boxed AS (r regclass);
ALTER TABLE d ADD COLUMN g boxed;
UPDATE d SET g = ROW(CASE WHEN i % 2 = 0 THEN 's2.tt'::regclass ELSE 'pg_class'::regclass END)::boxed;
SELECT 1 FROM learn.train('boxed', 'linear', 'd', 'y', '{x}', group_by => '{g}');
});
is( $node->safe_psql(
		'a', q{
SELECT string_agg(DISTINCT group_key::text, ' ') FROM learn.coefficients c
  JOIN learn.models m ON m.id = c.model_id WHERE m.name = 'boxed'}),
	'{(pg_class)} {(s2.tt)}', '(d) a regclass inside a composite key is stored qualified');
is( $node->safe_psql(
		'a', q{
SET search_path = s2, public;
SELECT count(learn.predict('boxed', d)) FROM d}),
	'60', '(d) and found again under another search_path');

done_testing();
