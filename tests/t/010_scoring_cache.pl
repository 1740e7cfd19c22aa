
# Copyright (c) pg_learn contributors
#
# The per-backend scoring cache, watched through its DEBUG1 lines
# ("loading model version", "loaded group", "loaded all N groups"):
# (a) a loaded version survives what cannot change it: ANALYZE and VACUUM
#     of learn.models, a deploy or training of another model, a redeploy
#     of its own name; a redeploy committed by another session is still
#     seen by the next statement, also by a PL/pgSQL call site that lives
#     on in a transaction;
# (b) after DROP EXTENSION and CREATE EXTENSION an id that comes back
#     never serves the old model, not even within one transaction;
# (c) a model with 100,000 groups: scoring a few groups loads only those,
#     also in parallel workers; scoring many loads all of them once; a
#     full load can be cancelled and leaves the cache usable.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('scoring_cache');
$node->init;
$node->append_conf(
	'postgresql.conf', qq{
max_worker_processes = 8
max_parallel_workers = 8
});
$node->start;

$node->safe_psql(
	'postgres', q{
CREATE EXTENSION pg_learn;
CREATE TABLE d AS
SELECT i, sin(i * 0.1) AS x, 1 + 2 * sin(i * 0.1) + cos(i * 7.7) * 0.1 AS y
  FROM generate_series(1, 500) i;
SELECT 1 FROM learn.train('m', 'linear', 'd', 'y', '{x}');
SELECT 1 FROM learn.train('other', 'linear', 'd', 'y', '{x}');
SELECT 1 FROM learn.train('other', 'linear', 'd', 'y', '{x}');
});

# run $sql in session $s; its output and the number of lines matching $re
# among the messages it sent
sub run
{
	my ($s, $sql, $re) = @_;
	$s->{stderr} = '';
	my $out = $s->query($sql);
	my $n = () = $s->{stderr} =~ /$re/g;
	return ($out, $n);
}

# the same, dying on an error
sub sq
{
	my ($s, $sql) = @_;
	$s->{stderr} = '';
	my $out = $s->query($sql);
	die "query failed: $s->{stderr}" if $s->{stderr} =~ /ERROR/;
	return $out;
}

my $loads = qr/pg_learn: loading model version/;
my $score_m = q{SELECT round(learn.predict('m', ARRAY[0.5])::numeric, 9)};

# ---------------------------------------------------------------------
# (a) what does not empty the cache
# ---------------------------------------------------------------------
my $s = $node->background_psql('postgres', on_error_stop => 0);
sq($s, 'SET client_min_messages = debug1');

my ($v1, $n) = run($s, $score_m, $loads);
is($n, 1, 'the first score loads the version');
($_, $n) = run($s, $score_m, $loads);
is($n, 0, 'the next statement uses the cache');

for my $cmd ('ANALYZE learn.models', 'VACUUM learn.models',
	"SELECT 1 FROM learn.deploy('other', 1)",
	"SELECT 1 FROM learn.train('other', 'linear', 'd', 'y', '{x}')")
{
	run($s, $cmd, $loads);
	my ($v, $n) = run($s, $score_m, $loads);
	is($n, 0, "the version stays cached after $cmd");
	is($v, $v1, "the same prediction after $cmd");
}

# a redeploy committed by another session: the next statement sees it
$node->safe_psql('postgres',
	q{SELECT 1 FROM learn.train('m', 'linear', 'SELECT * FROM d WHERE i > 100', 'y', '{x}')});
my $v2_expected = $node->safe_psql('postgres', q{
SELECT round(sum(estimate * CASE position WHEN 0 THEN 1 ELSE 0.5 END)::numeric, 9)
  FROM learn.coefficients c JOIN learn.models m ON m.id = c.model_id
 WHERE m.name = 'm' AND m.version = 2});
my $v2;
($v2, $n) = run($s, $score_m, $loads);
is($v2, $v2_expected, 'a version trained and deployed by another session is scored by the next statement');
is($n, 1, 'the new version is loaded');
isnt($v2, $v1, 'the new version predicts otherwise');

$node->safe_psql('postgres', q{SELECT 1 FROM learn.deploy('m', 1)});
my $v;
($v, $n) = run($s, $score_m, $loads);
is($v, $v1, 'a redeploy of version 1 by another session is seen by the next statement');
is($n, 0, 'version 1 was still cached');

# the same inside a transaction that keeps a PL/pgSQL call site
sq($s, q{
CREATE FUNCTION score_m(x float8) RETURNS float8 LANGUAGE plpgsql AS
$$BEGIN RETURN round(learn.predict('m', ARRAY[x])::numeric, 9); END$$});
sq($s, 'BEGIN');
($v, $n) = run($s, 'SELECT score_m(0.5)', $loads);
is($v, $v1, 'in a transaction: version 1');
sq($s, q{SELECT 1 FROM learn.deploy('m', 2)});
($v, $n) = run($s, 'SELECT score_m(0.5)', $loads);
is($v, $v2, 'in a transaction: the redeploy is seen by the next statement');
is($n, 0, 'in a transaction: version 2 was still cached');
sq($s, 'COMMIT');

# and one committed by another session while this one is in a transaction
# that keeps the call site
sq($s, 'BEGIN');
is(sq($s, 'SELECT score_m(0.5)'), $v2, 'in a transaction: version 2');
$node->safe_psql('postgres', q{SELECT 1 FROM learn.deploy('m', 1)});
is(sq($s, 'SELECT score_m(0.5)'), $v1,
	'in a transaction: a redeploy by another session is seen by the next statement');
sq($s, 'COMMIT');

# ---------------------------------------------------------------------
# (b) a recreated extension reuses ids
# ---------------------------------------------------------------------
my $id_of = q{SELECT id FROM learn.models WHERE name = '%s' AND deployed};
my $expected = q{
SELECT round(sum(estimate * CASE position WHEN 0 THEN 1 ELSE 0.5 END)::numeric, 9)
  FROM learn.coefficients c JOIN learn.models m ON m.id = c.model_id
 WHERE m.name = '%s' AND m.deployed};
my $m_id = sq($s, q{SELECT id FROM learn.models WHERE name = 'm' AND version = 1});
$node->safe_psql(
	'postgres', q{
DROP EXTENSION pg_learn CASCADE;
CREATE EXTENSION pg_learn;
SELECT 1 FROM learn.train('n1', 'linear', 'SELECT * FROM d WHERE i > 300', 'y', '{x}');
SELECT 1 FROM learn.train('n2', 'linear', 'SELECT * FROM d WHERE i < 200', 'y', '{x}');
SELECT 1 FROM learn.train('n3', 'linear', 'SELECT * FROM d WHERE i > 400', 'y', '{x}');
});
my $reused = sq($s, q{SELECT name FROM learn.models WHERE id = } . $m_id);
ok($reused ne '', "id $m_id now names model $reused of the new extension");
($v, $n) = run($s, sprintf(q{SELECT round(learn.predict('%s', ARRAY[0.5])::numeric, 9)}, $reused),
	$loads);
is($v, sq($s, sprintf($expected, $reused)),
	'a recreated extension: the reused id scores the new model');
is($n, 1, 'a recreated extension: the reused id is loaded again');

# the same transaction trains two models under one id and one trained_at
sq($s, 'BEGIN');
sq($s, q{DROP EXTENSION pg_learn CASCADE; CREATE EXTENSION pg_learn});
sq($s, q{SELECT 1 FROM learn.train('a', 'linear', 'SELECT * FROM d WHERE i > 250', 'y', '{x}')});
my $va;
($va, $n) = run($s, q{SELECT round(learn.predict('a', ARRAY[0.5])::numeric, 9)}, $loads);
is($n, 1, 'one transaction: model a loaded');
sq($s, q{DROP EXTENSION pg_learn CASCADE; CREATE EXTENSION pg_learn});
sq($s, q{SELECT 1 FROM learn.train('b', 'linear', 'SELECT * FROM d WHERE i < 250', 'y', '{x}')});
is(sq($s, q{SELECT string_agg(id::text || ' ' || (trained_at = now())::text, ',') FROM learn.models}),
	sq($s, sprintf($id_of, 'b')) . ' true',
	'one transaction: b has the id a had and the same trained_at');
my $vb;
($vb, $n) = run($s, q{SELECT round(learn.predict('b', ARRAY[0.5])::numeric, 9)}, $loads);
is($vb, sq($s, sprintf($expected, 'b')), 'one transaction: b scores as b');
isnt($vb, $va, 'one transaction: b is not a');
is($n, 1, 'one transaction: b is loaded');
sq($s, 'COMMIT');
$s->quit;

# ---------------------------------------------------------------------
# (c) a model with 100,000 groups
# ---------------------------------------------------------------------
$node->safe_psql(
	'postgres', q{
CREATE TABLE small AS
SELECT i % 2 AS g, i * 0.1 AS x1, sin(i) AS x2, 1 + i * 0.2 + sin(i) + cos(i * 7.7) * 0.1 AS y
  FROM generate_series(1, 100) i;
SELECT 1 FROM learn.train('big', 'linear', 'small', 'y', group_by => '{g}');
-- groups 2 .. 99999, written directly: intercept k, slopes 0.5 and 1, so
-- that a row (g, 1, 2) of group g scores g + 2.5
INSERT INTO learn.coefficients (model_id, group_key, class, position, term, estimate)
SELECT m.id, ARRAY[k::text], '', p, CASE p WHEN 0 THEN '(intercept)' ELSE 'x' || p END,
       CASE p WHEN 0 THEN k WHEN 1 THEN 0.5 ELSE 1 END
  FROM learn.models m, generate_series(2, 99999) k, generate_series(0, 2) p WHERE m.name = 'big';
CREATE TABLE r AS SELECT i % 100000 AS g, 1.0::float8 AS x1, 2.0::float8 AS x2
  FROM generate_series(1, 200000) i;
ANALYZE r;
ANALYZE learn.coefficients;
});

my $group = qr/pg_learn: loaded group/;
my $all = qr/pg_learn: loaded all \d+ groups/;

# a fresh backend scores one group
my ($ret, $out, $err) = $node->psql('postgres', q{
SET client_min_messages = debug1;
SELECT learn.predict('big', r) FROM r WHERE g = 5 LIMIT 1;});
is($out, '7.5', 'group 5 scores 5 + 0.5 * 1 + 1 * 2');
is(scalar(() = $err =~ /$group/g), 1, 'one group scored in a fresh backend: one group loaded');
is(scalar(() = $err =~ /$all/g), 0, 'one group scored in a fresh backend: not all groups loaded');

# a group the model does not have is looked up once
($ret, $out, $err) = $node->psql('postgres', q{
SET client_min_messages = debug1;
SELECT count(learn.predict('big', t)) FROM (SELECT -1 AS g, 1.0::float8 AS x1, 2.0::float8 AS x2
  FROM generate_series(1, 100)) t;});
is($out, '0', 'an unknown group scores NULL');
is(scalar(() = $err =~ /$group/g), 1, 'an unknown group is looked up once');

# ten groups on parallel workers: each process loads at most those ten
($ret, $out, $err) = $node->psql('postgres', q{
SET client_min_messages = debug1;
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0; SET max_parallel_workers_per_gather = 4;
SELECT count(learn.predict('big', r)) FROM r WHERE g BETWEEN 10 AND 19;});
is($out, '20', 'ten groups scored in parallel');
my $ngroup = () = $err =~ /$group/g;
ok($ngroup >= 10 && $ngroup <= 50, "ten groups scored in parallel: $ngroup group loads in all processes");
is(scalar(() = $err =~ /$all/g), 0, 'ten groups scored in parallel: no process loads all groups');

# every group: loaded all at once after a bounded number of single loads
($ret, $out, $err) = $node->psql('postgres', q{
SET client_min_messages = debug1;
SET max_parallel_workers_per_gather = 0;
SELECT sum(learn.predict('big', r)) = (SELECT sum(g + 2.5) FROM r WHERE g >= 2),
       count(learn.predict('big', r))
  FROM r WHERE g >= 2;});
is($out, 't|199996', 'every group scored');
is(scalar(() = $err =~ /$all/g), 1, 'every group scored: all groups loaded once');
$ngroup = () = $err =~ /$group/g;
ok($ngroup < 100, "every group scored: $ngroup single group loads first");

# a full load is cancelled by statement_timeout; the next statement works
$s = $node->background_psql('postgres', on_error_stop => 0);
sq($s, q{SET max_parallel_workers_per_gather = 0});
# as many groups as are loaded one by one: the next one loads them all
sq($s, q{SELECT count(learn.predict('big', r)) FROM r WHERE g BETWEEN 2 AND 65});
sq($s, q{SET client_min_messages = debug1});
$s->{stderr} = '';
$s->query(q{SET statement_timeout = '20ms';
SELECT learn.predict('big', t) FROM (SELECT 1000 AS g, 1.0::float8 AS x1, 2.0::float8 AS x2) t});
like($s->{stderr}, qr/canceling statement due to statement timeout/,
	'loading every group is cancelled by statement_timeout');
unlike($s->{stderr}, $all, 'the cancelled load did not finish');
sq($s, q{RESET statement_timeout});
($v, $n) = run($s, q{SELECT sum(learn.predict('big', r)) = (SELECT sum(g + 2.5) FROM r WHERE g >= 2),
       count(learn.predict('big', r)) FROM r WHERE g >= 2}, $all);
is($v, "t|199996", 'after the cancel every group scores right');
is($n, 1, 'after the cancel all groups load once');
$s->quit;

# (d) the catalog's lookups read its indexes themselves: with
# ignore_system_indexes (any role may set it when it connects) a scan of
# the table instead would find a version of the name that is not the
# deployed one, and the levels of a categorical parent out of order
$node->safe_psql(
	'postgres', q{
SELECT 1 FROM learn.train('isi', 'linear', 'SELECT * FROM d WHERE i <= 200', 'y', '{x}');
SELECT 1 FROM learn.train('isi', 'linear', 'SELECT * FROM d WHERE i > 200', 'y', '{x}');
SELECT 1 FROM learn.train('isi', 'linear', 'SELECT * FROM d WHERE i % 2 = 0', 'y', '{x}');
SELECT learn.deploy('isi', 2);
CREATE TABLE dc AS SELECT i, x, y, (ARRAY['c', 'a', 'b'])[1 + i % 3] AS c FROM d;
SELECT 1 FROM learn.train('isi_c', 'linear', 'dc', 'y', '{x,c}');});
my $isi = $node->connstr('postgres') . q{ options='-c ignore_system_indexes=on'};
my $scores = q{SELECT learn.predict('isi', d) = learn.predict('isi@2', d),
	   learn.predict('isi', d) <> learn.predict('isi@1', d) FROM d WHERE i = 7};
is($node->safe_psql('postgres', $scores, connstr => $isi), 't|t',
	'ignore_system_indexes: the deployed version scores');
is($node->safe_psql('postgres', q{SELECT n_rows FROM learn.update('isi_c', 'dc')}, connstr => $isi),
	'1000', 'ignore_system_indexes: a categorical model updates');
is($node->safe_psql('postgres', q{SELECT string_agg(term, ',' ORDER BY position)
  FROM learn.coefficients c JOIN learn.models m ON m.id = c.model_id
 WHERE m.name = 'isi_c' AND m.version = 2}), '(intercept),x,c=b,c=c',
	'ignore_system_indexes: the update kept the levels in order');

done_testing();
