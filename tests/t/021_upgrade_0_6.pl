
# Copyright (c) pg_learn contributors
#
# Upgrades from 0.6 keep models and their states.  A database installs
# version 0.6 (the chain of released scripts) and loads the catalog rows
# and results that pg_learn 0.6's own library wrote
# (tests/fixtures/v0_6_catalog.sql, made by make_v0_6_fixture.sh): a model
# of every family and feature kind, and what 0.6 added: stored states,
# versions made by learn.update (plain, grouped with a new group,
# categorical, with expressions, of an imported model, of another role),
# imported documents with states; with every score, export document and
# state 0.6 gave.  Views over the aggregates are created at 0.6.
#
# With this library installed, before and after ALTER EXTENSION UPDATE,
# every model scores as 0.6 did (equal, or a float within 4 ulps),
# exports 0.6's document (but for pg_learn_version), and the states are
# 0.6's, byte for byte.  The update (0.7 declares each aggregate's state
# estimate, SSPACE) keeps the aggregates' OIDs (the views work and give
# what they gave) and the catalog rows; the aggregates carry their
# estimates, and a hash aggregate of 3,000 groups no longer spills.  A 0.6
# model updated again with the rows 0.6 merged gives 0.6's update (to
# 1e-12), grouped too; a dump of the updated database restores.

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
# the fixture's server wrote the documents' trained_at in UTC
$node->append_conf('postgresql.conf', "timezone = 'UTC'");
$node->start;

my $current = $node->safe_psql('postgres',
	q{SELECT default_version FROM pg_available_extensions WHERE name = 'pg_learn'});

load_fixture($node, '0.6', 'obs', 'scores_v0_6', 'exports_v0_6', 'states_v0_6');
create_same_score($node, 'up');

# what the fixture holds, so that the comparisons below compare something
is( $node->safe_psql(
		'up', q{
SELECT (SELECT count(*) FROM learn.models) || ' versions, '
       || (SELECT count(*) FROM learn.models WHERE params ? 'updated_from') || ' updated, '
       || (SELECT count(*) FROM learn.models WHERE params ? 'imported_from') || ' imported, '
       || (SELECT count(DISTINCT model_id) || ' with ' || count(*) FROM learn.states) || ' states, '
       || (SELECT count(*) FROM exports_v0_6 WHERE jsonb_array_length(doc -> 'states') > 0)
       || ' documents with states, '
       || (SELECT count(*) FROM scores_v0_6) || ' scores'}),
	'26 versions, 6 updated, 2 imported, 19 with 33 states, 19 documents with states, 7800 scores',
	'the fixture: 0.6\'s models, updates, imports, states, documents and scores');

# every score as 0.6 gave it (a regression's value, a classifier's label
# and the probability of its last class)
my $scores_q = q{
SELECT count(*) || ' scores, differing: '
       || coalesce(string_agg(DISTINCT m.name || '@' || m.version, ' ')
                     FILTER (WHERE NOT (public.same_score(x.predicted, s.predicted)
                                        AND public.same_score(x.label, s.label)
                                        AND public.same_score(x.proba, s.proba))), 'none')
  FROM scores_v0_6 s JOIN learn.models m ON m.id = s.model_id JOIN obs o ON o.id = s.id,
       LATERAL (SELECT CASE WHEN m.task <> 'classification' THEN learn.predict(m.name || '@' || m.version, o) END AS predicted,
                       CASE WHEN m.task = 'classification' THEN learn.predict_label(m.name || '@' || m.version, o) END AS label,
                       CASE WHEN m.task = 'classification'
                            THEN learn.predict_proba(m.name || '@' || m.version, o, m.classes[array_length(m.classes, 1)]) END AS proba) x};
my $scores_equal = '7800 scores, differing: none';

# every version's document as its name's owner exports it (states
# included), but for pg_learn_version; run as each owner
my $exports_q = q{
SELECT count(*) || ' documents, differing: '
       || coalesce(string_agg(name || '@' || version, ' ' ORDER BY id)
                     FILTER (WHERE learn.export_model(name || '@' || version)
                                   IS DISTINCT FROM
                                   jsonb_set(doc, '{pg_learn_version}',
                                             to_jsonb((SELECT extversion FROM pg_extension
                                                       WHERE extname = 'pg_learn')))),
                   'none')
  FROM exports_v0_6 WHERE trained_by = current_user};

# the stored states, byte for byte
my $states_q = q{
SELECT count(*) || ' states, differing: '
       || count(*) FILTER (WHERE s.state IS DISTINCT FROM f.state)
  FROM learn.states s FULL JOIN states_v0_6 f USING (model_id, group_key)};
my $states_equal = '33 states, differing: 0';

is(as_user($node, 'up', 'bob', $scores_q), $scores_equal,
	'before the update every model scores as 0.6 did');
is(as_user($node, 'up', 'alice', $exports_q), '23 documents, differing: none',
	'and exports 0.6\'s documents (alice\'s, with their states)');
is(as_user($node, 'up', 'bob', $exports_q), '3 documents, differing: none', 'and bob\'s');
is($node->safe_psql('up', $states_q), $states_equal, 'the states are 0.6\'s');

# views over the aggregates, made at 0.6
as_user(
	$node, 'up', 'alice', q{
CREATE VIEW group_fits AS
SELECT store, learn.linreg(y, ARRAY[1, x1, x2])::text AS fit, learn.r2(y, 12 + 0.8 * x1) AS r2
  FROM obs GROUP BY store;
CREATE VIEW rolling AS
SELECT id, learn.linreg(y, ARRAY[1, x1]) OVER (ORDER BY id ROWS BETWEEN 29 PRECEDING AND CURRENT ROW)::text AS fit
  FROM obs;
});
# (0.8 adds learn._linear_meat_groups, 0.9 learn._glm_pass_groups: the
# aggregates 0.6 had)
my $aggs_q = q{
SELECT string_agg(a.aggfnoid::regprocedure::text || ' ' || a.aggfnoid::oid, ', ' ORDER BY a.aggfnoid::oid)
  FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
 WHERE p.pronamespace = 'learn'::regnamespace
   AND p.proname NOT IN ('_linear_meat_groups', '_glm_pass_groups')};
my $views_q = q{
SELECT md5(string_agg(f::text, '|' ORDER BY store)) FROM group_fits f;
SELECT md5(string_agg(r::text, '|' ORDER BY id)) FROM rolling r};
my $aggs_before = $node->safe_psql('up', $aggs_q);
my $views_before = as_user($node, 'up', 'alice', $views_q);
my $catalog_before = catalog_digest($node, 'up');

as_user($node, 'up', 'alice', q{ALTER EXTENSION pg_learn UPDATE});
is(as_user($node, 'up', 'alice', q{SELECT extversion FROM pg_extension WHERE extname = 'pg_learn'}),
	$current, "the database owner updated the extension to $current");
isnt($current, '0.6', 'to a later version');

is($node->safe_psql('up', $aggs_q), $aggs_before, 'every aggregate keeps its OID');
is(as_user($node, 'up', 'alice', $views_q), $views_before,
	'the views over the aggregates work and give what they gave');
is(catalog_digest($node, 'up'), $catalog_before, 'the catalog rows are unchanged');
is(as_user($node, 'up', 'bob', $scores_q), $scores_equal,
	'after the update every model scores as 0.6 did');
is(as_user($node, 'up', 'alice', $exports_q), '23 documents, differing: none',
	"and exports 0.6's documents, but for pg_learn_version $current");
is(as_user($node, 'up', 'bob', $exports_q), '3 documents, differing: none', 'bob\'s too');

is( $node->safe_psql(
		'up', q{
SELECT string_agg(p.proname || ' ' || a.aggtransspace, ', ' ORDER BY p.proname)
  FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
 WHERE p.pronamespace = 'learn'::regnamespace AND a.aggtranstype = 'internal'::regtype
   AND (a.aggtransspace = 0) <> (p.proname = 'auc')}),
	'', 'every aggregate of an internal state but learn.auc declares its estimate');
like(
	as_user(
		$node, 'up', 'alice', q{
SET work_mem = '4MB';
SET hash_mem_multiplier = 2;
SET max_parallel_workers_per_gather = 0;
SET enable_sort = off;
CREATE TEMP TABLE many AS SELECT (id * 10 + r) % 3000 AS g, x1, x2, y FROM obs, generate_series(0, 9) AS r;
ANALYZE many;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, FORMAT JSON)
SELECT g, learn.linear_partial(y, 1, x1, x2) FROM many GROUP BY g}),
	qr/"HashAgg Batches": 1,/, 'a hash aggregate of 3,000 groups keeps them in memory');

# 0.8's robust pass keeps its groups in its aggregate (DEBUG1 says so of
# both passes)
{
	my ($ret, $out, $err) = $node->psql(
		'up', q{SET client_min_messages = debug1;
SELECT 1 FROM learn.train('robust_kept', 'linear', 'obs', 'y', '{x1,x2}',
                          '{"deploy": false, "robust": "HC1"}', group_by => '{store}')});
	is($ret, 0, 'after the update a robust grouped fit trains');
	like($err, qr/groups kept by the aggregate.*\n.*groups kept by the aggregate/,
		'and keeps its groups in its aggregates, both passes');
}

# 0.9's IRLS passes keep their groups in their aggregate (DEBUG1 says so
# of each pass: the first, from R's starting means, and the iterations)
{
	my ($ret, $out, $err) = $node->psql(
		'up', q{SET client_min_messages = debug1;
SELECT 1 FROM learn.train('poisson_kept', 'glm', 'obs', 'claims', '{x1,x2}',
                          '{"deploy": false, "family": "poisson"}', group_by => '{store}')});
	is($ret, 0, 'after the update a grouped poisson fit trains');
	my $kept = () = $err =~ /groups kept by the aggregate/g;
	cmp_ok($kept, '>=', 3, "and keeps its groups in its aggregate, every pass ($kept)");
	unlike($err, qr/reading them with GROUP BY/, 'no pass groups with GROUP BY');
}

# 0.6's states updated again with the rows 0.6 merged into them: 0.6's
# update, to 1e-12 (the grouped one with its new group)
as_user(
	$node, 'up', 'alice', q{
SELECT 1 FROM learn.update('grows@1', 'SELECT * FROM obs WHERE id > 200');
SELECT 1 FROM learn.update('grows_by_store@1',
                           $$SELECT id, CASE WHEN id % 4 = 0 THEN 'market' ELSE store END AS store, x1, x2, y
                               FROM obs WHERE id > 200$$)});
my $same_update_q = q{
SELECT count(*) || ' ' || count(*) FILTER (WHERE abs(n.estimate - o.estimate) > 1e-12 * abs(o.estimate)
                                           OR abs(n.std_error - o.std_error) > 1e-12 * abs(o.std_error))
  FROM learn.models mn JOIN learn.coefficients n ON n.model_id = mn.id
  JOIN learn.models mo ON mo.name = mn.name AND mo.version = 2
  JOIN learn.coefficients o ON o.model_id = mo.id AND o.group_key = n.group_key AND o.position = n.position
 WHERE mn.name = $1 AND mn.version = 3};
is($node->safe_psql('up', q{PREPARE same_update(text) AS } . $same_update_q . q{; EXECUTE same_update('grows')}),
	'4 0', 'a 0.6 state updated again gives 0.6\'s update');
is($node->safe_psql('up', q{PREPARE same_update(text) AS } . $same_update_q . q{; EXECUTE same_update('grows_by_store')}),
	'12 0', 'grouped, with the group the new rows brought');

dump_restore($node, 'up', 'restored', 'alice', $current, 'the updated database');
is(catalog_digest($node, 'restored'), catalog_digest($node, 'up'),
	'with the catalog rows, the states and the id sequence');
is(as_user($node, 'restored', 'bob', $scores_q), $scores_equal,
	'whose 0.6 models score as 0.6 did');
is(as_user($node, 'restored', 'alice', $views_q), $views_before, 'and the views');

$node->stop;
done_testing();
