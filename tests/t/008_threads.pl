
# Copyright (c) pg_learn contributors
#
# A backend that trained and scored a model runs one thread: the BLAS that
# pg_learn loads starts none (Debian's threaded OpenBLAS starts its pool
# as soon as it is loaded, before _PG_init could stop it), and parallelism
# is left to PostgreSQL's workers.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

plan skip_all => 'needs /proc/<pid>/status (Linux)'
  unless -r "/proc/$$/status";

my $node = PostgreSQL::Test::Cluster->new('threads');
$node->init;
$node->start;

$node->safe_psql(
	'postgres', q{
CREATE EXTENSION pg_learn;
CREATE TABLE t AS
SELECT i AS id, sin(i * 0.7071) AS x1, cos(i * 0.3183) AS x2,
       1 + 2 * sin(i * 0.7071) - 3 * cos(i * 0.3183)
         + ((i * 7919 % 1000) / 1000.0 - 0.5)::float8 AS y
FROM generate_series(1, 5000) AS i;
});

# Training, scoring and the look at the thread count all in one backend,
# the process that loaded pg_learn and its BLAS (reading its /proc entries
# from inside: the backend is gone once safe_psql returns).
my $out = $node->safe_psql(
	'postgres', q{
SET max_parallel_workers_per_gather = 0;
SELECT 1 FROM learn.train('m', 'linear', 't', 'y', ARRAY['x1', 'x2']);
SELECT 'scored ' || count(*) FROM t WHERE learn.predict('m', t) IS NOT NULL;
SELECT pg_read_file('/proc/' || pg_backend_pid() || '/status');
SELECT pg_read_file('/proc/' || pg_backend_pid() || '/maps');
});
my ($scored) = $out =~ /^scored (\d+)$/m;
is($scored, '5000', 'the model scored every row');
my ($threads) = $out =~ /^Threads:\s+(\d+)$/m;
is($threads, '1', 'the backend that trained and scored runs one thread');
my @blas = sort { $a cmp $b } keys %{
	{ map { $_ => 1 } $out =~ m{(/\S*(?:blas|lapack)\S*)}g }
};
diag("BLAS and LAPACK libraries mapped in the backend:\n  " . join("\n  ", @blas));
ok(scalar(grep { m{/libopenblas} } @blas), 'the backend mapped OpenBLAS')
  or diag("mapped: @blas");

# LAPACK and OpenBLAS are opened when a routine is first called
# (src/numeric/lapack.c), not when pg_learn is loaded: a session that only
# scores never maps them (loading them costs a process 10-30 ms, paid by
# every parallel worker and new session before).  The model trained above
# is scored in a fresh session, which then trains and maps them.
$out = $node->safe_psql(
	'postgres', q{
SET max_parallel_workers_per_gather = 0;
SELECT 'scored ' || count(*) FROM t WHERE learn.predict('m', t) IS NOT NULL;
SELECT 'scoring ' || pg_read_file('/proc/' || pg_backend_pid() || '/maps');
SELECT 1 FROM learn.train('m2', 'linear', 't', 'y', ARRAY['x1', 'x2']);
SELECT 'training ' || pg_read_file('/proc/' || pg_backend_pid() || '/maps');
});
($scored) = $out =~ /^scored (\d+)$/m;
is($scored, '5000', 'a fresh session scored every row');
my ($scoring, $training) = $out =~ /^scoring (.*)^training (.*)/ms;
ok(defined $scoring && $scoring =~ /pg_learn\.so/,
	'the scoring session mapped pg_learn');
unlike($scoring // '', qr{libopenblas|liblapack},
	'a session that only scored mapped no LAPACK or BLAS');
like($training // '', qr{/libopenblas},
	'the same session mapped OpenBLAS once it trained');

$node->stop;
done_testing();
