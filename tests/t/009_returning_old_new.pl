
# Copyright (c) pg_learn contributors
#
# learn.predict(model, old) and learn.predict(model, new) in a RETURNING
# list (PostgreSQL 18 and later): the planner rewrite that replaces the
# whole-row argument by its columns keeps reading the same version of the
# row, the one before the UPDATE for old, the one after for new.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('returning');
$node->init;
$node->start;

if ($node->safe_psql('postgres', 'SHOW server_version_num') < 180000)
{
	$node->stop;
	plan skip_all => 'RETURNING old and new need PostgreSQL 18';
}

$node->safe_psql(
	'postgres', q{
CREATE EXTENSION pg_learn;
CREATE TABLE t AS
SELECT i AS id, i::float8 AS x1, (i % 7)::float8 AS x2,
       2 * i + 3 * (i % 7) + 1 + (i % 3) * 0.1 AS y
FROM generate_series(1, 100) AS i;
SELECT 1 FROM learn.train('m', 'linear', 't', 'y', ARRAY['x1', 'x2']);
});

my $plan = $node->safe_psql('postgres',
	q{EXPLAIN (VERBOSE, COSTS OFF) UPDATE t SET x1 = x1 + 10 WHERE id = 5
	  RETURNING learn.predict('m', old), learn.predict('m', new)});
like($plan, qr/_predict_cols\([^\n]*old\.x1, old\.x2\)/,
	'predict(m, old) is rewritten to the old columns');
like($plan, qr/_predict_cols\([^\n]*new\.x1, new\.x2\)/,
	'predict(m, new) is rewritten to the new columns');

# the scores equal those of the rows as they were and as they are
my $before = $node->safe_psql('postgres',
	q{SELECT learn.predict('m', t) FROM t WHERE id = 5});
my $returned = $node->safe_psql('postgres',
	q{UPDATE t SET x1 = x1 + 10 WHERE id = 5
	  RETURNING learn.predict('m', old) || ' ' || learn.predict('m', new)});
my $after = $node->safe_psql('postgres',
	q{SELECT learn.predict('m', t) FROM t WHERE id = 5});
is($returned, "$before $after", 'old and new scores are those of the old and new row');
isnt($before, $after, 'the update changed the score');

$node->stop;
done_testing();
