
# Copyright (c) pg_learn contributors
#
# A training of 100,000 groups runs in bounded memory: its backend's peak
# (VmHWM of /proc/<pid>/status, read by the backend itself after the
# statement) stays within 3 times the peak of the plain GROUP BY that
# computes the same states, and grows little from 10,000 groups to
# 100,000.  What must grow with the groups (a robust fit keeps each
# group's coefficients until its second pass) stops at
# learn.max_group_memory with 54000.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

use FindBin;
use lib "$FindBin::RealBin/../lib";
use LearnTest;

plan skip_all => 'needs /proc/<pid>/status (Linux)'
  unless -r "/proc/$$/status";

my $node = PostgreSQL::Test::Cluster->new('group_memory');
$node->init;
# small shared buffers: VmHWM counts the shared pages a backend touched,
# so they bound what the catalog writes can add to the peak; a small WAL:
# the test writes a million catalog rows, and its cluster's files (1 GB
# with the default max_wal_size) filled the space a release of
# scripts/debian-matrix.sh has
$node->append_conf(
	'postgresql.conf', q{
shared_buffers = 16MB
max_wal_size = 96MB
min_wal_size = 32MB
work_mem = 4MB
max_parallel_workers_per_gather = 0
jit = off
});
$node->start;

# 600,000 rows: 100,000 groups of 6 rows (g) and 10,000 groups of 60 (h)
$node->safe_psql(
	'postgres', q{
CREATE EXTENSION pg_learn;
CREATE TABLE t AS
SELECT i % 100000 AS g, i % 10000 AS h,
       sin(i * 0.7071) AS x1, cos(i * 0.3183) AS x2,
       (i % 7) + 2 * sin(i * 0.7071) - 3 * cos(i * 0.3183)
         + ((i::bigint * 7919 % 1000) / 1000.0 - 0.5)::float8 AS y
FROM generate_series(1, 600000) AS i;
VACUUM ANALYZE t;
});

# The peak resident memory, in kB, of a fresh backend that ran $sql, which
# must neither fail nor warn (a spool that spilled to a temporary file and
# was not closed would warn at commit).
sub peak_kb
{
	my ($sql) = @_;
	my ($ret, $status, $stderr) = $node->psql('postgres',
		"$sql;\nSELECT pg_read_file('/proc/self/status');");
	die "failed ($ret): $stderr" if $ret != 0;
	is($stderr, '', 'no warning: ' . (split /\n/, $sql)[0]);
	$status =~ /^VmHWM:\s+(\d+) kB/m
	  or die "no VmHWM in: $status";
	return $1;
}

my $states = peak_kb(
	q{SELECT count(st) FROM (SELECT g, learn.linear_partial(y, 1, x1, x2) AS st
	  FROM t GROUP BY g) AS s});
my $train100k = peak_kb(
	q{SELECT 1 FROM learn.train('m100k', 'linear', 't', 'y', '{x1,x2}',
	  '{"deploy": false}', group_by => '{g}')});
my $train10k = peak_kb(
	q{SELECT 1 FROM learn.train('m10k', 'linear', 't', 'y', '{x1,x2}',
	  '{"deploy": false}', group_by => '{h}')});
my $robust100k = peak_kb(
	q{SELECT 1 FROM learn.train('r100k', 'linear', 't', 'y', '{x1,x2}',
	  '{"deploy": false, "robust": "HC1"}', group_by => '{g}')});
my $robust10k = peak_kb(
	q{SELECT 1 FROM learn.train('r10k', 'linear', 't', 'y', '{x1,x2}',
	  '{"deploy": false, "robust": "HC1"}', group_by => '{h}')});
diag sprintf(
	"peak memory (VmHWM): states GROUP BY %.1f MB; training 100k groups %.1f MB, "
	  . "10k groups %.1f MB, robust 100k groups %.1f MB, robust 10k groups %.1f MB",
	$states / 1024, $train100k / 1024, $train10k / 1024, $robust100k / 1024,
	$robust10k / 1024);

# the trainings stored every group: the bounds below bound real work
is( $node->safe_psql(
		'postgres', q{
SELECT m.name || ' ' || (SELECT count(*) FROM learn.groups gr WHERE gr.model_id = m.id AND gr.fitted)
       || ' ' || (SELECT count(*) FROM learn.coefficients c WHERE c.model_id = m.id)
FROM learn.models m ORDER BY m.name}),
	"m100k 100000 300000\nm10k 10000 30000\nr100k 100000 300000\nr10k 10000 30000",
	'every group is fitted and stored');

# Beyond hash_mem a serial pass's table errors, which ends the scan there
# (learn.train catches the error and groups with GROUP BY): the training
# of 100,000 groups reads the table once and a little, not twice (the
# statistics count tuples read by scans that were then rolled back too).
my $seq_read = sub {
	$node->safe_psql('postgres',
		q{SELECT seq_tup_read FROM pg_stat_user_tables WHERE relname = 't'});
};
my $before = $seq_read->();
$node->safe_psql('postgres',
	q{SELECT 1 FROM learn.train('m100k_again', 'linear', 't', 'y', '{x1,x2}',
	  '{"deploy": false}', group_by => '{g}')});
my $read = $seq_read->() - $before;
cmp_ok($read, '>=', 600000, 'the training read every row');
cmp_ok($read, '<', 700000,
	"the kept attempt stopped early: $read rows read for 600,000");

cmp_ok($train100k, '<=', 3 * $states,
	'100k groups train within 3x the memory of the GROUP BY of their states');
cmp_ok($train100k - $train10k, '<=', 16 * 1024,
	'10x the groups adds at most 16 MB to the peak');
# groups of 60 rows: the robust pass's states of small groups keep no row
# buffer (a 1024-row block each would be 10,000 x 40 kB)
cmp_ok($robust10k, '<=', 3 * $states,
	'the robust fit of 10k groups of 60 rows within 3x the GROUP BY of the states');

# what must grow has a limit
my $err = error_of($node, 'postgres', 'postgres',
	q{SET learn.max_group_memory = '1MB';
	  SELECT 1 FROM learn.train('r', 'linear', 't', 'y', '{x1,x2}',
	  '{"robust": "HC1"}', group_by => '{g}')});
like($err, qr/^54000 training a linear model needs more than learn.max_group_memory \(1024 kB\)/,
	'a robust fit of more groups than learn.max_group_memory holds stops with 54000');
is($node->safe_psql('postgres', q{SELECT count(*) FROM learn.models WHERE name = 'r'}),
	'0', 'and stores nothing');

$node->stop;
done_testing();
