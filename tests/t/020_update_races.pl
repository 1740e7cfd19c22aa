
# Copyright (c) pg_learn contributors
#
# learn.update under concurrency: two roles, several sessions.  An update
# reads its parent and the parent's states in its statement's snapshot and
# stores the new version behind the name's lock, as a training does.  What
# another session commits meanwhile must not make it store a version that
# no serial order of the two would give: an update of the deployed version
# ('name') whose name got another deployed version meanwhile (a rollback
# with learn.deploy, a new training, another update) fails with 40001
# instead of deploying a descendant of the version that was replaced; an
# update of a version given by number is not affected.  A role whose
# membership in the name's owner is revoked while its update waits is
# refused when it stores.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib";
use LearnTest;

my $node = PostgreSQL::Test::Cluster->new('update_races');
$node->init;
$node->start;

$node->safe_psql(
	'postgres', q{
CREATE ROLE alice LOGIN;
CREATE ROLE bob LOGIN;
CREATE EXTENSION pg_learn;
CREATE TABLE d AS
SELECT i, sin(i * 0.1) AS x, 1 + 2 * sin(i * 0.1) + cos(i * 7.7) * 0.1 AS y
  FROM generate_series(1, 900) i;
GRANT SELECT ON d TO PUBLIC;
});

# name@version=deployed of every version of $name, with its parent
sub versions
{
	my ($name) = @_;
	return $node->safe_psql('postgres', qq{
SELECT string_agg(version || '=' || deployed || coalesce('<' || (params -> 'updated_from' ->> 'version'), ''),
                  ' ' ORDER BY version)
  FROM learn.models WHERE name = '$name'});
}

my $sa = session($node, 'alice');
my $sa2 = session($node, 'alice');

# alice's model: version 1 on rows 1..300, version 2 on rows 1..600
$sa->query_safe(q{SELECT 1 FROM learn.train('ur', 'linear', 'SELECT * FROM d WHERE i <= 300', 'y', ARRAY['x'])});
$sa->query_safe(q{SELECT 1 FROM learn.train('ur', 'linear', 'SELECT * FROM d WHERE i <= 600', 'y', ARRAY['x'])});
is(versions('ur'), '1=false 2=true', 'ur: version 2 deployed');

# 1. a rollback to version 1 commits while an update of the deployed
#    version (2) waits to store: the update fails with 40001, and does not
#    deploy version 2's rows again
$sa->query_safe('BEGIN');
$sa->query_safe(q{SELECT 1 FROM learn.deploy('ur', 1)});
start($sa2, q{SELECT version FROM learn.update('ur', 'SELECT * FROM d WHERE i > 600');});
ok(waits($sa2), 'update of the deployed version waits for a deploy');
$sa->query_safe('COMMIT');
like(finish($sa2), qr/^40001 the deployed version of model "ur" changed during the update/,
	'rollback during an update of the deployed version: 40001');
is(versions('ur'), '1=true 2=false', 'ur: version 1 stays deployed, nothing stored');

# run again, it updates the version deployed now
is($sa2->query_safe(q{SELECT version || ':' || n_rows FROM learn.update('ur', 'SELECT * FROM d WHERE i > 600')}),
	'3:600', 'the update run again merges into version 1');
is(versions('ur'), '1=false 2=false 3=true<1', 'ur: version 3 of version 1, deployed');

# 2. a training of the same name commits meanwhile: 40001 as well
$sa->query_safe('BEGIN');
$sa->query_safe(q{SELECT 1 FROM learn.train('ur', 'linear', 'd', 'y', ARRAY['x'])});
start($sa2, q{SELECT version FROM learn.update('ur', 'SELECT * FROM d WHERE i > 600');});
ok(waits($sa2), 'update of the deployed version waits for a training');
$sa->query_safe('COMMIT');
like(finish($sa2), qr/^40001 /, 'training during an update of the deployed version: 40001');
is(versions('ur'), '1=false 2=false 3=false<1 4=true', 'ur: the training deployed, nothing else stored');

# two updates of the deployed version at once (two jobs): the second would
# deploy the first one's parent with its rows only, and fails with 40001
$sa->query_safe('BEGIN');
$sa->query_safe(q{SELECT 1 FROM learn.update('ur', 'SELECT * FROM d WHERE i > 600')});
start($sa2, q{SELECT version FROM learn.update('ur', 'SELECT * FROM d WHERE i > 300');});
ok(waits($sa2), 'a second update of the deployed version waits for the first');
$sa->query_safe('COMMIT');
like(finish($sa2), qr/^40001 the deployed version of model "ur" changed during the update/,
	'two updates of the deployed version: the second fails with 40001');
is(versions('ur'), '1=false 2=false 3=false<1 4=false 5=true<4', 'ur: the first update alone stored');

# ... but an update of a version given by number is not affected
$sa->query_safe('BEGIN');
$sa->query_safe(q{SELECT 1 FROM learn.deploy('ur', 2)});
start($sa2, q{SELECT version || ':' || n_rows FROM learn.update('ur@1', 'SELECT * FROM d WHERE i > 600');});
ok(waits($sa2), 'update of version 1 waits for a deploy');
$sa->query_safe('COMMIT');
is(finish($sa2), '6:600', 'update of a version by number: stored after the deploy');
is(versions('ur'), '1=false 2=false 3=false<1 4=false 5=false<4 6=true<1', 'ur: version 6 of version 1, deployed');

# 3. the parent is dropped while the update waits: the update read the
#    parent and its states before the drop committed, and stores what
#    updating it before the drop gives
$sa->query_safe('BEGIN');
$sa->query_safe(q{SELECT learn.drop_model('ur', 2)});
start($sa2, q{SELECT version || ':' || n_rows FROM learn.update('ur@2', 'SELECT * FROM d WHERE i > 600');});
ok(waits($sa2), 'update of version 2 waits for its drop');
$sa->query_safe('COMMIT');
is(finish($sa2), '7:900', 'update of a version dropped meanwhile: its rows and the new ones');
is($node->safe_psql('postgres', q{
SELECT count(*) FROM learn.states s JOIN learn.models m ON m.id = s.model_id
 WHERE m.name = 'ur' AND m.version IN (2, 7)}), '1', 'the dropped version\'s states went, the new one has its own');

# 4. bob, a member of alice, updates her model; his membership is revoked
#    while his update waits to store: refused
$node->safe_psql('postgres', 'GRANT alice TO bob');
my $sb = session($node, 'bob');
$sa->query_safe('BEGIN');
$sa->query_safe(q{SELECT 1 FROM learn.deploy('ur', 6)});
start($sb, q{SELECT version FROM learn.update('ur@7', 'SELECT * FROM d WHERE i > 600');});
ok(waits($sb), 'bob\'s update waits for alice\'s deploy');
$node->safe_psql('postgres', 'REVOKE alice FROM bob');
$sa->query_safe('COMMIT');
like(finish($sb), qr/^42501 permission denied to add a version to model "ur"/,
	'membership revoked while the update waits: 42501');
is($node->safe_psql('postgres', q{SELECT count(*) FROM learn.models WHERE trained_by = 'bob'}),
	'0', 'bob stored nothing');

$sa->quit;
$sa2->quit;
$sb->quit;

my $log = slurp_file($node->logfile);
unlike($log, qr/terminated by signal|was terminated/, 'no backend crashed');

$node->stop;
done_testing();
