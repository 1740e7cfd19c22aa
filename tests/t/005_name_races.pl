
# Copyright (c) pg_learn contributors
#
# Ownership checks and version numbers under concurrency: two roles, two
# sessions.  Whoever waits for a model name's lock then sees what the
# other session committed meanwhile (READ COMMITTED), or fails with a
# serialization error (REPEATABLE READ), never a duplicate key.  Names do
# not block each other.  A name whose owner was dropped stays manageable
# by a superuser.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib";
use LearnTest;

my $node = PostgreSQL::Test::Cluster->new('races');
$node->init;
$node->start;

$node->safe_psql(
	'postgres', q{
CREATE ROLE alice LOGIN;
CREATE ROLE bob LOGIN;
CREATE ROLE carol LOGIN;
CREATE EXTENSION pg_learn;
CREATE TABLE d AS
SELECT i, sin(i * 0.1) AS x, 1 + 2 * sin(i * 0.1) + cos(i * 7.7) * 0.1 AS y
  FROM generate_series(1, 500) i;
GRANT SELECT ON d TO PUBLIC;
});

my $models_q = q{SELECT coalesce(string_agg(name || '@' || version || '=' || deployed || ':' || trained_by,
                                           ' ' ORDER BY name, version), 'none')
                 FROM learn.models WHERE name LIKE 'race%'};

my $sa = session($node, 'alice');
my $sb = session($node, 'bob');

# 1. train: bob waits behind alice's first version of a new name, then is
#    refused, instead of becoming version 2 of alice's name
$sa->query_safe('BEGIN');
$sa->query_safe(q{SELECT 1 FROM learn.train('race_train', 'linear', 'd', 'y', ARRAY['x'])});
start($sb, q{SELECT version FROM learn.train('race_train', 'linear', 'd', 'y', ARRAY['x']);});
ok(waits($sb), 'train: bob waits for alice\'s uncommitted first version');
$sa->query_safe('COMMIT');
like(finish($sb), qr/^42501 permission denied to add a version to model "race_train"/,
	'train: bob is refused once alice committed');
is($node->safe_psql('postgres', $models_q), 'race_train@1=true:alice',
	'train: alice\'s model alone, deployed');

# 2. deploy: alice's new version is being trained; bob's deploy waits and
#    is refused; alice's training stays deployed
$sa->query_safe('BEGIN');
$sa->query_safe(q{SELECT 1 FROM learn.train('race_train', 'linear', 'd', 'y', ARRAY['x'], '{"deploy": false}')});
start($sb, q{SELECT version FROM learn.deploy('race_train', 1);});
ok(waits($sb), 'deploy: bob waits for alice\'s training');
$sa->query_safe('COMMIT');
like(finish($sb), qr/^42501 permission denied to deploy model "race_train"/,
	'deploy: bob is refused');

# 3. drop: bob's drop waits behind alice's deploy, and drops nothing
$sa->query_safe('BEGIN');
$sa->query_safe(q{SELECT 1 FROM learn.deploy('race_train', 2)});
start($sb, q{SELECT learn.drop_model('race_train');});
ok(waits($sb), 'drop: bob waits for alice\'s deploy');
$sa->query_safe('COMMIT');
like(finish($sb), qr/^42501 permission denied to drop model "race_train"/,
	'drop: bob is refused');
is($node->safe_psql('postgres', $models_q),
	'race_train@1=false:alice race_train@2=true:alice',
	'alice\'s two versions are intact, version 2 deployed');

# 4. the owner's own sessions queue up: versions stay dense and unique
my $sa2 = session($node, 'alice');
$sa->query_safe('BEGIN');
$sa->query_safe(q{SELECT 1 FROM learn.train('race_train', 'linear', 'd', 'y', ARRAY['x'])});
start($sa2, q{SELECT version FROM learn.train('race_train', 'linear', 'd', 'y', ARRAY['x']);});
ok(waits($sa2), 'two trainings of one name by its owner: the second waits');
$sa->query_safe('COMMIT');
is(finish($sa2), '4', 'and becomes version 4 after the first committed version 3');

# 5. REPEATABLE READ: a training that waited behind a committed version of
#    the same name cannot see it, and fails with 40001 (not 23505)
$sa->query_safe('BEGIN');
$sa->query_safe(q{SELECT 1 FROM learn.train('race_rr', 'linear', 'd', 'y', ARRAY['x'])});
$sa2->query_safe('BEGIN ISOLATION LEVEL REPEATABLE READ');
$sa2->query_safe('SELECT 1');
start($sa2, q{SELECT version FROM learn.train('race_rr', 'linear', 'd', 'y', ARRAY['x']);});
ok(waits($sa2), 'repeatable read: the second training of a new name waits');
$sa->query_safe('COMMIT');
like(finish($sa2), qr/^40001 /, 'repeatable read, new name: serialization failure');
$sa2->query_safe('ROLLBACK');

$sa2->query_safe('BEGIN ISOLATION LEVEL REPEATABLE READ');
$sa2->query_safe('SELECT 1');
$sa->query_safe(q{SELECT 1 FROM learn.train('race_rr', 'linear', 'd', 'y', ARRAY['x'])});
like(
	finish_now($sa2, q{SELECT version FROM learn.train('race_rr', 'linear', 'd', 'y', ARRAY['x'])}),
	qr/^40001 /,
	'repeatable read, a version committed after the snapshot: serialization failure');
$sa2->query_safe('ROLLBACK');
$sa2->query_safe('BEGIN ISOLATION LEVEL REPEATABLE READ');
$sa2->query_safe('SELECT 1');
$sa->query_safe(q{SELECT 1 FROM learn.deploy('race_rr', 1)});
like(finish_now($sa2, q{SELECT learn.drop_model('race_rr', 1)}),
	qr/^40001 /, 'repeatable read, a deploy committed after the snapshot: drop fails with 40001');
$sa2->query_safe('ROLLBACK');
is($node->safe_psql('postgres', q{
SELECT string_agg(version || '=' || deployed, ' ' ORDER BY version) FROM learn.models WHERE name = 'race_rr'}),
	'1=true 2=false', 'race_rr: the two committed versions, nothing more');

# 6. names do not block each other
$sa->query_safe('BEGIN');
$sa->query_safe(q{SELECT 1 FROM learn.train('race_one', 'linear', 'd', 'y', ARRAY['x'])});
is( $node->safe_psql(
		'postgres',
		q{SET lock_timeout = '5s';
		  SELECT version FROM learn.train('race_two', 'linear', 'd', 'y', ARRAY['x'])},
		connstr => $node->connstr('postgres') . ' user=bob'),
	'1', 'another name trains while the first one\'s lock is held');
$sa->query_safe('COMMIT');

# 7. the owner role is dropped: a superuser still deploys and drops, another
#    role still may not
$node->safe_psql(
	'postgres',
	q{SELECT 1 FROM learn.train('race_orphan', 'linear', 'd', 'y', ARRAY['x']);
	  SELECT 1 FROM learn.train('race_orphan', 'linear', 'd', 'y', ARRAY['x']);},
	connstr => $node->connstr('postgres') . ' user=carol');
$node->safe_psql('postgres', 'DROP ROLE carol');
like(finish_now($sb, q{SELECT learn.drop_model('race_orphan')}),
	qr/^42501 permission denied to drop model "race_orphan"/,
	'orphaned model: bob may not drop it');
is($node->safe_psql('postgres', q{SELECT version FROM learn.deploy('race_orphan', 1)}),
	'1', 'orphaned model: a superuser deploys version 1');
is($node->safe_psql('postgres', q{SELECT learn.drop_model('race_orphan', 2)}),
	'1', 'orphaned model: a superuser drops version 2');
is($node->safe_psql('postgres', q{SELECT version FROM learn.train('race_orphan', 'linear', 'd', 'y', ARRAY['x'])}),
	'3', 'orphaned model: a superuser adds version 3 (2 is never given again)');

$sa->quit;
$sa2->quit;
$sb->quit;

my $log = slurp_file($node->logfile);
unlike($log, qr/terminated by signal|was terminated/, 'no backend crashed');

$node->stop;
done_testing();

# run $sql in $s and return how it ended, waiting for it
sub finish_now
{
	my ($s, $sql) = @_;
	$s->{stderr} = '';
	my $out = $s->query($sql);
	my $err = $s->{stderr};
	$s->{stderr} = '';
	return "$1 $2" if $err =~ /ERROR:\s+([0-9A-Z]{5}):\s+([^\n]*)/;
	return $out;
}
