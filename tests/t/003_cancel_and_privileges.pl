
# Copyright (c) pg_learn contributors
#
# (a) A cancelled or failed training leaves no partial model: nothing in
#     learn.models or learn.coefficients, the deployed version unchanged,
#     and the next training works and takes the next version number.
# (b) Privileges: the extension is trusted and installed by a database
#     owner; a model belongs to the role that trained it.  Another role may
#     read and score it, but not retrain under its name, deploy, drop,
#     update or delete it.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib";
use LearnTest;

my $node = PostgreSQL::Test::Cluster->new('cancel_priv');
$node->init;
$node->append_conf(
	'postgresql.conf', qq{
max_worker_processes = 8
max_parallel_workers = 8
});
$node->start;



# ---------------------------------------------------------------------
# (a) cancelled and failed trainings
# ---------------------------------------------------------------------
$node->safe_psql(
	'postgres', q{
CREATE EXTENSION pg_learn;
CREATE TABLE big AS
SELECT i AS id, sin(i * 0.7) AS x1, cos(i * 0.3) AS x2, (i % 17)::float8 AS x3,
       1 + 2 * sin(i * 0.7) - cos(i * 0.3) + 0.1 * (i % 17) + sin(i * 91.1) * 0.1 AS y,
       'note ' || i AS note
FROM generate_series(1, 200000) AS i;
ANALYZE big;
-- far too many rows to train on within a second: 200k x 1000 (about 10
-- seconds on a 2-core test machine)
CREATE VIEW huge AS
SELECT b.y, b.x1, b.x2, b.x3 FROM big b CROSS JOIN generate_series(1, 1000) AS r;
SELECT 1 FROM learn.train('m', 'linear', 'big', 'y', ARRAY['x1', 'x2', 'x3']);
});

my $state_q = q{
SELECT (SELECT string_agg(name || '@' || version || '=' || deployed, ' ' ORDER BY name, version)
        FROM learn.models)
    || ' / ' || (SELECT count(*) FROM learn.coefficients)};
my $initial = $node->safe_psql('postgres', $state_q);
is($initial, 'm@1=true / 4', 'one model with four terms to start with');

# 1. statement_timeout fires during the data pass
like( error_of($node, 'postgres', 'postgres', q{
SET statement_timeout = '1s';
SELECT 1 FROM learn.train('m', 'linear', 'huge', 'y', ARRAY['x1', 'x2', 'x3']);}),
	qr/^57014 canceling statement due to statement timeout/, 'a training on a huge source is cancelled by statement_timeout');
is($node->safe_psql('postgres', $state_q), $initial,
	'statement_timeout: no model row and no coefficient left behind');

# 2. pg_cancel_backend from another session while parallel workers scan
my $bg = $node->background_psql('postgres', on_error_stop => 0);
my $pid = $bg->query_safe('SELECT pg_backend_pid()');
$bg->query_safe(
	q{SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0;
	  SET min_parallel_table_scan_size = 0; SET max_parallel_workers_per_gather = 2;
	  \set VERBOSITY verbose});
$bg->query_until(qr/training/,
	"\\echo training\nSELECT 1 FROM learn.train('m', 'linear', 'huge', 'y', ARRAY['x1', 'x2', 'x3']);\n"
);
ok( $node->poll_query_until(
		'postgres',
		"SELECT count(*) > 0 FROM pg_stat_activity WHERE leader_pid = $pid"),
	'the training runs with parallel workers');
is($node->safe_psql('postgres', "SELECT pg_cancel_backend($pid)"),
	't', 'cancel the training');
$bg->query('SELECT 1');
like($bg->{stderr}, qr/57014: canceling statement due to user request/,
	'pg_cancel_backend cancels the parallel training');
$bg->{stderr} = '';
is($node->safe_psql('postgres', $state_q), $initial,
	'pg_cancel_backend during the scan: nothing left behind');
ok( $node->poll_query_until(
		'postgres',
		"SELECT count(*) = 0 FROM pg_stat_activity WHERE leader_pid = $pid"),
	'the parallel workers are gone');

# 3. cancelled late: the model row is written, the training waits for
# the lock on learn.coefficients that another session holds
my $locker = $node->background_psql('postgres');
$locker->query_safe('BEGIN; LOCK TABLE learn.coefficients IN SHARE MODE');
$bg->query_until(qr/training/,
	"\\echo training\nSELECT 1 FROM learn.train('m', 'linear', 'big', 'y', ARRAY['x1', 'x2']);\n"
);
ok( $node->poll_query_until(
		'postgres', qq{
SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = $pid}),
	'the training waits for learn.coefficients');
is( $node->safe_psql(
		'postgres', qq{
SELECT count(*) FROM pg_locks
WHERE pid = $pid AND relation = 'learn.models'::regclass AND mode = 'RowExclusiveLock'}),
	'1', 'it has already written to learn.models');
$node->safe_psql('postgres', "SELECT pg_cancel_backend($pid)");
$bg->query('SELECT 1');
like($bg->{stderr}, qr/57014: canceling statement due to user request/,
	'the waiting training is cancelled');
$bg->{stderr} = '';
$locker->query_safe('COMMIT');
$locker->quit;
is($node->safe_psql('postgres', $state_q), $initial,
	'cancel after the model row was written: nothing left, m@1 still deployed');

# 4. trainings that fail after the source was resolved
like( error_of($node, 'postgres', 'postgres',
		q{SELECT 1 FROM learn.train('m', 'linear', 'big', 'y')}),
	qr/^54000 categorical feature "note" has 200000 levels, more than max_levels \(1000\)/,
	'a text column of as many levels as rows among the features fails the training');
like( error_of($node, 'postgres', 'postgres',
		q{SELECT 1 FROM learn.train('m', 'linear',
		    'SELECT y, x1, CASE WHEN id = 200000 THEN ''NaN''::float8 ELSE x2 END AS x2 FROM big ORDER BY id',
		    'y')}),
	qr/^22023 feature 2 is NaN/, 'a NaN feature in the last row fails the training');
like( error_of($node, 'postgres', 'postgres',
		q{SELECT 1 FROM learn.train('m', 'linear',
		    'SELECT y, x1, x2, CASE WHEN id = 200000 THEN -1 ELSE 1 END AS w FROM big ORDER BY id',
		    'y', weight => 'w')}),
	qr/^22023 weight -1 is not a finite non-negative number/, 'a negative weight in the last row fails the training');
like( error_of($node, 'postgres', 'postgres',
		q{SELECT 1 FROM learn.train('m', 'linear', 'big', 'y', ARRAY['x1', 'x2'],
		                            '{"robust": "HC0"}', group_by => ARRAY['nosuchcolumn'])}),
	qr/^42703 group_by column "nosuchcolumn" does not exist/, 'an unknown group column fails the training');
is($node->safe_psql('postgres', $state_q), $initial,
	'failed trainings: nothing left behind');

# a failure inside a larger transaction rolls everything back with it
like( error_of($node, 'postgres', 'postgres', q{
BEGIN;
SELECT 1 FROM learn.train('m', 'linear', 'big', 'y', ARRAY['x1']);
SELECT 1 FROM learn.train('m', 'linear', 'big', 'y', ARRAY['note']);
COMMIT;}),
	qr/^54000 categorical feature "note"/, 'second training of a transaction fails');
is($node->safe_psql('postgres', $state_q), $initial,
	'the first training of that transaction is rolled back too');

# the next training works and takes the next version number
is( $node->safe_psql(
		'postgres',
		q{SELECT version || ' ' || deployed || ' ' || n_rows
		  FROM learn.train('m', 'linear', 'big', 'y', ARRAY['x1', 'x2', 'x3'])}),
	'2 true 200000', 'the next training works and is version 2');
is($node->safe_psql('postgres', $state_q), 'm@1=false m@2=true / 8',
	'after it: two versions, the new one deployed');
$bg->quit;

my $log = slurp_file($node->logfile);
unlike($log, qr/terminated by signal|was terminated/, 'no backend crashed');

# ---------------------------------------------------------------------
# (b) privileges
# ---------------------------------------------------------------------
$node->safe_psql(
	'postgres', q{
CREATE ROLE alice LOGIN;
CREATE ROLE bob LOGIN;
CREATE DATABASE adb OWNER alice;
});

# the extension is trusted: the database owner installs it
as_user($node, 'adb', 'alice', 'CREATE EXTENSION pg_learn');
is( as_user($node, 'adb', 'alice',
		q{SELECT rolsuper || ' ' || extowner::regrole FROM pg_roles, pg_extension
		  WHERE rolname = current_user AND extname = 'pg_learn'}),
	'false alice', 'alice, no superuser, created the extension');
$node->safe_psql('postgres', 'CREATE DATABASE other');
like(error_of($node, 'other', 'bob', 'CREATE EXTENSION pg_learn'),
	qr/^42501 permission denied for database other/, 'bob, not the database owner, cannot create it');

as_user($node, 'adb', 'alice', q{
CREATE TABLE data AS
SELECT i AS id, (ARRAY['a', 'b'])[1 + i % 2] AS g,
       sin(i * 0.5) AS x1, cos(i * 0.2) AS x2,
       5 - 3 * sin(i * 0.5) + 2 * cos(i * 0.2) + (i % 2) + sin(i * 77.7) * 0.05 AS y
FROM generate_series(1, 500) AS i;
SELECT 1 FROM learn.train('am', 'linear', 'data', 'y', ARRAY['x1', 'x2']);
SELECT 1 FROM learn.train('am', 'linear', 'data', 'y', ARRAY['x1', 'x2'], '{"deploy": false}');
SELECT 1 FROM learn.train('ag', 'linear', 'data', 'y', ARRAY['x1', 'x2'], group_by => ARRAY['g']);
SELECT 1 FROM learn.train('undeployed', 'linear', 'data', 'y', ARRAY['x1'], '{"deploy": false}');
});
my $alice_state_q = q{
SELECT (SELECT string_agg(name || '@' || version || '=' || deployed || ':' || trained_by,
                          ' ' ORDER BY name, version) FROM learn.models)
    || ' / ' || (SELECT count(*) FROM learn.coefficients)};
my $alice_state = as_user($node, 'adb', 'alice', $alice_state_q);
is($alice_state,
	'ag@1=true:alice am@1=true:alice am@2=false:alice undeployed@1=false:alice / 14',
	'alice trained her models');

# learn.states is not PUBLIC, but the extension's owner reads it, so that
# alice, who owns the database but is no superuser, can dump it whole
like(error_of($node, 'adb', 'bob', 'SELECT count(*) FROM learn.states'),
	qr/^42501 permission denied for table states/, 'bob cannot read learn.states');
is(as_user($node, 'adb', 'alice', 'SELECT count(*) FROM learn.states'), '5',
	'alice, the extension\'s owner, reads the states: one for each of the four versions, two for the grouped one');
my $alice_dump = $node->basedir . '/adb_by_alice.sql';
$node->command_ok(
	[ 'pg_dump', '-d', $node->connstr('adb') . ' user=alice', '-f', $alice_dump ],
	'alice dumps her database, learn.states included');
like(slurp_file($alice_dump), qr/COPY learn\.states /, 'the dump holds the states');

# Another role reaches the catalog: the schema and the tables are granted
# to PUBLIC.
{

	foreach my $db ('adb', 'postgres')
	{
		my ($ret, $out, $err) = $node->psql(
			$db,
			'SELECT count(*) >= 0 FROM learn.models',
			connstr => $node->connstr($db) . ' user=bob');
		is("$out$err", 't',
			"bob reads learn.models in $db without further grants");
	}
}


# bob reads with his own rights: nothing before the grant
like( error_of($node, 'adb', 'bob',
		q{SELECT 1 FROM learn.train('bm', 'linear', 'data', 'y', ARRAY['x1'])}),
	qr/^42501 permission denied for table data/, 'bob cannot train on alice\'s table without SELECT on it');
as_user($node, 'adb', 'alice', 'GRANT SELECT ON data TO bob');

# reading and scoring
is(as_user($node, 'adb', 'bob', $alice_state_q), $alice_state,
	'bob reads learn.models and learn.coefficients');
my $alice_scores = as_user($node, 'adb', 'alice',
	q{SELECT sum(learn.predict('am', ARRAY[x1, x2])) || ' ' || sum(learn.predict('ag', d))
	  FROM data d});
like($alice_scores, qr/^-?\d.* -?\d/, 'alice scores her models');
is( as_user($node, 'adb', 'bob',
		q{SELECT sum(learn.predict('am', ARRAY[x1, x2])) || ' ' || sum(learn.predict('ag', d))
		  FROM data d}),
	$alice_scores,
	'bob scores alice\'s models and gets the same values');

# bob trains his own model on alice's data
is( as_user($node, 'adb', 'bob',
		q{SELECT version || ' ' || trained_by
		  FROM learn.train('bm', 'linear', 'data', 'y', ARRAY['x1', 'x2'])}),
	'1 bob', 'bob trains his own model on the granted table');

my $with_bob =
  'ag@1=true:alice am@1=true:alice am@2=false:alice bm@1=true:bob undeployed@1=false:alice / 17';
is(as_user($node, 'adb', 'bob', $alice_state_q), $with_bob, 'bob\'s model is in the catalog');

# what bob may not do to alice's models
like( error_of($node, 'adb', 'bob',
		q{SELECT 1 FROM learn.train('am', 'linear', 'data', 'y', ARRAY['x1', 'x2'])}),
	qr/^42501 permission denied to add a version to model "am"/, 'bob cannot retrain under alice\'s model name');

# nor by putting his own "=" for text ahead of pg_catalog: the catalog's
# queries run with search_path = pg_catalog, whatever the caller's
as_user($node, 'adb', 'alice', 'GRANT CREATE ON DATABASE adb TO bob');
as_user($node, 'adb', 'bob', q{
CREATE SCHEMA evil;
CREATE FUNCTION evil.never(text, text) RETURNS boolean LANGUAGE sql AS 'SELECT false';
CREATE OPERATOR evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.never)});
like( error_of($node, 'adb', 'bob', q{
SET search_path = evil, pg_catalog, public;
SELECT 1 FROM learn.train('am', 'linear', 'data', 'y', ARRAY['x1', 'x2'])}),
	qr/^42501 permission denied to add a version to model "am"/,
	'bob cannot retrain under alice\'s name with his own = operator first in search_path');
like( error_of($node, 'adb', 'bob', q{
SET search_path = evil, pg_catalog, public;
SELECT learn.drop_model('am')}),
	qr/^42501 permission denied to drop model "am"/,
	'nor drop it that way');
as_user($node, 'adb', 'bob', 'DROP SCHEMA evil CASCADE');
like( error_of($node, 'adb', 'bob',
		q{SELECT 1 FROM learn.train('am', 'linear', 'data', 'y', ARRAY['x1'], '{"deploy": false}')}),
	qr/^42501 permission denied to add a version to model "am"/, 'bob cannot add an undeployed version under alice\'s name either');
like(error_of($node, 'adb', 'bob', q{SELECT 1 FROM learn.deploy('am', 2)}),
	qr/^42501 permission denied to deploy model "am"/, 'bob cannot deploy alice\'s model');
like(error_of($node, 'adb', 'bob', q{SELECT learn.drop_model('am')}),
	qr/^42501 permission denied to drop model "am"/, 'bob cannot drop alice\'s model');
like(error_of($node, 'adb', 'bob', q{SELECT learn.drop_model('am', 2)}),
	qr/^42501 permission denied to drop model "am"/, 'bob cannot drop a version of alice\'s model');

# direct writes to the catalog tables: nobody but pg_learn's functions
# writes them, so a stored version can never change in place
my @direct_writes = (
	[ q{UPDATE learn.models SET deployed = NOT deployed WHERE name = 'am'}, 'models' ],
	[ q{UPDATE learn.models SET metrics = '{}' WHERE name = 'am'}, 'models' ],
	[ q{DELETE FROM learn.models WHERE trained_by = 'alice'}, 'models' ],
	[ q{UPDATE learn.coefficients SET estimate = 0 WHERE true}, 'coefficients' ],
	[ q{DELETE FROM learn.coefficients}, 'coefficients' ],
	[ q{INSERT INTO learn.coefficients (model_id, position, term, estimate)
	    SELECT id, 7, 'x7', 1 FROM learn.models WHERE name = 'am' AND version = 1},
	  'coefficients' ],
	[ q{INSERT INTO learn.models (name, version, algorithm, task, source, features,
	    n_rows, n_skipped, train_seconds) VALUES ('am', 3, 'linear', 'regression',
	    'data', '{x1,x2}', 1, 0, 0)}, 'models' ],
	[ q{INSERT INTO learn.models (name, version, algorithm, task, source, features,
	    n_rows, n_skipped, train_seconds, deployed) VALUES ('undeployed', 2, 'linear',
	    'regression', 'data', '{x1}', 1, 0, 0, true)}, 'models' ],
	[ q{INSERT INTO learn.models (id, name, version, algorithm, task, source, features,
	    n_rows, n_skipped, train_seconds) VALUES (1000, 'mine', 1, 'linear',
	    'regression', 'data', '{x1}', 1, 0, 0)}, 'models' ]);
foreach my $user ('bob', 'alice')
{
	foreach my $w (@direct_writes)
	{
		my ($sql, $table) = @$w;
		(my $short = $sql) =~ s/\s+/ /g;
		like(error_of($node, 'adb', $user, $sql),
			qr/^42501 permission denied for table $table/,
			"$user cannot write the catalog directly: " . substr($short, 0, 50));
	}
}
is(as_user($node, 'adb', 'alice', $alice_state_q),
	$with_bob, 'alice\'s models are untouched by all of this');

# what alice may do to her models, and may not do to bob's
is(as_user($node, 'adb', 'alice', q{SELECT version FROM learn.deploy('am', 2)}),
	'2', 'alice deploys version 2 of her model');
is(as_user($node, 'adb', 'alice', q{SELECT learn.drop_model('am', 1)}),
	'1', 'alice drops version 1 of her model');
is( as_user($node, 'adb', 'alice',
		q{SELECT version FROM learn.train('am', 'linear', 'data', 'y', ARRAY['x1'])}),
	'3', 'alice retrains under her model name');
is(as_user($node, 'adb', 'alice', q{SELECT learn.drop_model('undeployed')}),
	'1', 'alice drops her undeployed model');
like(error_of($node, 'adb', 'alice', q{SELECT 1 FROM learn.deploy('bm', 1)}),
	qr/^42501 permission denied to deploy model "bm"/, 'alice cannot deploy bob\'s model');
like(error_of($node, 'adb', 'alice', q{SELECT learn.drop_model('bm')}),
	qr/^42501 permission denied to drop model "bm"/, 'alice cannot drop bob\'s model');
is(as_user($node, 'adb', 'bob', q{SELECT learn.drop_model('bm')}),
	'1', 'bob drops his own model');
is(as_user($node, 'adb', 'alice', $alice_state_q),
	'ag@1=true:alice am@2=false:alice am@3=true:alice / 11',
	'the catalog after alice\'s and bob\'s changes');

$node->stop;
done_testing();
