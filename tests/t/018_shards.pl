
# Copyright (c) pg_learn contributors
#
# Training across shards: a coordinator and two shards on loopback, the
# coordinator's source a partitioned table whose partitions are
# postgres_fdw foreign tables, one on each shard.  learn.train computes
# pass 1 on the shards (their logs show the aggregate, and no row fetch
# of the table), reads them at once (auto_explain shows the async
# Append), and the model equals the one trained on a local table that
# holds the union: coefficients, standard errors and metrics to 1e-9,
# relative.  A shard that is down fails the training and stores nothing;
# a server without pg_learn in its "extensions" gets its rows pulled,
# with a NOTICE; a single foreign table works too; the model scores
# locally.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

use FindBin;
use lib "$FindBin::RealBin/../lib";
use LearnTest;

# relative tolerance for "the same fit, its rows merged in another order"
my $tol = 1e-9;

# rows $lo..$hi of the data set: part 0 up to 3000, part 1 after; the
# groups g and the colours come in both parts; some x3 are NULL
sub rows_sql
{
	my ($lo, $hi) = @_;
	return qq{
SELECT i AS id, (i > 3000)::int AS part, g, color, x1, x2, x3, w,
       3 + 1.5 * x1 - 2 * x2 + 0.75 * coalesce(x3, 0)
         + CASE color WHEN 'red' THEN 1 WHEN 'green' THEN -0.5 ELSE 0 END
         + CASE g WHEN 'a' THEN 0.3 * x1 ELSE 0 END + noise AS y
FROM (SELECT i,
             (ARRAY['a', 'b', 'c'])[1 + i % 3] AS g,
             (ARRAY['red', 'green', 'blue', 'gold'])[1 + (i * 7) % 4] AS color,
             2 * sin(i * 0.7071) AS x1,
             3 * cos(i * 0.3183) AS x2,
             CASE WHEN i % 97 = 0 THEN NULL
                  ELSE ((i::bigint * 7919 % 1000) / 500.0 - 1)::float8 END AS x3,
             (1 + i * 13 % 7)::float8 AS w,
             (((i::bigint * 104729 % 9973) / 9973.0 - 0.5) * 0.8)::float8 AS noise
      FROM generate_series($lo, $hi) AS i) AS s};
}

my $columns = 'id int, part int, g text, color text, x1 float8, x2 float8, '
  . 'x3 float8, w float8, y float8';

my @shards;
foreach my $s (1, 2)
{
	my $node = PostgreSQL::Test::Cluster->new("shard$s");
	$node->init;
	$node->append_conf('postgresql.conf', "log_statement = 'all'\n");
	$node->start;
	my ($lo, $hi) = $s == 1 ? (1, 3000) : (3001, 6000);
	$node->safe_psql('postgres',
		"CREATE EXTENSION pg_learn; CREATE TABLE t AS " . rows_sql($lo, $hi));
	push @shards, $node;
}

my $coord = PostgreSQL::Test::Cluster->new('coordinator');
$coord->init;
$coord->start;
$coord->safe_psql(
	'postgres', qq{
CREATE EXTENSION pg_learn;
CREATE EXTENSION postgres_fdw;
CREATE TABLE whole AS } . rows_sql(1, 6000) . qq{;
CREATE TABLE half AS SELECT * FROM whole WHERE part = 0;
CREATE TABLE sharded ($columns) PARTITION BY LIST (part);
});
foreach my $s (1, 2)
{
	my $node = $shards[ $s - 1 ];
	my ($host, $port) = ($node->host, $node->port);
	$coord->safe_psql(
		'postgres', qq{
CREATE SERVER shard$s FOREIGN DATA WRAPPER postgres_fdw
    OPTIONS (host '$host', port '$port', dbname 'postgres',
             extensions 'pg_learn', async_capable 'true');
CREATE USER MAPPING FOR CURRENT_USER SERVER shard$s;
CREATE FOREIGN TABLE sharded_$s PARTITION OF sharded FOR VALUES IN (@{[ $s - 1 ]})
    SERVER shard$s OPTIONS (table_name 't');
});
}
is($coord->safe_psql('postgres', 'SELECT count(*), abs(sum(y) - (SELECT sum(y) FROM whole)) < 1e-6 FROM sharded'),
	'6000|t', 'the coordinator sees the shards as one table');

$coord->safe_psql(
	'postgres', q{
-- relative difference; NULL against non-NULL is infinitely different
CREATE FUNCTION reldiff(a float8, b float8) RETURNS float8
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN a IS NULL AND b IS NULL THEN 0
              WHEN a IS NULL OR b IS NULL THEN 'Infinity'
              WHEN a = b THEN 0
              ELSE abs(a - b) / greatest(abs(a), abs(b)) END
$$;
-- largest relative difference between the coefficients of two models
CREATE FUNCTION coef_diff(m1 text, m2 text) RETURNS float8
LANGUAGE sql STABLE AS $$
  SELECT coalesce(max(greatest(reldiff(a.estimate, b.estimate),
                               reldiff(a.std_error, b.std_error))), 'Infinity')
  FROM (SELECT c.* FROM learn.coefficients c JOIN learn.models m ON m.id = c.model_id
        WHERE m.name = m1) AS a
  FULL JOIN (SELECT c.* FROM learn.coefficients c JOIN learn.models m ON m.id = c.model_id
             WHERE m.name = m2) AS b
  USING (group_key, class, position, term)
$$;
-- the numbers of two metrics documents, key by key (nested: test)
CREATE FUNCTION metrics_diff(a jsonb, b jsonb) RETURNS float8
LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(max(CASE WHEN jsonb_typeof(p.v) = 'object' AND jsonb_typeof(q.v) = 'object'
                           THEN metrics_diff(p.v, q.v)
                           WHEN jsonb_typeof(p.v) = 'number' AND jsonb_typeof(q.v) = 'number'
                           THEN reldiff(p.v::float8, q.v::float8)
                           WHEN p.v = q.v THEN 0
                           ELSE 'Infinity' END), 'Infinity')
  FROM jsonb_each(a) AS p(k, v) FULL JOIN jsonb_each(b) AS q(k, v) USING (k)
$$;
-- the models' metrics and each group's
CREATE FUNCTION model_metrics_diff(m1 text, m2 text) RETURNS float8
LANGUAGE sql STABLE AS $$
  SELECT greatest(
    (SELECT metrics_diff(a.metrics, b.metrics) FROM learn.models a, learn.models b
      WHERE a.name = m1 AND b.name = m2),
    (SELECT coalesce(max(CASE WHEN a.n_rows = b.n_rows AND a.n_skipped = b.n_skipped
                              THEN metrics_diff(a.metrics, b.metrics) ELSE 'Infinity' END), 0)
       FROM (SELECT g.* FROM learn.groups g JOIN learn.models m ON m.id = g.model_id
              WHERE m.name = m1) AS a
       FULL JOIN (SELECT g.* FROM learn.groups g JOIN learn.models m ON m.id = g.model_id
                   WHERE m.name = m2) AS b USING (group_key)))
$$;
});

# What the shards' servers logged while $sql ran on the coordinator: the
# statements of the shards' logs (a statement may span lines).
sub shard_statements
{
	my ($sql) = @_;
	my @offsets = map { -s $_->logfile } @shards;
	my ($stdout, $stderr);
	$coord->psql('postgres', $sql, stdout => \$stdout, stderr => \$stderr,
		on_error_die => 1);
	my @statements;
	foreach my $i (0 .. $#shards)
	{
		my $log = slurp_file($shards[$i]->logfile, $offsets[$i]);
		push @statements, map { "shard" . ($i + 1) . ": $_" }
		  grep { /\S/ } split /^(?=\S)/m, $log;
	}
	return (\@statements, $stderr);
}

# The trainings: each on the shards and on the local union.
my @trainings = (
	[ 'plain', q{'y', ARRAY['x1', 'x2', 'x3']} ],
	[ 'weighted', q{'y', ARRAY['x1', 'x2', 'x3'], NULL, NULL, 'w'} ],
	[
		'grouped',
		q{'y', ARRAY['x1', 'x2', 'color', 'x1 * x3 AS x13'], NULL, ARRAY['g']}
	],
	[
		'held_out',
		q{'y', ARRAY['x1', 'ln(4 + x2) AS lx2', 'color'], '{"test_fraction": 0.25, "seed": 7}', ARRAY['g'], 'w'}
	],
	[ 'robust', q{'y', ARRAY['x1', 'x2'], '{"robust": "HC1"}'} ],);

foreach my $t (@trainings)
{
	my ($name, $args) = @$t;
	my ($statements, $stderr) = shard_statements(qq{
LOAD 'auto_explain';
SET auto_explain.log_min_duration = 0;
SET auto_explain.log_nested_statements = on;
SET auto_explain.log_verbose = on;
SELECT 1 FROM learn.train('s_$name', 'linear', 'sharded', $args);
});
	$coord->safe_psql('postgres',
		"SELECT 1 FROM learn.train('l_$name', 'linear', 'whole', $args)");

	cmp_ok($coord->safe_psql('postgres', "SELECT coef_diff('s_$name', 'l_$name')"),
		'<=', $tol, "$name: the coefficients equal the local union's");
	cmp_ok(
		$coord->safe_psql('postgres', "SELECT model_metrics_diff('s_$name', 'l_$name')"),
		'<=', $tol, "$name: the metrics equal the local union's");
	is($coord->safe_psql('postgres',
			"SELECT count(*) FROM learn.models WHERE name = 's_$name' AND source = 'sharded'"),
		'1', "$name: the model names the partitioned table as its source");
	unlike($stderr, qr/NOTICE:.*read here/, "$name: no shard's rows are pulled for pass 1");

	# pass 1 ran on each shard: its aggregate, grouped there
	foreach my $s (1, 2)
	{
		ok( (grep { /^shard$s: .*DECLARE.*learn\.linear_partial\(/s } @$statements),
			"$name: shard $s computed the state");
	}
	next if $name eq 'grouped' || $name eq 'held_out' || $name eq 'robust';

	# without categorical features and later passes nothing else reads
	# the table: no shard sent its rows
	my @fetches = grep { /FROM public\.t\b/ && !/learn\.linear_partial\(/ } @$statements;
	is(scalar(@fetches), 0, "$name: no shard sent rows of its table")
	  or diag(join("\n", @fetches));
}

# The coordinator's plan of a pass 1: an async Append of two foreign
# scans, each one the whole aggregate of a shard.
my $log = slurp_file($coord->logfile);
like(
	$log,
	qr/Append.*\n\s*->  Async Foreign Scan.*\n(?:.*\n){0,4}?\s*Remote SQL: SELECT learn\.linear_partial\(.*\n\s*->  Async Foreign Scan/,
	'pass 1 is an async Append of the shards\' aggregates');

# scoring a model trained on the shards is local, and equals the local model's
is( $coord->safe_psql(
		'postgres', q{
SELECT max(reldiff(learn.predict('s_grouped', r), learn.predict('l_grouped', r))) <= 1e-9,
       count(learn.predict('s_grouped', r))
FROM whole AS r}),
	't|' . $coord->safe_psql('postgres', 'SELECT count(*) FROM whole WHERE x3 IS NOT NULL'),
	'the model trained on the shards scores as the local one');

# a single foreign table
$coord->safe_psql(
	'postgres', q{
CREATE FOREIGN TABLE one_shard (} . $columns . q{) SERVER shard1 OPTIONS (table_name 't');
});
my ($statements) = shard_statements(
	q{SELECT 1 FROM learn.train('s_one', 'linear', 'one_shard', 'y', ARRAY['x1', 'x2', 'x3'], NULL, NULL, 'w')});
$coord->safe_psql('postgres',
	q{SELECT 1 FROM learn.train('l_one', 'linear', 'half', 'y', ARRAY['x1', 'x2', 'x3'], NULL, NULL, 'w')});
cmp_ok($coord->safe_psql('postgres', "SELECT coef_diff('s_one', 'l_one')"),
	'<=', $tol, 'a single foreign table: the coefficients equal the local ones');
ok((grep { /^shard1: .*DECLARE.*learn\.linear_partial\(/s } @$statements),
	'a single foreign table: the shard computed the state');

# a robust grouped fit of a foreign table whose server's pg_learn predates
# 0.8 (no learn._linear_meat_groups there): its passes group with GROUP BY,
# which the server has, and never send it an aggregate it lacks
my $meat_groups = q{learn._linear_meat_groups(bytea, integer, float8, float8, VARIADIC "any")};
$shards[0]->safe_psql('postgres',
	qq{ALTER EXTENSION pg_learn DROP AGGREGATE $meat_groups;
	   ALTER AGGREGATE $meat_groups RENAME TO _hidden_meat_groups});
$coord->safe_psql('postgres',
	q{SELECT 1 FROM learn.train('s_one_hc1', 'linear', 'one_shard', 'y', ARRAY['x1', 'x2'], '{"robust": "HC1"}', ARRAY['g']);
	  SELECT 1 FROM learn.train('l_one_hc1', 'linear', 'half', 'y', ARRAY['x1', 'x2'], '{"robust": "HC1"}', ARRAY['g'])});
cmp_ok($coord->safe_psql('postgres', "SELECT coef_diff('s_one_hc1', 'l_one_hc1')"),
	'<=', $tol, 'a robust grouped fit of a foreign table on an older server: the local errors');
$shards[0]->safe_psql('postgres',
	q{ALTER AGGREGATE learn._hidden_meat_groups(bytea, integer, float8, float8, VARIADIC "any") RENAME TO _linear_meat_groups;
	  ALTER EXTENSION pg_learn ADD AGGREGATE } . $meat_groups);

# learn.update with a sharded source: the new rows' states come from the
# shards, merged with the stored ones; equal to training on all the rows
$coord->safe_psql('postgres',
	q{SELECT 1 FROM learn.train('u_grp', 'linear', 'half', 'y', ARRAY['x1', 'color', 'x1 * x3 AS x13'], NULL, ARRAY['g'], 'w');
	  CREATE VIEW half_and_whole AS SELECT * FROM half UNION ALL SELECT * FROM whole;
	  SELECT 1 FROM learn.train('l_u_grp', 'linear', 'half_and_whole', 'y', ARRAY['x1', 'color', 'x1 * x3 AS x13'], NULL, ARRAY['g'], 'w')});
($statements) = shard_statements(q{SELECT 1 FROM learn.update('u_grp', 'sharded')});
# coef_diff compares every version of a name: the parent goes
$coord->safe_psql('postgres', q{SELECT learn.drop_model('u_grp', 1)});
cmp_ok($coord->safe_psql('postgres', "SELECT coef_diff('u_grp', 'l_u_grp')"),
	'<=', $tol, 'learn.update from the shards: the coefficients of training on all the rows');
foreach my $s (1, 2)
{
	ok((grep { /^shard$s: .*DECLARE.*learn\.linear_partial\(/s } @$statements),
		"learn.update: shard $s computed the new rows' state");
}

# a server that does not list pg_learn in "extensions": its rows are
# pulled, with a NOTICE that says why, and the fit is the same
my ($h1, $p1) = ($shards[0]->host, $shards[0]->port);
$coord->safe_psql(
	'postgres', qq{
CREATE SERVER plain1 FOREIGN DATA WRAPPER postgres_fdw
    OPTIONS (host '$h1', port '$p1', dbname 'postgres');
CREATE USER MAPPING FOR CURRENT_USER SERVER plain1;
CREATE FOREIGN TABLE plain_shard ($columns) SERVER plain1 OPTIONS (table_name 't');
});
my $stderr;
($statements, $stderr) = shard_statements(
	q{SELECT 1 FROM learn.train('s_plain1', 'linear', 'plain_shard', 'y', ARRAY['x1', 'x2', 'x3'], NULL, NULL, 'w')});
like(
	$stderr,
	qr/NOTICE:  the rows of foreign table "plain_shard" are read here: server "plain1" does not list pg_learn in its "extensions" option/,
	'a server without pg_learn in its extensions: a NOTICE');
ok((grep { /^shard1: .*DECLARE.*FROM public\.t\b/s && !/linear_partial/ } @$statements),
	'a server without pg_learn in its extensions: its rows are read');
cmp_ok($coord->safe_psql('postgres', "SELECT coef_diff('s_plain1', 'l_one')"),
	'<=', $tol, 'a server without pg_learn in its extensions: the same fit');

# A role that may read the partitioned table but not its partitions: the
# table is read as a whole (its rows pulled), with a NOTICE, and the fit is
# the same; granted the partitions, the shards compute the states.  (The
# role logs in to the shards as the bootstrap superuser, without a
# password, which only a superuser may allow.)
my $super = $coord->safe_psql('postgres', 'SELECT current_user');
$coord->safe_psql(
	'postgres', qq{
CREATE ROLE alice LOGIN;
GRANT SELECT ON sharded TO alice;
GRANT USAGE ON FOREIGN SERVER shard1, shard2 TO alice;
CREATE USER MAPPING FOR alice SERVER shard1 OPTIONS (user '$super', password_required 'false');
CREATE USER MAPPING FOR alice SERVER shard2 OPTIONS (user '$super', password_required 'false');
});
my $train_alice = sub {
	my ($name) = @_;
	my @offsets = map { -s $_->logfile } @shards;
	my ($stdout, $stderr);
	$coord->psql(
		'postgres',
		"SELECT 1 FROM learn.train('$name', 'linear', 'sharded', 'y', ARRAY['x1', 'x2', 'x3'])",
		stdout => \$stdout,
		stderr => \$stderr,
		on_error_die => 1,
		connstr => $coord->connstr('postgres') . ' user=alice');
	my $pushed = 1;
	foreach my $i (0 .. $#shards)
	{
		$pushed &&= slurp_file($shards[$i]->logfile, $offsets[$i]) =~ /learn\.linear_partial\(/;
	}
	return ($stderr, $pushed);
};
my ($alice_err, $alice_pushed) = $train_alice->('a_whole');
like(
	$alice_err,
	qr/NOTICE:  partitioned table "sharded" is read as a whole: the current role may not read its partition "sharded_1" directly/,
	'a role without SELECT on the partitions: a NOTICE');
ok(!$alice_pushed, 'a role without SELECT on the partitions: the table is read as a whole');
cmp_ok($coord->safe_psql('postgres', "SELECT coef_diff('a_whole', 'l_plain')"),
	'<=', $tol, 'a role without SELECT on the partitions: the same fit');
$coord->safe_psql('postgres', 'GRANT SELECT ON sharded_1, sharded_2 TO alice');
($alice_err, $alice_pushed) = $train_alice->('a_shards');
unlike($alice_err, qr/NOTICE/, 'granted the partitions: no NOTICE');
ok($alice_pushed, 'granted the partitions: the shards compute the states');
cmp_ok($coord->safe_psql('postgres', "SELECT coef_diff('a_shards', 'l_plain')"),
	'<=', $tol, 'granted the partitions: the same fit');

# Row-level security on the partitioned table: its policy applies, so the
# partitions are not read directly (their own policies would apply).
$coord->safe_psql(
	'postgres', q{
ALTER TABLE sharded ENABLE ROW LEVEL SECURITY;
CREATE POLICY not_c ON sharded TO alice USING (g <> 'c');
});
($alice_err, $alice_pushed) = $train_alice->('a_rls');
ok(!$alice_pushed, 'row-level security: the table is read as a whole');
is( $coord->safe_psql('postgres', "SELECT n_rows + n_skipped FROM learn.models WHERE name = 'a_rls'"),
	$coord->safe_psql('postgres', "SELECT count(*) FROM whole WHERE g <> 'c'"),
	'row-level security: the policy\'s rows, and only those');
$coord->safe_psql('postgres', 'ALTER TABLE sharded DISABLE ROW LEVEL SECURITY');

# a shard that is down: a clear error, and no model
my $models = $coord->safe_psql('postgres',
	'SELECT count(*), max(id), string_agg(name, \',\' ORDER BY id) FROM learn.models');
$shards[1]->stop;
like(
	error_of($coord, 'postgres', $coord->safe_psql('postgres', 'SELECT current_user'),
		q{SELECT learn.train('s_down', 'linear', 'sharded', 'y', ARRAY['x1', 'x2'])}),
	qr/^08001 could not connect to server "shard2"/,
	'a shard that is down: the training fails with a connection error');
is( $coord->safe_psql('postgres',
		'SELECT count(*), max(id), string_agg(name, \',\' ORDER BY id) FROM learn.models'),
	$models, 'a shard that is down: no model was stored');
$shards[1]->start;
$coord->safe_psql('postgres',
	q{SELECT 1 FROM learn.train('s_down', 'linear', 'sharded', 'y', ARRAY['x1', 'x2', 'x3'])});
cmp_ok($coord->safe_psql('postgres', "SELECT coef_diff('s_down', 'l_plain')"),
	'<=', $tol, 'the shard back: the training succeeds');

$coord->stop;
$_->stop foreach @shards;
done_testing();
