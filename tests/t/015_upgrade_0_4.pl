
# Copyright (c) pg_learn contributors
#
# Upgrades from 0.4 keep models of every family and feature.  A database
# installs version 0.4 (the chain of released scripts) and loads the
# catalog rows and scores that pg_learn 0.4's own library wrote
# (tests/fixtures/v0_4_catalog.sql, made by make_v0_4_fixture.sh): linear
# (plain, weighted, grouped, robust), glm (poisson with an offset, gamma
# with a log link, binomial probit), logistic (0/1, text and grouped
# targets), multinomial (four text labels with weights, integer classes
# per group) and categorical features (text and enum columns, with and
# without an intercept, in linear, logistic and multinomial models, scored
# on rows with levels they never saw); several versions of a name, one
# never deployed, one dropped; models of two roles.
#
# With this library installed and before ALTER EXTENSION UPDATE, every
# model scores as 0.4 did (equal, or a float within 4 ulps), the
# least-squares states 0.4 serialized (categorical ones included) merge as
# they did, and numeric and categorical trainings work (a retrained
# categorical model has 0.4's coefficients); a dump taken then restores at
# the current version.  After the update, the catalog rows are unchanged,
# the scores are still equal, version numbers go on after the highest one
# ever given, and learn.models.feature_exprs is there, NULL for every
# model; a dump of the updated database restores all of it.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib";
use LearnTest;

my $node = PostgreSQL::Test::Cluster->new('upgrade_0_4');
$node->init;
$node->start;

# the version ALTER EXTENSION UPDATE goes to
my $current = $node->safe_psql('postgres',
	q{SELECT default_version FROM pg_available_extensions WHERE name = 'pg_learn'});

load_fixture($node, '0.4', 'obs', 'scores_v0_4', 'states_v0_4', 'merged_v0_4');
# A score is the same as 0.4's (LearnTest.pm's same_score).
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
	  . 'buys@1:logistic* answer@1:logistic* buys_by_store@1:logistic* '
	  . 'mode@1:multinomial* tier_by_store@1:multinomial* '
	  . 'price_cat@1:linear* price_cat0@1:linear* per_store_cat@1:linear* '
	  . 'buys_cat@1:logistic* buys_cat0@1:logistic* mode_cat@1:multinomial* mode_cat0@1:multinomial* '
	  . 'bobs@1:linear* bobs_cat@1:logistic*',
	'the fixture: twenty-two versions of every family 0.4 trains');
my $last_id = $node->safe_psql('up', q{SELECT last_value FROM learn.models_id_seq});
is($last_id, '23', 'the fixture: twenty-three ids issued (price@4 was dropped)');
is( as_user($node, 'up', 'alice',
		q{SELECT (SELECT count(*) FROM learn.coefficients) || ' '
		         || (SELECT count(*) FROM learn.groups) || ' '
		         || (SELECT count(*) FROM learn.encodings) || ' '
		         || (SELECT string_agg(name || ':' || owner || ':' || last_version, ' ' ORDER BY name)
		               FROM learn.names)}),
	'145 16 36 answer:alice:1 bobs:bob:1 bobs_cat:bob:1 buys:alice:1 buys_by_store:alice:1 '
	  . 'buys_cat:alice:1 buys_cat0:alice:1 claims:alice:1 cost:alice:1 mode:alice:1 mode_cat:alice:1 '
	  . 'mode_cat0:alice:1 per_store:alice:1 per_store_cat:alice:1 price:alice:4 price_cat:alice:1 '
	  . 'price_cat0:alice:1 probit:alice:1 robust:alice:1 tier_by_store:alice:1',
	'the fixture: coefficients, the groups of the four grouped models, the levels, the names');
# (the coefficients: 9 of price, 12 of per_store, 3 each of robust, the
# glms, buys and answer, 9 of buys_by_store, 3 classes x 3 of mode, 3
# groups x 2 classes x 3 of tier_by_store; the categorical models, with
# 3 colors and 3 sizes: 6 of price_cat, 6 of price_cat0 (every color
# without an intercept), 3 groups x 4 of per_store_cat, 6 of buys_cat,
# 4 of buys_cat0, 3 x 4 of mode_cat, 3 x 6 of mode_cat0, 4 of bobs_cat;
# 2 of bobs)
is( as_user($node, 'up', 'alice',
		q{SELECT string_agg(m.name || ':' || e.feature || ':' || e.position || ':' || e.level,
		                    ' ' ORDER BY m.id, e.feature, e.position)
		  FROM learn.encodings e JOIN learn.models m ON m.id = e.model_id
		  WHERE m.name IN ('price_cat', 'buys_cat0')}),
	'price_cat:color:1:blue price_cat:color:2:green price_cat:color:3:red '
	  . 'price_cat:size:1:small price_cat:size:2:medium price_cat:size:3:large '
	  . 'buys_cat0:size:1:small buys_cat0:size:2:medium buys_cat0:size:3:large',
	'the fixture: text levels in collation order, enum levels in declaration order, '
	  . 'violet and huge never trained on');
is( as_user($node, 'up', 'alice',
		q{SELECT string_agg(name, ' ' ORDER BY id) FROM learn.models
		  WHERE algorithm = 'logistic' AND group_by IS NULL
		    AND NOT (metrics ->> 'auc')::float8 BETWEEN 0.5 AND 1}),
	'', 'the fixture: every ungrouped logistic model has its training AUC in metrics');

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
SELECT md5(string_agg(e::text, '|' ORDER BY model_id, feature, position))
  FROM learn.encodings e WHERE model_id <= $last_id;
SELECT md5(string_agg(n::text, '|' ORDER BY name)) FROM learn.names n
 WHERE name IN ('answer', 'bobs', 'bobs_cat', 'buys', 'buys_by_store', 'buys_cat', 'buys_cat0',
                'claims', 'cost', 'mode', 'mode_cat', 'mode_cat0', 'per_store', 'per_store_cat',
                'price', 'price_cat', 'price_cat0', 'probit', 'robust', 'tier_by_store')};
my $catalog_fixture = as_user($node, 'up', 'alice', $catalog_q);

# Every score 0.4 computed (tests/fixtures/v0_4_setup.sql), column by
# column, with the expression that computed it.
my @scores = (
	[ price                     => q{learn.predict('price', ARRAY[x1, x2, k])} ],
	[ price_row                 => q{learn.predict('price', o)} ],
	[ price_text                => q{learn.predict('price', format('{%s,%s,%s}', x1, x2, k))} ],
	[ price_1                   => q{learn.predict('price@1', ARRAY[x1, x2])} ],
	[ price_1_row               => q{learn.predict('price@1', o)} ],
	[ price_3                   => q{learn.predict('price@3', ARRAY[x1])} ],
	[ price_3_row               => q{learn.predict('price@3', o)} ],
	[ per_store_row             => q{learn.predict('per_store', o)} ],
	[ robust                    => q{learn.predict('robust', ARRAY[x1, x2])} ],
	[ robust_row                => q{learn.predict('robust', o)} ],
	[ claims                    => q{learn.predict('claims', ARRAY[x1, x2])} ],
	[ claims_row                => q{learn.predict('claims', o)} ],
	[ cost                      => q{learn.predict('cost', ARRAY[x1, k])} ],
	[ cost_row                  => q{learn.predict('cost', o)} ],
	[ probit                    => q{learn.predict('probit', ARRAY[x1, x2])} ],
	[ probit_row                => q{learn.predict('probit', o)} ],
	[ buys                      => q{learn.predict('buys', ARRAY[x1, x2])} ],
	[ buys_row                  => q{learn.predict('buys', o)} ],
	[ buys_proba                => q{learn.predict_proba('buys', ARRAY[x1, x2])} ],
	[ buys_proba_row            => q{learn.predict_proba('buys', o)} ],
	[ buys_proba_0              => q{learn.predict_proba('buys', ARRAY[x1, x2], '0')} ],
	[ buys_proba_0_row          => q{learn.predict_proba('buys', o, '0')} ],
	[ buys_label                => q{learn.predict_label('buys', ARRAY[x1, x2])} ],
	[ buys_label_row            => q{learn.predict_label('buys', o)} ],
	[ buys_label_text           => q{learn.predict_label('buys', format('{%s,%s}', x1, x2))} ],
	[ answer_proba              => q{learn.predict_proba('answer', ARRAY[x1, k])} ],
	[ answer_proba_row          => q{learn.predict_proba('answer', o)} ],
	[ answer_proba_no           => q{learn.predict_proba('answer', ARRAY[x1, k], 'no')} ],
	[ answer_proba_no_row       => q{learn.predict_proba('answer', o, 'no')} ],
	[ answer_label              => q{learn.predict_label('answer', ARRAY[x1, k])} ],
	[ answer_label_row          => q{learn.predict_label('answer', o)} ],
	[ buys_by_store_row         => q{learn.predict('buys_by_store', o)} ],
	[ buys_by_store_proba_row   => q{learn.predict_proba('buys_by_store', o)} ],
	[ buys_by_store_label_row   => q{learn.predict_label('buys_by_store', o)} ],
	[ mode_proba_bike           => q{learn.predict_proba('mode', ARRAY[x1, x2], 'bike')} ],
	[ mode_proba_bike_row       => q{learn.predict_proba('mode', o, 'bike')} ],
	[ mode_proba_car            => q{learn.predict_proba('mode', ARRAY[x1, x2], 'car')} ],
	[ mode_proba_car_row        => q{learn.predict_proba('mode', o, 'car')} ],
	[ mode_proba_walk_text      => q{learn.predict_proba('mode', format('{%s,%s}', x1, x2), 'walk')} ],
	[ mode_label                => q{learn.predict_label('mode', ARRAY[x1, x2])} ],
	[ mode_label_row            => q{learn.predict_label('mode', o)} ],
	[ tier_by_store_row         => q{learn.predict('tier_by_store', o)} ],
	[ tier_by_store_proba_2_row => q{learn.predict_proba('tier_by_store', o, '2')} ],
	[ tier_by_store_label_row   => q{learn.predict_label('tier_by_store', o)} ],
	[ price_cat_row             => q{learn.predict('price_cat', o)} ],
	[ price_cat0_row            => q{learn.predict('price_cat0', o)} ],
	[ per_store_cat_row         => q{learn.predict('per_store_cat', o)} ],
	[ buys_cat_row              => q{learn.predict('buys_cat', o)} ],
	[ buys_cat_proba_row        => q{learn.predict_proba('buys_cat', o)} ],
	[ buys_cat_proba_0_row      => q{learn.predict_proba('buys_cat', o, '0')} ],
	[ buys_cat_label_row        => q{learn.predict_label('buys_cat', o)} ],
	[ buys_cat0_proba_row       => q{learn.predict_proba('buys_cat0', o)} ],
	[ buys_cat0_label_row       => q{learn.predict_label('buys_cat0', o)} ],
	[ mode_cat_proba_bus_row    => q{learn.predict_proba('mode_cat', o, 'bus')} ],
	[ mode_cat_label_row        => q{learn.predict_label('mode_cat', o)} ],
	[ mode_cat0_proba_bike_row  => q{learn.predict_proba('mode_cat0', o, 'bike')} ],
	[ mode_cat0_proba_walk_row  => q{learn.predict_proba('mode_cat0', o, 'walk')} ],
	[ mode_cat0_label_row       => q{learn.predict_label('mode_cat0', o)} ],
	[ bobs                      => q{learn.predict('bobs', ARRAY[x2])} ],
	[ bobs_row                  => q{learn.predict('bobs', o)} ],
	[ bobs_cat_proba_row        => q{learn.predict_proba('bobs_cat', o)} ],
	[ bobs_cat_label_row        => q{learn.predict_label('bobs_cat', o)} ],
	[ linear_fn                 => q{learn.linear_predict(ARRAY[0.5, -1.25, 2], ARRAY[x1, x2])} ],
	[ logistic_fn               => q{learn.logistic_predict(ARRAY[0.5, -0.25, 0.125], ARRAY[x1, x2])} ]);

# "300 rows, differing: none", or the columns whose scores differ and in
# how many rows: equal (a float: or within 4 ulps; a label: exactly), NULL
# where 0.4 gave NULL
my $scores_q =
	q{SELECT count(*) || ' rows, differing: ' || coalesce(nullif(concat_ws(' ', }
  . join(",\n",
	map {
		my ($col, $expr) = @$_;
		"CASE WHEN count(*) FILTER (WHERE NOT coalesce(public.same_score(($expr), v.$col), false)) > 0 "
		  . "THEN '$col:' || count(*) FILTER (WHERE NOT coalesce(public.same_score(($expr), v.$col), false)) END"
	} @scores)
  . q{), ''), 'none') FROM obs o JOIN scores_v0_4 v USING (id)};
my $scores_equal = '300 rows, differing: none';

# the NULLs in 0.4's scores are the two rows of the group that was not
# fitted, in the eight scores of the four grouped models; the six rows of
# unseen levels were scored (as the reference level)
is( as_user($node, 'up', 'alice',
		'SELECT '
		  . join(' + ', map { "count(*) FILTER (WHERE v.$_->[0] IS NULL)" } @scores)
		  . q{ FROM scores_v0_4 v}),
	'16', 'the fixture: 0.4 scored every row, but the kiosk group of the grouped models');
is( as_user($node, 'up', 'alice',
		q{SELECT count(*) || ' ' || count(*) FILTER (WHERE v.price_cat_row IS NOT NULL
		                                                 AND v.mode_cat0_label_row IS NOT NULL
		                                                 AND v.buys_cat0_proba_row IS NOT NULL)
		  FROM obs o JOIN scores_v0_4 v USING (id) WHERE o.color = 'violet' AND o.size = 'huge'}),
	'6 6', 'the fixture: the rows of unseen levels have scores');

# Least-squares states that 0.4 serialized (one per store) merge and solve
# as 0.4 merged and solved them: the same bytes, the same fits.
# (to 1e-12: the fixture's merges ran on its machine's BLAS, whose last
# bits another CPU or OpenBLAS build may round otherwise; the terms the
# categorical state aliases are NULL in both)
my $states_q = q{
WITH s AS (
	SELECT count(*) AS n,
		   learn.linreg_merge(linreg_state ORDER BY store) AS linreg,
		   learn.linreg_merge(linear_state ORDER BY store) AS linear,
		   learn.linreg_merge(named_state ORDER BY store) AS named,
		   learn.linreg_merge(categorical_state ORDER BY store) AS categorical
	  FROM states_v0_4),
pairs AS (
	SELECT (s.linreg).coef || (s.linreg).std_err AS a, (m.linreg).coef || (m.linreg).std_err AS b
	  FROM s, merged_v0_4 m
	UNION ALL
	SELECT (s.linear).coef || (s.linear).std_err, (m.linear).coef || (m.linear).std_err
	  FROM s, merged_v0_4 m
	UNION ALL
	SELECT (s.named).coef || (s.named).std_err, (m.named).coef || (m.named).std_err
	  FROM s, merged_v0_4 m
	UNION ALL
	SELECT (s.categorical).coef || (s.categorical).std_err,
	       (m.categorical).coef || (m.categorical).std_err
	  FROM s, merged_v0_4 m)
SELECT (SELECT n FROM s) || ' states, '
	   || (count(*) = 3 * (SELECT 2 * cardinality((m.linreg).coef) FROM merged_v0_4 m)
	                  + (SELECT 2 * cardinality((m.categorical).coef) FROM merged_v0_4 m)
		   AND count(u.y) > 0
		   AND bool_and((u.x IS NULL AND u.y IS NULL) OR abs(u.x - u.y) <= 1e-12 * abs(u.y)))
  FROM pairs, unnest(pairs.a, pairs.b) AS u(x, y)};

# Errors 0.4 gave, by SQLSTATE (the messages may change)
my @errors = (
	[ q{SELECT learn.predict('answer', ARRAY[1, 2])}, '42804', 'predict of text classes' ],
	[ q{SELECT learn.predict('mode', ARRAY[1, 2])}, '42804', 'predict of text multinomial classes' ],
	[ q{SELECT learn.predict_proba('probit', ARRAY[1, 2])}, '42809', 'predict_proba of a glm' ],
	[ q{SELECT learn.predict_proba('mode', ARRAY[1, 2])}, '22023', 'predict_proba of a multinomial model without a class' ],
	[ q{SELECT learn.predict('per_store', ARRAY[1, 2, 3])}, '0A000', 'an array for a grouped model' ],
	[ q{SELECT learn.predict('price_cat', ARRAY[1, 2, 3])}, '0A000', 'an array for a categorical model' ],
	[ q{SELECT learn.predict_proba('buys', ARRAY[1, 2], 'maybe')}, '22023', 'a class the model has not' ]);

sub check_errors
{
	my ($db, $label) = @_;
	foreach my $e (@errors)
	{
		my ($sql, $state, $what) = @$e;
		like(error_of($node, $db, 'alice', $sql), qr/^$state /, "$label: $what is $state as in 0.4");
	}
}

# The coefficients of model $name against those of $old (0.4's): "N terms,
# true" when every term, estimate and standard error agrees (to 1e-9
# relative)
sub same_fit_q
{
	my ($name, $old) = @_;
	return qq{
SELECT count(*) || ' terms, '
	   || bool_and(a.term = b.term
	               AND abs(a.estimate - b.estimate) <= 1e-9 * (1e-6 + abs(b.estimate))
	               AND abs(a.std_error - b.std_error) <= 1e-9 * abs(b.std_error))
  FROM (SELECT c.* FROM learn.coefficients c JOIN learn.models m ON m.id = c.model_id
		 WHERE m.name = '$name') a
  FULL JOIN (SELECT c.* FROM learn.coefficients c JOIN learn.models m ON m.id = c.model_id
		 WHERE m.name = '$old') b USING (group_key, class, position)};
}

# ---------------------------------------------------------------------
# this library, the extension still at 0.4
# ---------------------------------------------------------------------
is(as_user($node, 'up', 'alice', $scores_q), $scores_equal,
	'before the update, this library scores 0.4\'s models exactly as 0.4 did');
is(as_user($node, 'up', 'alice', $states_q), '4 states, true',
	'before the update, 0.4\'s states merge and solve as in 0.4');
check_errors('up', 'before the update');
is( as_user($node, 'up', 'alice',
		q{SELECT id || ' ' || version FROM learn.train('fresh', 'logistic', 'obs', 'bought', ARRAY['x1', 'k'])}),
	($last_id + 1) . ' 1', 'before the update, a numeric logistic training works');
is( as_user($node, 'up', 'alice',
		q{SELECT version || ' ' || (metrics ->> 'n_fitted')
		  FROM learn.train('fresh_lm', 'linear', 'obs', 'y', ARRAY['x1', 'x2'], '{"robust": "HC1"}',
		                   group_by => ARRAY['store'], weight => 'w')}),
	'1 3', 'and so does a grouped, weighted, robust linear one');
is( as_user($node, 'up', 'alice',
		q{SELECT version || ' ' || array_to_string(classes, ',')
		  FROM learn.train('fresh_cat', 'multinomial', 'obs', 'mode', ARRAY['x2', 'color', 'size'])}),
	'1 bike,bus,car,walk', 'and a categorical multinomial one');
# 0.4's categorical models, trained again by this library, have 0.4's
# coefficients
is( as_user($node, 'up', 'alice',
		q{SELECT 1 FROM learn.train('mode_cat_again', 'multinomial', 'SELECT * FROM obs WHERE id % 50 <> 0', 'mode',
		                            ARRAY['x1', 'color'], '{"deploy": false}', weight => 'w');
		  SELECT 1 FROM learn.train('price_cat0_again', 'linear', 'SELECT * FROM obs WHERE id % 50 <> 0', 'y',
		                            ARRAY['color', 'size', 'x1'], '{"intercept": false, "deploy": false}',
		                            weight => 'w');}
		  . same_fit_q('mode_cat_again', 'mode_cat') . ';' . same_fit_q('price_cat0_again', 'price_cat0')),
	"1\n1\n12 terms, true\n6 terms, true",
	'categorical multinomial and linear models trained again have 0.4\'s coefficients');
is(as_user($node, 'up', 'alice', q{SELECT version FROM learn.deploy('fresh', 1)}), '1',
	'deploying works before the update');
my $fresh_q = q{SELECT string_agg(learn.predict_proba('fresh', o) || ':' || learn.predict('fresh_lm', o)
                                  || ':' || learn.predict_label('fresh_cat', o),
                                  ' ' ORDER BY id) FROM obs o WHERE store <> 'kiosk'};
my $fresh_scores = as_user($node, 'up', 'alice', $fresh_q);
is(as_user($node, 'up', 'alice', $catalog_q), $catalog_fixture,
	'scoring and training left the rows of 0.4\'s models alone');

# A plain dump of the database at 0.4, restored where CREATE EXTENSION
# makes the current version (a move to a new server with this library)
my $dump04 = $node->basedir . '/up_0_4.sql';
$node->command_ok([ 'pg_dump', '-d', $node->connstr('up'), '-f', $dump04 ],
	'pg_dump of the database at 0.4');
$node->safe_psql('postgres', 'CREATE DATABASE from04 OWNER alice');
$node->command_ok(
	[ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('from04'), '-f', $dump04 ],
	'restored into a new database');
is( as_user($node, 'from04', 'alice',
		q{SELECT extversion || ' ' || (SELECT count(*) FILTER (WHERE feature_exprs IS NULL) || ' of ' || count(*)
		                               FROM learn.models)
		  FROM pg_extension WHERE extname = 'pg_learn'}),
	"$current 27 of 27", "the restore made $current, feature_exprs NULL for every model");
is(as_user($node, 'from04', 'alice', $catalog_q), $catalog_fixture,
	'the rows of 0.4\'s models are restored unchanged');
is(as_user($node, 'from04', 'alice', $scores_q), $scores_equal,
	'the restored models score exactly as 0.4 did');
is(as_user($node, 'from04', 'alice', $states_q), '4 states, true',
	'0.4\'s restored states merge and solve as in 0.4');
is(as_user($node, 'from04', 'alice', $fresh_q), $fresh_scores,
	'the models trained before the dump score as before');
is( as_user($node, 'from04', 'alice',
		q{SELECT (SELECT version FROM learn.train('by_store', 'linear', 'obs', 'y', ARRAY['x1', 'store']))
		         || ' ' ||
		         (SELECT version FROM learn.train('price', 'linear', 'obs', 'y', ARRAY['x1'], '{"deploy": false}'))}),
	'1 5', 'a categorical training works there, and price goes on at 5');

# A view that uses learn.linreg as a window aggregate: the update gives the
# aggregate its moving mode in place (CREATE OR REPLACE AGGREGATE keeps its
# OID), so the view survives it and gives the same fits.
my $linreg_oid = as_user($node, 'up', 'alice', q{
CREATE VIEW rolling_fit AS
  SELECT id, (learn.linreg(y, ARRAY[1, x1]) OVER (ORDER BY id ROWS BETWEEN 9 PRECEDING AND CURRENT ROW)).coef[2] AS slope
  FROM obs;
CREATE TABLE rolling_before AS SELECT * FROM rolling_fit;
SELECT 'learn.linreg(float8, float8[])'::regprocedure::oid});

# ---------------------------------------------------------------------
# the update, by the database owner (the extension is trusted)
# ---------------------------------------------------------------------
# One session scores (its model cache holds 0.4's models), updates, finds
# feature_exprs NULL, scores again and trains.
is( as_user($node, 'up', 'alice',
		q{SELECT count(learn.predict('price_cat', o)) + count(learn.predict_label('mode', o)) FROM obs o;
		  ALTER EXTENSION pg_learn UPDATE;
		  SELECT count(*) FILTER (WHERE feature_exprs IS NULL) || ' of ' || count(*) FROM learn.models;
		  SELECT 1 FROM learn.train('by_store', 'linear', 'obs', 'y', ARRAY['x1', 'store']);}
		  . $scores_q . ';'
		  . q{SELECT count(learn.predict('by_store', o)) FROM obs o}),
	"600\n27 of 27\n1\n$scores_equal\n300",
	'a session that scored before the update finds feature_exprs NULL for every model after it, '
	  . 'scores as 0.4 did, and trains and scores a categorical model');
is(as_user($node, 'up', 'alice', q{SELECT extversion FROM pg_extension WHERE extname = 'pg_learn'}),
	$current, "updated to $current");
is( as_user($node, 'up', 'bob',
		q{SELECT format_type(atttypid, atttypmod) FROM pg_attribute
		  WHERE attrelid = 'learn.models'::regclass AND attname = 'feature_exprs' AND NOT attisdropped;
		  SELECT count(*) FILTER (WHERE feature_exprs IS NULL) FROM learn.models WHERE id <= } . $last_id),
	"text[]\n22", 'learn.models.feature_exprs is there, readable by everyone, NULL for 0.4\'s models');
is(as_user($node, 'up', 'alice', $catalog_q), $catalog_fixture,
	'learn.models, learn.coefficients, learn.groups, learn.encodings and learn.names are unchanged by the update');
is( as_user($node, 'up', 'alice',
		q{SELECT 'learn.linreg(float8, float8[])'::regprocedure::oid = } . $linreg_oid . q{ AND aggminvtransfn <> 0
		  FROM pg_aggregate WHERE aggfnoid = 'learn.linreg(float8, float8[])'::regprocedure;
		  SELECT count(*) || ' of ' || (SELECT count(*) FROM obs)
		  FROM rolling_fit a JOIN rolling_before b USING (id)
		  WHERE a.slope IS NOT DISTINCT FROM b.slope OR abs(a.slope - b.slope) <= 1e-12 * (1 + abs(b.slope))}),
	"t\n300 of 300",
	'learn.linreg keeps its OID and gains its moving mode; a view of a rolling fit gives the same slopes');
is(as_user($node, 'up', 'alice', $scores_q), $scores_equal,
	'after the update every model scores exactly as 0.4 did');
is(as_user($node, 'up', 'alice', $states_q), '4 states, true',
	'after the update, 0.4\'s states merge and solve as in 0.4');
check_errors('up', 'after the update');
is(as_user($node, 'up', 'alice', $fresh_q), $fresh_scores,
	'the models trained before the update score as they did');
is( as_user($node, 'up', 'bob',
		q{SELECT count(*) FILTER (WHERE s.auc IS NOT DISTINCT FROM (m.metrics ->> 'auc')::float8
		                            AND s.deviance IS NOT DISTINCT FROM (m.metrics ->> 'deviance')::float8)
		         || ' of ' || count(*)
		  FROM learn.model_summary s JOIN learn.models m USING (name, version)
		  WHERE m.id <= } . $last_id),
	'22 of 22', 'learn.model_summary shows 0.4\'s metrics');

# version numbers go on after the highest one given, the dropped 4 included
is( as_user($node, 'up', 'alice',
		q{SELECT version || ' ' || deployed
		  FROM learn.train('price', 'linear', 'obs', 'y', ARRAY['x1', 'x2'], '{"deploy": false}')}),
	'5 false', 'the next version of price is 5: 4 was given and dropped in 0.4');
like( error_of($node, 'up', 'bob',
		q{SELECT 1 FROM learn.train('price', 'linear', 'obs', 'y', ARRAY['x1'])}),
	qr/^42501 permission denied to add a version to model "price"/,
	'bob still cannot add a version to alice\'s model');
is( as_user($node, 'up', 'bob',
		q{SELECT version FROM learn.train('bobs_cat', 'logistic', 'obs', 'answer', ARRAY['color', 'x1'],
		                                  '{"deploy": false}')}),
	'2', 'but he can to his own');
is( as_user($node, 'up', 'alice',
		q{SELECT version FROM learn.train('buys_cat0', 'logistic', 'obs', 'bought', ARRAY['size', 'x2'],
		                                  '{"intercept": false, "deploy": false}');
		  SELECT string_agg(e.level, ' ' ORDER BY e.position)
		  FROM learn.encodings e JOIN learn.models m ON m.id = e.model_id
		  WHERE m.name = 'buys_cat0' AND m.version = 2}),
	"2\nsmall medium large huge", 'a categorical model trained on every row after the update has the enum\'s fourth level');
my $categorical_q = q{SELECT string_agg(learn.predict('by_store', o) || ':' || learn.predict_proba('buys_cat0@2', o),
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
	'the catalog rows (feature_exprs and encodings included) and the id sequence are restored as they were');
is(as_user($node, 'restored', 'alice', $scores_q), $scores_equal,
	'the restored 0.4 models score exactly as 0.4 did');
is(as_user($node, 'restored', 'alice', $fresh_q) . ' | ' . as_user($node, 'restored', 'alice', $categorical_q),
	"$fresh_scores | $categorical_scores", 'and the models trained by this library as before the dump');
is( as_user($node, 'restored', 'alice',
		q{SELECT (SELECT 'price@' || version
		          FROM learn.train('price', 'linear', 'obs', 'y', ARRAY['x1'], '{"deploy": false}'))
		         || ' ' ||
		         (SELECT 'mode@' || version
		          FROM learn.train('mode', 'multinomial', 'obs', 'mode', ARRAY['x1', 'color'], '{"deploy": false}'))}),
	'price@6 mode@2', 'version numbers go on in the restored database');

$node->stop;
done_testing();
