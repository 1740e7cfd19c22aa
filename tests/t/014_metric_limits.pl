
# Copyright (c) pg_learn contributors
#
# learn.auc at scale: millions of scores cross from parallel workers to
# the leader as serialized states and give exactly the serial result; one
# score beyond the limit of a group (100 million, 800 MB: a worker's
# partial state must fit in one bytea) stops with 54000 and a hint, the
# backend's memory stays near the scores' 800 MB, and the session goes on.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

use FindBin;
use lib "$FindBin::RealBin/../lib";
use LearnTest;

my $node = PostgreSQL::Test::Cluster->new('metric_limits');
$node->init;
$node->append_conf(
	'postgresql.conf', q{
max_worker_processes = 8
max_parallel_workers = 8
jit = off
});
$node->start;

# 2M rows, scores with ties (3 decimals) and a class drawn from them
$node->safe_psql(
	'postgres', q{
CREATE EXTENSION pg_learn;
CREATE TABLE s AS
SELECT round(sin(i * 0.7071)::numeric, 3)::float8 AS score,
       (i::bigint * 7919 % 1000) / 1000.0 < 0.5 + 0.4 * sin(i * 0.7071) AS actual,
       i % 3 AS g
FROM generate_series(1, 2000000) AS i;
ALTER TABLE s SET (parallel_workers = 2);
VACUUM ANALYZE s;
});

my $parallel = q{
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
};
my $query = q{
SELECT learn.auc(actual, score)::text FROM s
UNION ALL
SELECT string_agg(a::text, ',' ORDER BY g)
  FROM (SELECT g, learn.auc(actual, score) AS a FROM s GROUP BY g) AS p};

like(
	$node->safe_psql('postgres', "$parallel EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) $query"),
	qr/Workers Launched: 2.*Partial \w*Aggregate/s,
	'the scores of 2M rows are read by 2 workers');
my $serial = $node->safe_psql('postgres',
	"SET max_parallel_workers_per_gather = 0; $query");
like($serial, qr/^0\.\d+\n0\.\d+,0\.\d+,0\.\d+$/, 'an AUC overall and per group');
is($node->safe_psql('postgres', "$parallel $query"),
	$serial, 'the parallel AUC is the serial one, to the last digit');

# One score too many: 100,010,000 in one group.  The peak resident memory
# of the backend (VmHWM) stays near the scores' 800 MB.
my ($ret, $out, $err) = $node->psql(
	'postgres', q{
\set VERBOSITY verbose
SET max_parallel_workers_per_gather = 0;
SELECT learn.auc(b % 2 = 0, b) FROM generate_series(1, 10000) AS a, generate_series(1, 10001) AS b;
\set VERBOSITY default
SELECT learn.auc(b % 2 = 0, b) FROM generate_series(1, 100) AS b;
SELECT (regexp_match(pg_read_file('/proc/self/status'), 'VmHWM:\s+(\d+) kB'))[1];
},
	on_error_stop => 0);
like(
	$err,
	qr/ERROR:\s+54000: learn\.auc keeps at most 100000000 scores a group\n.*HINT:\s+Compute it over a sample/s,
	'100 million scores and one more: 54000 with a hint');
my ($auc, $peak_kb) = split /\n/, $out;
is($auc, '0.51', 'the session goes on');
SKIP:
{
	skip 'needs /proc/<pid>/status (Linux)', 1 unless defined $peak_kb && $peak_kb =~ /^\d+$/;
	cmp_ok($peak_kb, '<', 1_200_000, "the backend's peak stays near the scores' 800 MB ($peak_kb kB)");
}
is($node->safe_psql('postgres', 'SELECT 1'), '1', 'the server is up');

$node->stop;
done_testing();
