
# Copyright (c) pg_learn contributors
#
# Upgrades from 0.6 (0.7 declares the planner's estimate of each group's
# state, SSPACE, on the aggregates).  A database installs 0.6 from its
# released scripts, trains models of every kind that keeps something in
# the catalog (linear, grouped with states, logistic, categorical), and
# creates views over pg_learn's aggregates.  After ALTER EXTENSION UPDATE:
# the aggregates keep their OIDs (the views still work, with the same
# results), the catalog rows are unchanged, every model scores as before,
# a grouped model trained at 0.6 updates to the fit of all its rows, the
# aggregates carry their estimates, and a hash aggregate of 3,000 groups
# no longer spills; a dump of the updated database restores.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib";
use LearnTest;

my $node = PostgreSQL::Test::Cluster->new('upgrade_0_6');
$node->init;
$node->start;

my $current = $node->safe_psql('postgres',
	q{SELECT default_version FROM pg_available_extensions WHERE name = 'pg_learn'});

$node->safe_psql(
	'postgres', q{
CREATE ROLE alice LOGIN;
CREATE ROLE bob LOGIN;
CREATE DATABASE up OWNER alice;
});
as_user($node, 'up', 'alice', q{CREATE EXTENSION pg_learn VERSION '0.6'});

# the rows trained on, 400 groups, and rows that come later
as_user(
	$node, 'up', 'alice', q{
CREATE TABLE obs AS
SELECT i AS id, i % 400 AS g, x1, x2,
	   1 + 2 * x1 - 0.5 * x2 + (i % 400) * 0.01 * x1 + sin(i * 0.37) AS y,
	   sin(i * 0.37) + 0.3 * x1 > 0 AS b,
	   (ARRAY['red', 'green', 'blue'])[1 + i % 3] AS colour
  FROM (SELECT i, sin(i * 0.7071) AS x1, cos(i * 0.3183) * 3 AS x2
		  FROM generate_series(1, 6000) AS i) AS s;
CREATE TABLE obs_new AS
SELECT id + 6000 AS id, (g + 7) % 410 AS g, x2 AS x1, x1 AS x2, y + 0.1 AS y, b, colour
  FROM obs WHERE id <= 900;
GRANT SELECT ON obs, obs_new TO PUBLIC;
SELECT count(*) FROM learn.train('lin', 'linear', 'obs', 'y', '{x1,x2}');
SELECT count(*) FROM learn.train('grp', 'linear', 'obs', 'y', '{x1,x2}', group_by => '{g}');
SELECT count(*) FROM learn.train('logit', 'logistic', 'obs', 'b', '{x1,x2}');
SELECT count(*) FROM learn.train('cat', 'linear', 'obs', 'y', '{x1,colour}');
CREATE VIEW group_fits AS
SELECT g, learn.linreg(y, ARRAY[1, x1, x2])::text AS fit, learn.r2(y, 1 + 2 * x1) AS r2
  FROM obs GROUP BY g;
CREATE VIEW rolling AS
SELECT id, learn.linreg(y, ARRAY[1, x1]) OVER (ORDER BY id ROWS BETWEEN 29 PRECEDING AND CURRENT ROW)::text AS fit
  FROM obs WHERE id <= 200;
});

my $aggs_q = q{
SELECT string_agg(a.aggfnoid::regprocedure::text || ' ' || a.aggfnoid::oid, ', ' ORDER BY a.aggfnoid::oid)
  FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
 WHERE p.pronamespace = 'learn'::regnamespace};
my $views_q = q{
SELECT md5(string_agg(f::text, '|' ORDER BY g)) FROM group_fits f;
SELECT md5(string_agg(r::text, '|' ORDER BY id)) FROM rolling r};
my $catalog_q = q{
SELECT md5(string_agg(m::text, '|' ORDER BY id)) FROM learn.models m;
SELECT md5(string_agg(c::text, '|' ORDER BY model_id, group_key, class, position)) FROM learn.coefficients c;
SELECT md5(string_agg(g::text, '|' ORDER BY model_id, group_key)) FROM learn.groups g;
SELECT md5(string_agg(e::text, '|' ORDER BY model_id, feature, position)) FROM learn.encodings e;
SELECT count(*) || ' ' || md5(string_agg(s::text, '|' ORDER BY model_id, group_key)) FROM learn.states s};
my $scores_q = q{
SELECT md5(string_agg(concat_ws(' ', learn.predict('lin', o), learn.predict('grp', o),
								learn.predict_proba('logit', o), learn.predict('cat', o)), '|' ORDER BY id))
  FROM obs o};

my $aggs_before = $node->safe_psql('up', $aggs_q);
my $views_before = as_user($node, 'up', 'alice', $views_q);
my $catalog_before = $node->safe_psql('up', $catalog_q);
my $scores_before = as_user($node, 'up', 'bob', $scores_q);
cmp_ok($node->safe_psql('up', q{SELECT count(*) FROM learn.states}), '>', 400,
	'0.6 kept the states of the models that keep them');

as_user($node, 'up', 'alice', q{ALTER EXTENSION pg_learn UPDATE});
is(as_user($node, 'up', 'alice', q{SELECT extversion FROM pg_extension WHERE extname = 'pg_learn'}),
	$current, "the database owner updated the extension to $current");
isnt($current, '0.6', 'to a later version');

is($node->safe_psql('up', $aggs_q), $aggs_before, 'every aggregate keeps its OID');
is(as_user($node, 'up', 'alice', $views_q), $views_before,
	'the views over the aggregates work and give what they gave');
is($node->safe_psql('up', $catalog_q), $catalog_before, 'the catalog rows are unchanged');
is(as_user($node, 'up', 'bob', $scores_q), $scores_before, 'every model scores as before');

is( $node->safe_psql(
		'up', q{
SELECT string_agg(p.proname || ' ' || a.aggtransspace, ', ' ORDER BY p.proname)
  FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
 WHERE p.pronamespace = 'learn'::regnamespace AND a.aggtranstype = 'internal'::regtype
   AND (a.aggtransspace = 0) <> (p.proname = 'auc')}),
	'', 'every aggregate of an internal state but learn.auc declares its estimate');

my $batches = as_user(
	$node, 'up', 'alice', q{
SET work_mem = '4MB';
SET hash_mem_multiplier = 2;
SET max_parallel_workers_per_gather = 0;
SET enable_sort = off;
CREATE TEMP TABLE many AS SELECT i % 3000 AS g, x1, x2, y FROM obs, generate_series(0, 2) AS r(i);
ANALYZE many;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, FORMAT JSON)
SELECT g, learn.linear_partial(y, 1, x1, x2) FROM many GROUP BY g});
like($batches, qr/"HashAgg Batches": 1,/, 'a hash aggregate of 3,000 groups keeps them in memory');

# the grouped model trained at 0.6 updates to the fit of all its rows,
# new groups included
as_user(
	$node, 'up', 'alice', q{
SELECT count(*) FROM learn.update('grp', 'obs_new');
SELECT count(*) FROM learn.train('grp_all', 'linear',
	'SELECT g, x1, x2, y FROM obs UNION ALL SELECT g, x1, x2, y FROM obs_new', 'y', '{x1,x2}',
	group_by => '{g}')});
is( $node->safe_psql(
		'up', q{
SELECT (count(*) = (SELECT count(*) FROM learn.coefficients c JOIN learn.models m ON m.id = c.model_id
					 WHERE m.name = 'grp_all')) || ' ' || count(*) FILTER (WHERE abs(u.estimate - a.estimate) > 1e-9 * abs(a.estimate)
										   OR abs(u.std_error - a.std_error) > 1e-9 * abs(a.std_error))
  FROM learn.coefficients u
  JOIN learn.models mu ON mu.id = u.model_id AND mu.name = 'grp' AND mu.version = 2
  JOIN learn.models ma ON ma.name = 'grp_all'
  JOIN learn.coefficients a ON a.model_id = ma.id AND a.group_key = u.group_key
						   AND a.position = u.position}),
	'true 0', 'the update of a 0.6 model equals the training of all its rows, group by group');

dump_restore($node, 'up', 'restored', 'alice', $current, 'the updated database');
is($node->safe_psql('restored', $catalog_q), $node->safe_psql('up', $catalog_q),
	'with the catalog rows');
is(as_user($node, 'restored', 'bob', $scores_q), as_user($node, 'up', 'bob', $scores_q),
	'whose models score as in the database dumped (grp@2 deployed)');
is(as_user($node, 'restored', 'alice', $views_q), $views_before, 'and the views');

$node->stop;
done_testing();
