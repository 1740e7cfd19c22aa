
# Copyright (c) pg_learn contributors
#
# Upgrades keep models.  A database installs version 0.1 (the released
# install script), trains models of every kind, and is updated with ALTER
# EXTENSION pg_learn UPDATE: the catalog rows are unchanged, every model
# scores exactly as before, learn.names is filled from the models, version
# numbers go on after the highest one, and ownership holds.  A plain dump
# of a 0.1 database restored where the extension is created at 0.2 (no
# learn.names rows in the dump) works the same way.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib";
use LearnTest;

my $node = PostgreSQL::Test::Cluster->new('upgrade');
$node->init;
$node->start;

# the version CREATE EXTENSION and ALTER EXTENSION UPDATE go to
my $current = $node->safe_psql('postgres',
	q{SELECT default_version FROM pg_available_extensions WHERE name = 'pg_learn'});

# The database owner installs the released version; the models in it were
# trained by pg_learn 0.1's own library: tests/fixtures/v0_1_catalog.sql
# holds the training data, the catalog rows 0.1 wrote and the scores 0.1
# computed (made by tests/fixtures/make_v0_1_fixture.sh).
my $fixture = load_fixture($node, '0.1', 'sales', 'scores_v0_1');

# a model row without its NULL columns: the columns later updates add are
# NULL for 0.1's models, and a value in one of them changes the row
my $catalog_q = q{
SELECT md5(string_agg(pg_catalog.jsonb_strip_nulls(pg_catalog.to_jsonb(m))::text, '|' ORDER BY id)) FROM learn.models m;
SELECT md5(string_agg(c::text, '|' ORDER BY model_id, group_key, class, position))
  FROM learn.coefficients c};
# every score of every model, compared with what 0.1 computed: equal as
# float8, not merely close
my $scores_q = q{
SELECT count(*) || ' of ' || (SELECT count(*) FROM scores_v0_1)
  FROM sales s JOIN scores_v0_1 v USING (id)
 WHERE learn.predict('price', ARRAY[x1, x2]) = v.price
   AND learn.predict('price@2', s) = v.price_2
   AND learn.predict('per_store', s) = v.per_store
   AND learn.predict('robust', s) = v.robust
   AND learn.predict('shadow@1', ARRAY[k::float8]) = v.shadow_1
   AND learn.predict('bobs', s) = v.bobs};

my $catalog_before = as_user($node, 'up', 'alice', $catalog_q);
is(as_user($node, 'up', 'alice', $scores_q), '2000 of 2000',
	'before the update, this library scores 0.1\'s models as 0.1 did');
like( error_of($node, 'up', 'alice',
		q{SELECT 1 FROM learn.train('price', 'linear', 'sales', 'y', ARRAY['x1'])}),
	qr/^55000 the pg_learn extension in this database is older than its library/,
	'before the update, training asks for ALTER EXTENSION UPDATE');
like(error_of($node, 'up', 'alice', q{SELECT learn.drop_model('price', 1)}),
	qr/^55000 /, 'and so does drop_model');

# the update, by the database owner (the extension is trusted)
as_user($node, 'up', 'alice', 'ALTER EXTENSION pg_learn UPDATE');
is(as_user($node, 'up', 'alice', q{SELECT extversion FROM pg_extension WHERE extname = 'pg_learn'}),
	$current, "updated to $current");
is(as_user($node, 'up', 'alice', $catalog_q), $catalog_before,
	'learn.models and learn.coefficients are unchanged by the update');
is(as_user($node, 'up', 'alice', $scores_q), '2000 of 2000',
	'after the update every model scores exactly as 0.1 did');
is( as_user($node, 'up', 'alice',
		q{SELECT string_agg(name || ':' || owner || ':' || last_version, ' ' ORDER BY name)
		  FROM learn.names}),
	'bobs:bob:1 per_store:alice:1 price:alice:2 robust:alice:1 shadow:alice:1',
	'learn.names is filled from the models');
is( as_user($node, 
		'up', 'alice',
		q{SELECT string_agg(g.group_key::text || ':' || g.n_rows || ':' || g.fitted || ':'
		                    || (g.metrics = m.metrics -> 'groups' -> (g.group_key::text)), ' '
		                    ORDER BY g.group_key)
		  FROM learn.groups g JOIN learn.models m ON m.id = g.model_id
		  WHERE m.name = 'per_store'}),
	'{berlin}:666:true:true {lyon}:667:true:true {porto}:667:true:true',
	'learn.groups is filled from the metrics of the grouped model 0.1 trained');

# life goes on after the update
is( as_user($node, 'up', 'alice',
		q{SELECT version FROM learn.train('price', 'linear', 'sales', 'y', ARRAY['x1', 'x2'])}),
	'3', 'the next version of price is 3 (one more than the highest left)');
like( error_of($node, 'up', 'bob',
		q{SELECT 1 FROM learn.train('price', 'linear', 'sales', 'y', ARRAY['x1'])}),
	qr/^42501 permission denied to add a version to model "price"/,
	'bob still cannot add a version to alice\'s model');
is(as_user($node, 'up', 'alice', q{SELECT learn.drop_model('price', 3)}), '1',
	'alice drops version 3');
is( as_user($node, 'up', 'alice',
		q{SELECT version FROM learn.train('price', 'linear', 'sales', 'y', ARRAY['x1', 'x2'])}),
	'4', 'and the next version is 4: 3 is never given again');

# ---------------------------------------------------------------------
# a plain dump of a 0.1 database, restored where CREATE EXTENSION makes 0.2
# ---------------------------------------------------------------------
$node->safe_psql('postgres', 'CREATE DATABASE old_src OWNER alice');
as_user($node, 'old_src', 'alice', q{CREATE EXTENSION pg_learn VERSION '0.1'});
$node->command_ok(
	[ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('old_src'), '-f', $fixture ],
	'another 0.1 database with the same models');
$node->safe_psql('old_src', 'GRANT SELECT ON sales, scores_v0_1 TO PUBLIC');
my $dump = $node->basedir . '/old_src.sql';
$node->command_ok([ 'pg_dump', '-d', $node->connstr('old_src'), '-f', $dump ],
	'pg_dump of the 0.1 database');
$node->safe_psql('postgres', 'CREATE DATABASE old_dst OWNER alice');
$node->command_ok(
	[ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('old_dst'), '-f', $dump ],
	'restored into a new database');
is( as_user($node, 'old_dst', 'alice',
		q{SELECT extversion || ' ' || (SELECT count(*) FROM learn.models) || ' '
		         || (SELECT count(*) FROM learn.names)
		  FROM pg_extension WHERE extname = 'pg_learn'}),
	"$current 6 0", "the restore made $current with the six models and no name rows");
is(as_user($node, 'old_dst', 'alice', $scores_q), '2000 of 2000',
	'the restored models score as 0.1 did');
is(as_user($node, 'old_dst', 'alice', q{SELECT version FROM learn.deploy('shadow', 1)}),
	'1', 'a restored name without its row can be deployed');
like(error_of($node, 'old_dst', 'bob', q{SELECT learn.drop_model('robust')}),
	qr/^42501 permission denied to drop model "robust"/,
	'and bob cannot drop one: the owner comes from the restored models');
like( error_of($node, 'old_dst', 'bob',
		q{SELECT 1 FROM learn.train('price', 'linear', 'sales', 'y', ARRAY['x1'])}),
	qr/^42501 permission denied to add a version to model "price"/,
	'bob cannot take over a restored name: its owner comes from the restored models');
is( as_user($node, 'old_dst', 'alice',
		q{SELECT version FROM learn.train('price', 'linear', 'sales', 'y', ARRAY['x1'])}),
	'3', 'alice\'s next version of the restored name is 3');
is( as_user($node, 'old_dst', 'alice',
		q{SELECT owner || ':' || last_version FROM learn.names WHERE name = 'price'}),
	'alice:3', 'and the name has its row now');


$node->stop;
done_testing();
