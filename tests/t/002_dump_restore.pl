
# Copyright (c) pg_learn contributors
#
# pg_dump keeps the models: learn.models and learn.coefficients rows, the
# deployed flags and the identity sequence survive a dump and restore
# into a new database (plain format) and into another cluster (custom
# format), and scoring gives the same values afterwards.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('dump_source');
$node->init;
$node->start;

$node->safe_psql('postgres', 'CREATE DATABASE src');
$node->safe_psql(
	'src', q{
CREATE EXTENSION pg_learn;
CREATE TABLE sales AS
SELECT i AS id,
       (ARRAY['berlin', 'lyon', 'porto'])[1 + i % 3] AS store,
       sin(i * 0.37) * 10 AS x1,
       cos(i * 0.11) * 5 AS x2,
       (i * 17 % 23)::int AS k,
       12 + 0.8 * sin(i * 0.37) * 10 - 1.5 * cos(i * 0.11) * 5 + 0.3 * (i * 17 % 23)
         + (i % 3) * 2.0 * sin(i * 0.37)
         + ((i * 7907 % 1009) / 1009.0 - 0.5) AS y
FROM generate_series(1, 3000) AS i;
ALTER TABLE sales ALTER y TYPE float8;

-- version 1 and 2 of "price"; version 2 is deployed by training, then
-- version 1 is deployed again
SELECT 1 FROM learn.train('price', 'linear', 'sales', 'y', ARRAY['x1', 'x2']);
SELECT 1 FROM learn.train('price', 'linear', 'sales', 'y', ARRAY['x1', 'x2', 'k']);
SELECT 1 FROM learn.deploy('price', 1);
-- one model per store
SELECT 1 FROM learn.train('per_store', 'linear', 'sales', 'y', ARRAY['x1', 'x2', 'k'],
                          group_by => ARRAY['store']);
-- a model never deployed, and one trained and dropped (a gap in the ids)
SELECT 1 FROM learn.train('shadow', 'linear', 'sales', 'y', ARRAY['k'], '{"deploy": false}');
SELECT 1 FROM learn.train('dropped', 'linear', 'sales', 'y', ARRAY['k']);
SELECT learn.drop_model('dropped');
});

my $models_q = 'SELECT * FROM learn.models ORDER BY id';
my $names_q = 'SELECT * FROM learn.names ORDER BY name';
my $coefs_q =
  'SELECT * FROM learn.coefficients ORDER BY model_id, group_key, class, position';
my $deployed_q =
  q{SELECT string_agg(name || '@' || version || '=' || deployed, ' ' ORDER BY name, version)
	FROM learn.models};
my $predict_q = q{
SELECT id, learn.predict('price', ARRAY[x1, x2]),
       learn.predict('price@2', ARRAY[x1, x2, k]),
       learn.predict('per_store', s),
       learn.predict('shadow@1', s)
FROM sales s ORDER BY id};

my %before = (
	models   => $node->safe_psql('src', $models_q),
	coefs    => $node->safe_psql('src', $coefs_q),
	deployed => $node->safe_psql('src', $deployed_q),
	names    => $node->safe_psql('src', $names_q),
	predict  => $node->safe_psql('src', $predict_q));
my $last_id = $node->safe_psql('src',
	q{SELECT last_value FROM learn.models_id_seq});

# what the source holds, so that the comparisons below compare something
is($before{deployed},
	'per_store@1=true price@1=true price@2=false shadow@1=false',
	'source: price@1 is deployed, price@2 and shadow are not');
is($node->safe_psql('src', 'SELECT count(*) FROM learn.coefficients'),
	3 + 4 + 3 * 4 + 2, 'source: every model has its coefficients');
is($last_id, '5', 'source: five ids were issued, the last one dropped');
my @pred_rows = split /\n/, $before{predict};
is(scalar @pred_rows, 3000, 'source: every row was scored');
unlike($before{predict}, qr/\|\|/, 'source: no NULL prediction');
isnt(
	$node->safe_psql('src', q{SELECT learn.predict('price', ARRAY[1.0, 2.0])}),
	$node->safe_psql('src', q{SELECT learn.predict('price@2', ARRAY[1.0, 2.0, 0.0])}),
	'source: the two versions of price score differently');

# Compare a restored database with the source, then train in it.
sub check_restored
{
	my ($target, $db, $label) = @_;

	is($target->safe_psql($db, $models_q), $before{models},
		"$label: learn.models rows identical");
	is($target->safe_psql($db, $names_q), $before{names},
		"$label: learn.names restored (owners and the highest version numbers)");
	is($target->safe_psql($db, $coefs_q), $before{coefs},
		"$label: learn.coefficients rows identical");
	is($target->safe_psql($db, $deployed_q), $before{deployed},
		"$label: deployed flags kept");
	is($target->safe_psql($db, $predict_q), $before{predict},
		"$label: learn.predict gives the same values");
	is($target->safe_psql($db, 'SELECT count(*) FROM sales'), '3000',
		"$label: data restored");

	# the identity sequence continues after every id ever issued
	my $new = $target->safe_psql($db,
		q{SELECT id || ' ' || version FROM learn.train('after_restore', 'linear', 'sales', 'y',
		                                               ARRAY['x1'])});
	my ($new_id, $new_version) = split / /, $new;
	cmp_ok($new_id, '>', $last_id, "$label: a new training gets a new, larger id");
	is($new_version, 1, "$label: a new name starts at version 1");

	# a new version of a restored model continues its numbering; with
	# deploy false the restored deployed version stays deployed
	$new = $target->safe_psql($db,
		q{SELECT id || ' ' || version || ' ' || deployed
		  FROM learn.train('price', 'linear', 'sales', 'y', ARRAY['x1', 'x2'], '{"deploy": false}')});
	($new_id, $new_version, my $dep) = split / /, $new;
	cmp_ok($new_id, '>', $last_id, "$label: a new version gets a larger id");
	is("$new_version $dep", '3 false', "$label: price continues at version 3, not deployed");
	is( $target->safe_psql($db,
			q{SELECT version FROM learn.models WHERE name = 'price' AND deployed}),
		'1', "$label: price\@1 still deployed");

	# the one-deployed-version rule and deploy work on the restored rows
	$target->safe_psql($db, q{SELECT 1 FROM learn.deploy('price', 2)});
	is( $target->safe_psql($db,
			q{SELECT string_agg(version || '=' || deployed, ' ' ORDER BY version)
			  FROM learn.models WHERE name = 'price'}),
		'1=false 2=true 3=false', "$label: deploy moves the deployed flag");

	# the dropped name keeps its version numbers after the restore
	is( $target->safe_psql($db,
			q{SELECT version FROM learn.train('dropped', 'linear', 'sales', 'y', ARRAY['k'])}),
		'2', "$label: the dropped name goes on at version 2");
	my ($ret, $out, $err) = $target->psql($db,
		q{UPDATE learn.models SET deployed = true WHERE name = 'price' AND version = 1});
	like($err, qr/models_one_deployed|duplicate key/,
		"$label: still at most one deployed version per name");
	is( $target->safe_psql($db,
			q{SELECT learn.predict('price', ARRAY[1.0, 2.0, 0.0]) =
			         learn.predict('price@2', ARRAY[1.0, 2.0, 0.0])}),
		't', "$label: scoring by name follows the new deployment");
}

# ---------------------------------------------------------------------
# plain dump restored into a new database of the same cluster
# ---------------------------------------------------------------------
my $tempdir = PostgreSQL::Test::Utils::tempdir;
my $plain = "$tempdir/src.sql";
$node->command_ok([ 'pg_dump', '-d', $node->connstr('src'), '-f', $plain ],
	'pg_dump in plain format');
like(slurp_file($plain), qr/setval\('learn\.models_id_seq'/,
	'the dump sets the model id sequence');

$node->safe_psql('postgres', 'CREATE DATABASE restored');
$node->command_ok(
	[
		'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1',
		'-d', $node->connstr('restored'), '-f', $plain
	],
	'plain dump restores without error');
check_restored($node, 'restored', 'plain restore');

# ---------------------------------------------------------------------
# custom-format dump restored into a second cluster
# ---------------------------------------------------------------------
my $custom = "$tempdir/src.dump";
$node->command_ok([ 'pg_dump', '-Fc', '-d', $node->connstr('src'), '-f', $custom ],
	'pg_dump in custom format');

my $node2 = PostgreSQL::Test::Cluster->new('dump_target');
$node2->init;
$node2->start;
$node2->safe_psql('postgres', 'CREATE DATABASE src');
$node2->command_ok(
	[ 'pg_restore', '--exit-on-error', '-d', $node2->connstr('src'), $custom ],
	'pg_restore into another cluster without error');
check_restored($node2, 'src', 'second cluster');

# the source itself is unchanged by all this
is($node->safe_psql('src', $deployed_q), $before{deployed}, 'source unchanged');

$node2->stop;
$node->stop;
done_testing();
