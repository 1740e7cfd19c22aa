
# Copyright (c) pg_learn contributors
#
# Upgrades from 0.3 keep models of every family.  A database installs
# version 0.3 (the chain of released scripts) and loads the catalog rows
# and scores that pg_learn 0.3's own library wrote
# (tests/fixtures/v0_3_catalog.sql, made by make_v0_3_fixture.sh): linear
# (plain, weighted, grouped, robust), glm (poisson with an offset, gamma
# with a log link, binomial probit) and logistic (0/1, text and grouped
# targets), several versions of a name, one never deployed, one dropped.
#
# With this library installed and before ALTER EXTENSION UPDATE, every
# model scores as 0.3 did (equal, or a float within 4 ulps), the least-squares states 0.3 serialized
# merge as they did, numeric training works and categorical training asks
# for the update; a dump taken then restores at the current version.  After
# the update, the catalog rows are unchanged, the scores are still equal,
# version numbers go on after the highest one ever given, learn.encodings
# is there (empty) and categorical training works; a dump of the updated
# database restores all of it.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib";
use LearnTest;

my $node = PostgreSQL::Test::Cluster->new('upgrade_0_3');
$node->init;
$node->start;

# the version ALTER EXTENSION UPDATE goes to
my $current = $node->safe_psql('postgres',
	q{SELECT default_version FROM pg_available_extensions WHERE name = 'pg_learn'});

load_fixture($node, '0.3', 'obs', 'scores_v0_3', 'states_v0_3', 'merged_v0_3');
# A score is the same as 0.3's (LearnTest.pm's same_score).
create_same_score($node, 'up');

# ---------------------------------------------------------------------
# what the fixture holds, so that the comparisons below compare something
# ---------------------------------------------------------------------
is( as_user($node, 'up', 'alice',
		q{SELECT string_agg(name || '@' || version || ':' || algorithm
		                    || coalesce(':' || (params ->> 'family') || '/' || (params ->> 'link'), '')
		                    || CASE WHEN deployed THEN '*' ELSE '' END, ' ' ORDER BY id)
		  FROM learn.models}),
	'price@1:linear price@2:linear* price@3:linear per_store@1:linear* robust@1:linear* '
	  . 'claims@1:glm:poisson/log* cost@1:glm:gamma/log* probit@1:glm:binomial/probit* '
	  . 'buys@1:logistic* answer@1:logistic* buys_by_store@1:logistic* bobs@1:linear*',
	'the fixture: twelve versions of every family 0.3 trains');
my $last_id = $node->safe_psql('up', q{SELECT last_value FROM learn.models_id_seq});
is($last_id, '13', 'the fixture: thirteen ids issued (price@4 was dropped)');
is( as_user($node, 'up', 'alice',
		q{SELECT (SELECT count(*) FROM learn.coefficients) || ' '
		         || (SELECT count(*) FROM learn.groups) || ' '
		         || (SELECT string_agg(name || ':' || owner || ':' || last_version, ' ' ORDER BY name)
		               FROM learn.names)}),
	'50 8 answer:alice:1 bobs:bob:1 buys:alice:1 buys_by_store:alice:1 claims:alice:1 '
	  . 'cost:alice:1 per_store:alice:1 price:alice:4 probit:alice:1 robust:alice:1',
	'the fixture: coefficients, the groups of the two grouped models, the names');

# The catalog rows of the fixture's models, as one md5 per table: the
# update must not change a byte of them, nor must what this test trains.
# A model row is compared without its NULL columns, so the columns later
# updates add (NULL for these models) leave it equal and any value in them
# does not.
my $catalog_q = qq{
SELECT md5(string_agg(pg_catalog.jsonb_strip_nulls(pg_catalog.to_jsonb(m))::text, '|' ORDER BY id)) FROM learn.models m WHERE id <= $last_id;
SELECT md5(string_agg(c::text, '|' ORDER BY model_id, group_key, class, position))
  FROM learn.coefficients c WHERE model_id <= $last_id;
SELECT md5(string_agg(g::text, '|' ORDER BY model_id, group_key))
  FROM learn.groups g WHERE model_id <= $last_id;
SELECT md5(string_agg(n::text, '|' ORDER BY name)) FROM learn.names n
 WHERE name IN ('answer', 'bobs', 'buys', 'buys_by_store', 'claims', 'cost', 'per_store',
                'price', 'probit', 'robust')};
my $catalog_fixture = as_user($node, 'up', 'alice', $catalog_q);

# Every score 0.3 computed (tests/fixtures/v0_3_setup.sql), column by
# column, with the expression that computed it.
my @scores = (
	[ price                   => q{learn.predict('price', ARRAY[x1, x2, k])} ],
	[ price_row               => q{learn.predict('price', o)} ],
	[ price_1                 => q{learn.predict('price@1', ARRAY[x1, x2])} ],
	[ price_1_row             => q{learn.predict('price@1', o)} ],
	[ price_3                 => q{learn.predict('price@3', ARRAY[x1])} ],
	[ price_3_row             => q{learn.predict('price@3', o)} ],
	[ per_store_row           => q{learn.predict('per_store', o)} ],
	[ robust                  => q{learn.predict('robust', ARRAY[x1, x2])} ],
	[ robust_row              => q{learn.predict('robust', o)} ],
	[ claims                  => q{learn.predict('claims', ARRAY[x1, x2])} ],
	[ claims_row              => q{learn.predict('claims', o)} ],
	[ cost                    => q{learn.predict('cost', ARRAY[x1, k])} ],
	[ cost_row                => q{learn.predict('cost', o)} ],
	[ probit                  => q{learn.predict('probit', ARRAY[x1, x2])} ],
	[ probit_row              => q{learn.predict('probit', o)} ],
	[ buys                    => q{learn.predict('buys', ARRAY[x1, x2])} ],
	[ buys_row                => q{learn.predict('buys', o)} ],
	[ buys_proba              => q{learn.predict_proba('buys', ARRAY[x1, x2])} ],
	[ buys_proba_row          => q{learn.predict_proba('buys', o)} ],
	[ buys_proba_0            => q{learn.predict_proba('buys', ARRAY[x1, x2], '0')} ],
	[ buys_proba_0_row        => q{learn.predict_proba('buys', o, '0')} ],
	[ buys_label              => q{learn.predict_label('buys', ARRAY[x1, x2])} ],
	[ buys_label_row          => q{learn.predict_label('buys', o)} ],
	[ answer_proba            => q{learn.predict_proba('answer', ARRAY[x1, k])} ],
	[ answer_proba_row        => q{learn.predict_proba('answer', o)} ],
	[ answer_proba_no         => q{learn.predict_proba('answer', ARRAY[x1, k], 'no')} ],
	[ answer_proba_no_row     => q{learn.predict_proba('answer', o, 'no')} ],
	[ answer_label            => q{learn.predict_label('answer', ARRAY[x1, k])} ],
	[ answer_label_row        => q{learn.predict_label('answer', o)} ],
	[ buys_by_store_row       => q{learn.predict('buys_by_store', o)} ],
	[ buys_by_store_proba_row => q{learn.predict_proba('buys_by_store', o)} ],
	[ buys_by_store_label_row => q{learn.predict_label('buys_by_store', o)} ],
	[ bobs                    => q{learn.predict('bobs', ARRAY[x2])} ],
	[ bobs_row                => q{learn.predict('bobs', o)} ],
	[ linear_fn               => q{learn.linear_predict(ARRAY[0.5, -1.25, 2], ARRAY[x1, x2])} ],
	[ logistic_fn             => q{learn.logistic_predict(ARRAY[0.5, -0.25, 0.125], ARRAY[x1, x2])} ]);

# "300 rows, differing: none", or the columns whose scores differ and in
# how many rows: equal (a float: or within 4 ulps; a label: exactly), NULL where 0.3 gave NULL
my $scores_q =
	q{SELECT count(*) || ' rows, differing: ' || coalesce(nullif(concat_ws(' ', }
  . join(",\n",
	map {
		my ($col, $expr) = @$_;
		"CASE WHEN count(*) FILTER (WHERE NOT coalesce(public.same_score(($expr), v.$col), false)) > 0 "
		  . "THEN '$col:' || count(*) FILTER (WHERE NOT coalesce(public.same_score(($expr), v.$col), false)) END"
	} @scores)
  . q{), ''), 'none') FROM obs o JOIN scores_v0_3 v USING (id)};
my $scores_equal = '300 rows, differing: none';

# the NULLs in 0.3's scores are the two rows of the group that was not
# fitted, in the three scores of each grouped model
is( as_user($node, 'up', 'alice',
		'SELECT '
		  . join(' + ', map { "count(*) FILTER (WHERE v.$_->[0] IS NULL)" } @scores)
		  . q{ FROM scores_v0_3 v}),
	'8', 'the fixture: 0.3 scored every row, but the kiosk group of the grouped models');

# Least-squares states that 0.3 serialized (one per store) merge and solve
# as 0.3 merged and solved them: the same bytes, the same fits.
# (to 1e-12: the fixture's merges ran on its machine's BLAS, whose last
# bits another CPU or OpenBLAS build may round otherwise)
my $states_q = q{
WITH s AS (
	SELECT count(*) AS n,
		   learn.linreg_merge(linreg_state ORDER BY store) AS linreg,
		   learn.linreg_merge(linear_state ORDER BY store) AS linear,
		   learn.linreg_merge(named_state ORDER BY store) AS named
	  FROM states_v0_3),
pairs AS (
	SELECT (s.linreg).coef || (s.linreg).std_err AS a, (m.linreg).coef || (m.linreg).std_err AS b
	  FROM s, merged_v0_3 m
	UNION ALL
	SELECT (s.linear).coef || (s.linear).std_err, (m.linear).coef || (m.linear).std_err
	  FROM s, merged_v0_3 m
	UNION ALL
	SELECT (s.named).coef || (s.named).std_err, (m.named).coef || (m.named).std_err
	  FROM s, merged_v0_3 m)
SELECT (SELECT n FROM s) || ' states, '
	   || (count(*) = 3 * (SELECT 2 * cardinality((m.linreg).coef) FROM merged_v0_3 m)
		   AND bool_and(abs(u.x - u.y) <= 1e-12 * abs(u.y)))
  FROM pairs, unnest(pairs.a, pairs.b) AS u(x, y)};

# Errors 0.3 gave, by SQLSTATE (the messages may change)
my @errors = (
	[ q{SELECT learn.predict('answer', ARRAY[1, 2])}, '42804', 'predict of text classes' ],
	[ q{SELECT learn.predict_proba('probit', ARRAY[1, 2])}, '42809', 'predict_proba of a glm' ],
	[ q{SELECT learn.predict('per_store', ARRAY[1, 2, 3])}, '0A000', 'an array for a grouped model' ],
	[ q{SELECT learn.predict_proba('buys', ARRAY[1, 2], 'maybe')}, '22023', 'a class the model has not' ]);

sub check_errors
{
	my ($db, $label) = @_;
	foreach my $e (@errors)
	{
		my ($sql, $state, $what) = @$e;
		like(error_of($node, $db, 'alice', $sql), qr/^$state /, "$label: $what is $state as in 0.3");
	}
}

# ---------------------------------------------------------------------
# this library, the extension still at 0.3
# ---------------------------------------------------------------------
is(as_user($node, 'up', 'alice', $scores_q), $scores_equal,
	'before the update, this library scores 0.3\'s models exactly as 0.3 did');
is(as_user($node, 'up', 'alice', $states_q), '4 states, true',
	'before the update, 0.3\'s states merge and solve as in 0.3');
check_errors('up', 'before the update');
like( error_of($node, 'up', 'alice',
		q{SELECT 1 FROM learn.train('by_store', 'linear', 'obs', 'y', ARRAY['x1', 'store'])}),
	qr/^55000 the pg_learn extension in this database is older than its library/,
	'before the update, a categorical training asks for ALTER EXTENSION UPDATE');
is( as_user($node, 'up', 'alice',
		q{SELECT id || ' ' || version FROM learn.train('fresh', 'logistic', 'obs', 'bought', ARRAY['x1', 'k'])}),
	($last_id + 1) . ' 1', 'before the update, a numeric logistic training works');
is( as_user($node, 'up', 'alice',
		q{SELECT version || ' ' || (metrics ->> 'n_fitted')
		  FROM learn.train('fresh_lm', 'linear', 'obs', 'y', ARRAY['x1', 'x2'], '{"robust": "HC1"}',
		                   group_by => ARRAY['store'], weight => 'w')}),
	'1 3', 'and so does a grouped, weighted, robust linear one');
is(as_user($node, 'up', 'alice', q{SELECT version FROM learn.deploy('fresh', 1)}), '1',
	'deploying works before the update');
my $fresh_q = q{SELECT string_agg(learn.predict_proba('fresh', o) || ':' || learn.predict('fresh_lm', o),
                                  ' ' ORDER BY id) FROM obs o WHERE store <> 'kiosk'};
my $fresh_scores = as_user($node, 'up', 'alice', $fresh_q);
is(as_user($node, 'up', 'alice', $catalog_q), $catalog_fixture,
	'scoring and training left the rows of 0.3\'s models alone');

# A plain dump of the database at 0.3, restored where CREATE EXTENSION
# makes the current version (a move to a new server with this library)
my $dump03 = $node->basedir . '/up_0_3.sql';
$node->command_ok([ 'pg_dump', '-d', $node->connstr('up'), '-f', $dump03 ],
	'pg_dump of the database at 0.3');
$node->safe_psql('postgres', 'CREATE DATABASE from03 OWNER alice');
$node->command_ok(
	[ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('from03'), '-f', $dump03 ],
	'restored into a new database');
is( as_user($node, 'from03', 'alice',
		q{SELECT extversion || ' ' || (SELECT count(*) FROM learn.encodings)
		  FROM pg_extension WHERE extname = 'pg_learn'}),
	"$current 0", "the restore made $current, with no encodings");
is(as_user($node, 'from03', 'alice', $catalog_q), $catalog_fixture,
	'the rows of 0.3\'s models are restored unchanged');
is(as_user($node, 'from03', 'alice', $scores_q), $scores_equal,
	'the restored models score exactly as 0.3 did');
is(as_user($node, 'from03', 'alice', $states_q), '4 states, true',
	'0.3\'s restored states merge and solve as in 0.3');
is(as_user($node, 'from03', 'alice', $fresh_q), $fresh_scores,
	'the models trained before the dump score as before');
is( as_user($node, 'from03', 'alice',
		q{SELECT (SELECT version FROM learn.train('by_store', 'linear', 'obs', 'y', ARRAY['x1', 'store']))
		         || ' ' ||
		         (SELECT version FROM learn.train('price', 'linear', 'obs', 'y', ARRAY['x1'], '{"deploy": false}'))}),
	'1 5', 'a categorical training works there, and price goes on at 5');

# ---------------------------------------------------------------------
# the update, by the database owner (the extension is trusted)
# ---------------------------------------------------------------------
# One session scores (its model cache holds 0.3's models), updates, finds
# learn.encodings empty, scores again and trains with a categorical feature.
is( as_user($node, 'up', 'alice',
		q{SELECT count(learn.predict('price', o)) FROM obs o;
		  ALTER EXTENSION pg_learn UPDATE;
		  SELECT count(*) FROM learn.encodings;
		  SELECT 1 FROM learn.train('by_store', 'linear', 'obs', 'y', ARRAY['x1', 'store']);}
		  . $scores_q . ';'
		  . q{SELECT count(learn.predict('by_store', o)) FROM obs o}),
	"300\n0\n1\n$scores_equal\n300",
	'a session that scored before the update finds learn.encodings empty after it, '
	  . 'scores as 0.3 did, and trains and scores a categorical model');
is(as_user($node, 'up', 'alice', q{SELECT extversion FROM pg_extension WHERE extname = 'pg_learn'}),
	$current, "updated to $current");
is(as_user($node, 'up', 'alice', $catalog_q), $catalog_fixture,
	'learn.models, learn.coefficients, learn.groups and learn.names are unchanged by the update');
is(as_user($node, 'up', 'alice', $scores_q), $scores_equal,
	'after the update every model scores exactly as 0.3 did');
is(as_user($node, 'up', 'alice', $states_q), '4 states, true',
	'after the update, 0.3\'s states merge and solve as in 0.3');
check_errors('up', 'after the update');
is(as_user($node, 'up', 'alice', $fresh_q), $fresh_scores,
	'the model trained before the update scores as it did');
is(as_user($node, 'up', 'bob', q{SELECT count(*) FROM learn.encodings}), '4',
	'learn.encodings is readable by everyone');

# version numbers go on after the highest one given, the dropped 4 included
is( as_user($node, 'up', 'alice',
		q{SELECT version || ' ' || deployed
		  FROM learn.train('price', 'linear', 'obs', 'y', ARRAY['x1', 'x2'], '{"deploy": false}')}),
	'5 false', 'the next version of price is 5: 4 was given and dropped in 0.3');
like( error_of($node, 'up', 'bob',
		q{SELECT 1 FROM learn.train('price', 'linear', 'obs', 'y', ARRAY['x1'])}),
	qr/^42501 permission denied to add a version to model "price"/,
	'bob still cannot add a version to alice\'s model');
is(as_user($node, 'up', 'bob', q{SELECT version FROM learn.train('bobs', 'linear', 'obs', 'y', ARRAY['x1'], '{"deploy": false}')}),
	'2', 'but he can to his own');

# the categorical model
is( as_user($node, 'up', 'alice',
		q{SELECT string_agg(e.feature || ':' || e.position || ':' || e.level, ' ' ORDER BY e.position)
		  FROM learn.encodings e JOIN learn.models m ON m.id = e.model_id
		  WHERE m.name = 'by_store'}),
	'store:1:berlin store:2:kiosk store:3:lyon store:4:porto',
	'the levels of the categorical model are in learn.encodings');
# its scores are the intercept, x1's term and the store's term (none for
# the reference level)
is( as_user($node, 'up', 'alice',
		q{WITH c AS (SELECT c.term, c.estimate FROM learn.coefficients c
		               JOIN learn.models m ON m.id = c.model_id WHERE m.name = 'by_store')
		  SELECT count(*) || ' ' || bool_and(abs(learn.predict('by_store', o) - (
		             (SELECT estimate FROM c WHERE term = '(intercept)')
		             + (SELECT estimate FROM c WHERE term = 'x1') * o.x1
		             + coalesce((SELECT estimate FROM c WHERE term = 'store=' || o.store), 0)))
		         < 1e-9 * (1 + abs(o.y)))
		  FROM obs o}),
	'300 true', 'and it scores by level');
is( as_user($node, 'up', 'alice',
		q{SELECT version FROM learn.train('buys_store', 'logistic', 'obs', 'bought', ARRAY['x1', 'store']);
		  SELECT count(*) FROM obs o WHERE learn.predict_proba('buys_store', o) BETWEEN 0 AND 1}),
	"1\n300", 'a categorical logistic model trains and scores too');
my $categorical_q = q{SELECT string_agg(learn.predict('by_store', o) || ':' || learn.predict_proba('buys_store', o),
                                        ' ' ORDER BY id) FROM obs o};
my $categorical_scores = as_user($node, 'up', 'alice', $categorical_q);

# ---------------------------------------------------------------------
# a dump of the updated database, restored into a new one
# ---------------------------------------------------------------------
my $all_q = q{
SELECT md5(string_agg(m::text, '|' ORDER BY id)) FROM learn.models m;
SELECT md5(string_agg(c::text, '|' ORDER BY model_id, group_key, class, position)) FROM learn.coefficients c;
SELECT md5(string_agg(g::text, '|' ORDER BY model_id, group_key)) FROM learn.groups g;
SELECT md5(string_agg(n::text, '|' ORDER BY name)) FROM learn.names n;
SELECT md5(string_agg(e::text, '|' ORDER BY model_id, feature, position)) FROM learn.encodings e;
SELECT last_value FROM learn.models_id_seq};
my $all_before = $node->safe_psql('up', $all_q);
dump_restore($node, 'up', 'restored', 'alice', $current, 'the updated database');
is($node->safe_psql('restored', $all_q), $all_before,
	'the catalog rows (encodings included) and the id sequence are restored as they were');
is(as_user($node, 'restored', 'alice', $scores_q), $scores_equal,
	'the restored 0.3 models score exactly as 0.3 did');
is(as_user($node, 'restored', 'alice', $fresh_q) . ' | ' . as_user($node, 'restored', 'alice', $categorical_q),
	"$fresh_scores | $categorical_scores", 'and the models trained by this library as before the dump');
is( as_user($node, 'restored', 'alice',
		q{SELECT (SELECT 'price@' || version
		          FROM learn.train('price', 'linear', 'obs', 'y', ARRAY['x1'], '{"deploy": false}'))
		         || ' ' ||
		         (SELECT 'by_store@' || version
		          FROM learn.train('by_store', 'linear', 'obs', 'y', ARRAY['store'], '{"deploy": false}'))}),
	'price@6 by_store@2', 'version numbers go on in the restored database');

$node->stop;
done_testing();
