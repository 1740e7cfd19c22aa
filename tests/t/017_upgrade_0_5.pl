
# Copyright (c) pg_learn contributors
#
# Upgrades from 0.5 keep models of every family and feature.  A database
# installs version 0.5 (the chain of released scripts) and loads the
# catalog rows and results that pg_learn 0.5's own library wrote
# (tests/fixtures/v0_5_catalog.sql, made by make_v0_5_fixture.sh): the
# models of the 0.4 fixture (every family, grouped, weighted, categorical,
# several versions of a name, one dropped, two roles), trained by 0.5, and
# what 0.5 added: feature expressions (numeric, boolean and categorical
# results, in every family, grouped, with an offset), imputation (numeric
# and categorical NULLs, an expression's NULL), held-out rows (metrics.test,
# per group too), and imported models (a chain of imports, a version of an
# existing name not deployed, one of bob's); with every score, learn.explain
# and learn.evaluate result and learn.export_model document 0.5 gave.
#
# With this library installed and before ALTER EXTENSION UPDATE, every
# model scores, explains and evaluates as 0.5 did (equal, or a float
# within 4 ulps), exports 0.5's document exactly, 0.5's documents import
# (as models that score as the originals), the states and rolling fits
# 0.5 computed are computed again, and trainings with 0.5's features work
# (giving 0.5's coefficients); a dump taken then restores at the current
# version.  After the update, the catalog rows are unchanged, everything
# is still equal, version numbers go on after the highest one ever given,
# and a dump of the updated database restores all of it.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib";
use LearnTest;

my $node = PostgreSQL::Test::Cluster->new('upgrade_0_5');
$node->init;
# the fixture's server wrote the documents' trained_at in UTC
$node->append_conf('postgresql.conf', "timezone = 'UTC'");
$node->start;

# the version ALTER EXTENSION UPDATE goes to
my $current = $node->safe_psql('postgres',
	q{SELECT default_version FROM pg_available_extensions WHERE name = 'pg_learn'});

load_fixture($node, '0.5', 'obs', 'score_forms_v0_5', 'scores_v0_5', 'explains_v0_5',
	'evaluations_v0_5', 'exports_v0_5', 'rolling_v0_5', 'states_v0_5', 'merged_v0_5');

# A result is the same as 0.5's (LearnTest.pm's same_score).
create_same_score($node, 'up');

# ---------------------------------------------------------------------
# what the fixture holds, so that the comparisons below compare something
# ---------------------------------------------------------------------
is( as_user($node, 'up', 'alice',
		q{SELECT string_agg(name || '@' || version || ':' || algorithm
		                    || CASE WHEN deployed THEN '*' ELSE '' END, ' ' ORDER BY id)
		  FROM learn.models}),
	'price@1:linear price@2:linear* price@3:linear per_store@1:linear* robust@1:linear* '
	  . 'claims@1:glm* cost@1:glm* probit@1:glm* '
	  . 'buys@1:logistic* answer@1:logistic* buys_by_store@1:logistic* '
	  . 'mode@1:multinomial* tier_by_store@1:multinomial* '
	  . 'price_cat@1:linear* price_cat0@1:linear* per_store_cat@1:linear* '
	  . 'buys_cat@1:logistic* buys_cat0@1:logistic* mode_cat@1:multinomial* mode_cat0@1:multinomial* '
	  . 'spend_expr@1:linear* clicks_expr@1:logistic* claims_expr@1:glm* mode_expr@1:multinomial* '
	  . 'per_store_expr@1:linear* '
	  . 'spend_imp@1:linear* clicks_imp@1:logistic* mode_imp@1:multinomial* cost_imp@1:glm* '
	  . 'spend_imp_expr@1:linear* '
	  . 'spend_split@1:linear* clicks_split@1:logistic* mode_split@1:multinomial* cost_split@1:glm* '
	  . 'per_store_split@1:linear* all_in@1:logistic* '
	  . 'spend_copy@1:linear* spend_copy2@1:linear* buys@2:logistic '
	  . 'bobs@1:linear* bobs_cat@1:logistic* bobs_copy@1:multinomial*',
	'the fixture: forty-two versions of every family and feature 0.5 has');
my $last_id = $node->safe_psql('up', q{SELECT last_value FROM learn.models_id_seq});
is($last_id, '43', 'the fixture: forty-three ids issued (price@4 was dropped)');
is( as_user($node, 'up', 'alice',
		q{SELECT (SELECT count(*) FROM learn.coefficients) || ' '
		         || (SELECT count(*) FROM learn.groups) || ' '
		         || (SELECT count(*) FROM learn.encodings) || ' '
		         || (SELECT string_agg(name || ':' || owner || ':' || last_version, ' ' ORDER BY name)
		               FROM learn.names WHERE name LIKE 'b%' OR name LIKE 'price%' OR name LIKE 'spend%')}),
	'291 24 80 bobs:bob:1 bobs_cat:bob:1 bobs_copy:bob:1 buys:alice:2 buys_by_store:alice:1 '
	  . 'buys_cat:alice:1 buys_cat0:alice:1 price:alice:4 price_cat:alice:1 price_cat0:alice:1 '
	  . 'spend_copy:alice:1 spend_copy2:alice:1 spend_expr:alice:1 spend_imp:alice:1 '
	  . 'spend_imp_expr:alice:1 spend_split:alice:1',
	'the fixture: coefficients, groups of the six grouped models, levels, names');
# (the 145 coefficients and 36 levels of the 0.4 fixture's models, and
# 146 and 44 of the new ones: 5 of spend_expr (band has two levels, high
# the reference), 7 of clicks_expr (all four colors), 3 of claims_expr,
# 3 classes x 6 of mode_expr, 3 groups x 3 of per_store_expr, 8 of
# spend_imp (three shades, four sizes), 5 of clicks_imp, 3 x 5 of
# mode_imp, 3 of cost_imp, 4 of spend_imp_expr, 4 of spend_split, 6 of
# clicks_split (violet among its training rows), 3 x 3 of mode_split, 3 of
# cost_split, 3 x 3 of per_store_split, 5 of all_in and of its import
# buys@2, 5 of each copy of spend_expr, 18 of bobs_copy)
is( as_user($node, 'up', 'alice',
		q{SELECT string_agg(name || CASE WHEN version > 1 THEN '@' || version ELSE '' END || ':'
		                    || concat_ws(',', CASE WHEN feature_exprs IS NOT NULL THEN 'exprs' END,
		                                 CASE WHEN impute_values IS NOT NULL THEN 'impute' END,
		                                 CASE WHEN metrics ? 'test' THEN 'test' END,
		                                 CASE WHEN params ? 'imported_from' THEN 'imported' END),
		                    ' ' ORDER BY id)
		  FROM learn.models WHERE id > 21}),
	'spend_expr:exprs clicks_expr:exprs claims_expr:exprs mode_expr:exprs per_store_expr:exprs '
	  . 'spend_imp:impute clicks_imp:impute mode_imp:impute cost_imp:impute spend_imp_expr:exprs,impute '
	  . 'spend_split:test clicks_split:test mode_split:test cost_split:test per_store_split:test '
	  . 'all_in:exprs,impute,test spend_copy:exprs,imported spend_copy2:exprs,imported '
	  . 'buys@2:exprs,impute,test,imported bobs: bobs_cat: bobs_copy:exprs,imported',
	'the fixture: 0.5\'s features, each in the models that have it');
is( as_user($node, 'up', 'alice',
		q{SELECT count(*) FILTER (WHERE g.metrics ? 'test') || ' of ' || count(*)
		  FROM learn.groups g JOIN learn.models m ON m.id = g.model_id
		  WHERE m.name = 'per_store_split' AND g.fitted;
		  SELECT params -> 'imported_from' -> 'imported_from' -> 'exported_from' ->> 'name'
		  FROM learn.models WHERE name = 'spend_copy2'}),
	"3 of 3\nspend_expr", 'the fixture: per-group held-out metrics, a chain of imports');

# The catalog rows of the fixture's models, as one md5 per table: the
# update must not change a byte of them, nor must what this test does.
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
 WHERE name IN (SELECT name FROM learn.models WHERE id <= $last_id)};
my $catalog_fixture = as_user($node, 'up', 'alice', $catalog_q);

# Every score 0.5 computed, column by column, with the expression that
# computed it (score_forms_v0_5): each model version in the forms that
# apply to it.
my @scores = map { [ split /\|/, $_, 2 ] }
  split /\n/, $node->safe_psql('up', q{SELECT col || '|' || expr FROM score_forms_v0_5 ORDER BY col});
is(scalar(@scores), 97, 'the fixture: 97 scoring forms');
is( as_user($node, 'up', 'alice',
		q{SELECT string_agg(m.name || '@' || m.version, ' ') FROM learn.models m
		  WHERE NOT EXISTS (SELECT FROM score_forms_v0_5 f
		                    WHERE f.expr LIKE '%' || quote_literal(m.name || CASE WHEN m.deployed THEN ''
		                                                                         ELSE '@' || m.version END) || '%');
		  SELECT string_agg(attname, ' ') FROM pg_attribute
		  WHERE attrelid = 'scores_v0_5'::regclass AND attnum > 1 AND NOT attisdropped
		    AND attname NOT IN (SELECT col FROM score_forms_v0_5)}),
	"\n", 'the fixture: every model version has a score, every score its form');

# "300 rows, differing: none", or the columns whose scores differ and in
# how many rows
my $scores_q =
	q{SELECT count(*) || ' rows, differing: ' || coalesce(nullif(concat_ws(' ', }
  . join(",\n",
	map {
		my ($col, $expr) = @$_;
		"CASE WHEN count(*) FILTER (WHERE NOT coalesce(public.same_score(($expr), v.$col), false)) > 0 "
		  . "THEN '$col:' || count(*) FILTER (WHERE NOT coalesce(public.same_score(($expr), v.$col), false)) END"
	} @scores)
  . q{), ''), 'none') FROM obs o JOIN scores_v0_5 v USING (id)};
my $scores_equal = '300 rows, differing: none';

# the NULLs in 0.5's scores: the two kiosk rows of the ten scores of the
# six grouped models, and the 23 rows whose x3 is NULL in spend_split's two
# (which does not impute); the models that impute scored those
is( as_user($node, 'up', 'alice',
		'SELECT '
		  . join(' + ', map { "count(*) FILTER (WHERE v.$_->[0] IS NULL)" } @scores)
		  . q{ FROM scores_v0_5 v;
		  SELECT count(*) || ' ' || count(*) FILTER (WHERE v.spend_imp_row IS NOT NULL
		                                             AND v.clicks_imp_label_row IS NOT NULL
		                                             AND v.mode_imp_proba_walk_row IS NOT NULL
		                                             AND v.cost_imp IS NOT NULL
		                                             AND v.spend_imp_expr_row IS NOT NULL
		                                             AND v.all_in_proba_row IS NOT NULL)
		  FROM obs o JOIN scores_v0_5 v USING (id) WHERE o.x3 IS NULL OR o.shade IS NULL}),
	"66\n39 39", 'the fixture: 0.5 scored every row but the kiosk\'s and the NULLs it did not impute');

# learn.explain: each form on its rows
my @explain_forms = split /\n/, $node->safe_psql('up', q{SELECT DISTINCT form FROM explains_v0_5 ORDER BY 1});
is(scalar(@explain_forms), 46, 'the fixture: 46 explain forms (every version, and four others)');
is( $node->safe_psql('up', q{
SELECT count(*) || ' ' || count(doc) || ' '
       || count(*) FILTER (WHERE doc::text LIKE '%"imputed": true%') || ' '
       || count(*) FILTER (WHERE doc::text LIKE '%"unseen_level": true%') || ' '
       || count(*) FILTER (WHERE doc ? 'group')
  FROM explains_v0_5}),
	'276 268 22 8 30',
	'the fixture: explanations of six rows (NULL for the kiosk in grouped models and a NULL x3 '
	  . 'in spend_split), with imputed values, unseen levels, groups');
# (imputed: the three rows with a NULL x3 or shade in the row forms of
# spend_imp, clicks_imp, mode_imp, spend_imp_expr, all_in and buys@2, the
# two with a NULL x3 in cost_imp's row and array forms; an unseen level:
# row 50 in the eight models trained without it; a group: the five rows
# not of the kiosk in the six grouped models)
my $explains_q =
	q{SELECT count(*) || ' explanations, differing: '
	         || coalesce(string_agg(e.form || ' ' || e.id, ', ' ORDER BY e.form, e.id)
	                       FILTER (WHERE NOT public.same_score(CASE e.form }
  . join("\n", map { my $f = $_; (my $lit = $f) =~ s/'/''/g; "WHEN '$lit' THEN $f" } @explain_forms)
  . q{ END, e.doc)), 'none') FROM explains_v0_5 e JOIN obs o USING (id)};
my $explains_equal = '276 explanations, differing: none';

# learn.evaluate: each model version on every row, and those with held-out
# rows on them (where 0.5's evaluate gave its metrics.test)
is( $node->safe_psql('up', q{
SELECT count(*) || ' ' || count(*) FILTER (WHERE result ? 'groups') || ' '
       || count(*) FILTER (WHERE e.source <> 'obs'
                             AND (e.result - 'model' - 'groups') = m.metrics -> 'test')
  FROM evaluations_v0_5 e JOIN learn.models m ON m.name || '@' || m.version = e.model}),
	'49 7 7', 'the fixture: 49 evaluations, grouped ones among them, the held-out rows\' ones '
	  . 'equal to metrics.test');
my $evaluations_q = q{
SELECT count(*) || ' evaluations, differing: '
       || coalesce(string_agg(model || ' ' || source, ', ')
                     FILTER (WHERE NOT public.same_score(learn.evaluate(model, source), result)), 'none')
  FROM evaluations_v0_5};
my $evaluations_equal = '49 evaluations, differing: none';

# learn.export_model: 0.5's document of every model version, exactly; in
# another database or at another version of the extension, but for the
# database's name and pg_learn_version
my $exports_q = q{
SELECT count(*) || ' documents, differing: '
       || coalesce(string_agg(name || '@' || version, ' ' ORDER BY id)
                     FILTER (WHERE learn.export_model(name || '@' || version)
                                   IS DISTINCT FROM
                                   jsonb_set(jsonb_set(doc, '{pg_learn_version}',
                                                       to_jsonb((SELECT extversion FROM pg_extension
                                                                 WHERE extname = 'pg_learn'))),
                                             '{lineage,exported_from,database}', to_jsonb(current_database()))),
                   'none')
  FROM exports_v0_5};
my $exports_equal = '42 documents, differing: none';
is( $node->safe_psql('up', q{
SELECT count(*) || ' ' || count(*) FILTER (WHERE doc ->> 'pg_learn_version' = '0.5'
                                             AND doc -> 'lineage' -> 'exported_from' ->> 'database' = 'up')
       || ' ' || count(*) FILTER (WHERE doc -> 'lineage' ? 'imported_from')
  FROM exports_v0_5}),
	'42 42 4', 'the fixture: the export documents of 0.5, four of imported models');

# The 0.5 states and rolling fits, computed again (to 1e-12: another CPU
# or OpenBLAS build may round the last bits of a factorization otherwise)
my $states_q = q{
WITH s AS (
	SELECT count(*) AS n,
		   learn.linreg_merge(linreg_state ORDER BY store) AS linreg,
		   learn.linreg_merge(linear_state ORDER BY store) AS linear,
		   learn.linreg_merge(named_state ORDER BY store) AS named,
		   learn.linreg_merge(categorical_state ORDER BY store) AS categorical
	  FROM states_v0_5),
pairs AS (
	SELECT (s.linreg).coef || (s.linreg).std_err AS a, (m.linreg).coef || (m.linreg).std_err AS b
	  FROM s, merged_v0_5 m
	UNION ALL
	SELECT (s.linear).coef || (s.linear).std_err, (m.linear).coef || (m.linear).std_err
	  FROM s, merged_v0_5 m
	UNION ALL
	SELECT (s.named).coef || (s.named).std_err, (m.named).coef || (m.named).std_err
	  FROM s, merged_v0_5 m
	UNION ALL
	SELECT (s.categorical).coef || (s.categorical).std_err,
	       (m.categorical).coef || (m.categorical).std_err
	  FROM s, merged_v0_5 m
	UNION ALL
	SELECT (r.fit).coef || (r.fit).std_err, (f.fit).coef || (f.fit).std_err
	  FROM (SELECT id, learn.linreg(y, ARRAY[1, x1, x2])
	                     OVER (ORDER BY id ROWS BETWEEN 9 PRECEDING AND CURRENT ROW) AS fit
	          FROM obs) r
	  JOIN rolling_v0_5 f USING (id))
SELECT (SELECT n FROM s) || ' states, '
	   || count(*) || ' numbers, '
	   || (count(u.y) > 0
		   AND bool_and((u.x IS NULL AND u.y IS NULL) OR abs(u.x - u.y) <= 1e-12 * abs(u.y)))
  FROM pairs, unnest(pairs.a, pairs.b) AS u(x, y)};
# (6 numbers in each of the three numeric fits, 18 in the categorical
# one, 6 in each of the 298 rolling fits from the third row on, whose
# frames have as many rows as terms or more)
my $states_equal = '4 states, 1824 numbers, true';

# Errors 0.5 gave, by SQLSTATE (the messages may change)
my @errors = (
	[ q{SELECT learn.predict('spend_expr', ARRAY[1, 2, 3, 4])}, '0A000', 'an array for a model with a categorical expression' ],
	[ q{SELECT learn.explain('per_store', ARRAY[1, 2, 3])}, '0A000', 'explain of an array for a grouped model' ],
	[ q{SELECT learn.explain('claims_expr', ARRAY[1])}, '22023', 'explain of an array too short' ],
	[ q{SELECT learn.predict('spend_expr', o) FROM (SELECT id, x1, x2, k FROM obs) o}, '42703', 'a row without a column an expression reads' ],
	[ q{SELECT learn.evaluate('spend_expr', 'SELECT x1, pos, x2, k FROM obs')}, '42703', 'evaluate without the target' ],
	[ q{SELECT learn.export_model('price@4')}, '42704', 'export of a dropped version' ],
	[ q{SELECT learn.import_model('{"format": "pg_learn model", "format_version": 2}')}, '22023', 'import of a later format' ]);

sub check_errors
{
	my ($db, $label) = @_;
	foreach my $e (@errors)
	{
		my ($sql, $state, $what) = @$e;
		like(error_of($node, $db, 'alice', $sql), qr/^$state /, "$label: $what is $state as in 0.5");
	}
}

# The coefficients of model $name against those of $old (0.5's): "N terms,
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
# this library, the extension still at 0.5
# ---------------------------------------------------------------------
is(as_user($node, 'up', 'alice', $scores_q), $scores_equal,
	'before the update, this library scores 0.5\'s models as 0.5 did');
is(as_user($node, 'up', 'alice', $explains_q), $explains_equal,
	'before the update, learn.explain gives 0.5\'s explanations');
is(as_user($node, 'up', 'alice', $evaluations_q), $evaluations_equal,
	'before the update, learn.evaluate gives 0.5\'s metrics');
is(as_user($node, 'up', 'bob', $exports_q), $exports_equal,
	'before the update, learn.export_model gives 0.5\'s document of every model version, exactly');
is(as_user($node, 'up', 'alice', $states_q), $states_equal,
	'before the update, 0.5\'s states merge and its rolling fits are computed again as in 0.5');
check_errors('up', 'before the update');

# 0.5's documents imported by this library: each a new model that exports
# the same document but for its name, version, author and lineage (which
# records the original), and explains every row as the original does
is( as_user($node, 'up', 'alice',
		q{SELECT count(*) || ' ' || count(*) FILTER (WHERE m.deployed) || ' '
		         || min(m.id) || '-' || max(m.id)
		  FROM exports_v0_5 x, learn.import_model(x.doc, 'imported_' || x.id) m}),
	'42 40 ' . ($last_id + 1) . '-' . ($last_id + 42),
	'before the update, 0.5\'s documents import (deployed but the two 0.5 had not deployed)');
my $imports_q = q{
SELECT count(*) || ' imports, differing: '
       || coalesce(string_agg(x.name || '@' || x.version, ' ' ORDER BY x.id)
                     FILTER (WHERE learn.export_model('imported_' || x.id || '@1')
                                     - '{name,version,trained_by,trained_at,lineage,pg_learn_version}'::text[]
                                   IS DISTINCT FROM
                                   x.doc - '{name,version,trained_by,trained_at,lineage,pg_learn_version}'::text[]
                                OR learn.export_model('imported_' || x.id || '@1') -> 'lineage' -> 'imported_from'
                                   IS DISTINCT FROM x.doc -> 'lineage'), 'none')
  FROM exports_v0_5 x;
SELECT count(*) || ' explanations, differing: ' || count(*) FILTER (WHERE NOT public.same_score(
           learn.explain('imported_' || x.id || '@1', o) - '{model,version}'::text[],
           learn.explain(x.name || '@' || x.version, o) - '{model,version}'::text[]))
  FROM exports_v0_5 x, obs o WHERE o.id % 10 = 3};
my $imports_equal = "42 imports, differing: none\n1260 explanations, differing: 0";
is(as_user($node, 'up', 'alice', $imports_q), $imports_equal,
	'the imported models export 0.5\'s documents, with 0.5\'s lineage, and explain as the originals');

my $next_id = $last_id + 43;
is( as_user($node, 'up', 'alice',
		q{SELECT id || ' ' || version || ' ' || (metrics -> 'test' ->> 'n')
		  FROM learn.train('fresh', 'logistic', 'obs', 'clicked', ARRAY['ln(pos) AS log_pos', 'x3', 'shade'],
		                   '{"impute": "mean", "test_fraction": 0.3, "seed": 7}', weight => 'w')}),
	"$next_id 1 91", 'before the update, a training with expressions, imputation and held-out rows works');
is( as_user($node, 'up', 'alice',
		q{SELECT version || ' ' || (metrics ->> 'n_fitted')
		  FROM learn.train('fresh_lm', 'linear', 'obs', 'spend', ARRAY['ln(pos) AS log_pos', 'x1 / pos AS ratio'],
		                   '{"robust": "HC1", "test_fraction": 0.3, "seed": 7}',
		                   group_by => ARRAY['store'], weight => 'w')}),
	'1 3', 'and so does a grouped, weighted, robust linear one');
# 0.5's models trained again by this library have 0.5's coefficients
is( as_user($node, 'up', 'alice',
		q{SELECT 1 FROM learn.train('all_in_again', 'logistic', 'obs', 'clicked',
		                            ARRAY['ln(pos) AS log_pos', 'x3', 'shade'],
		                            '{"impute": "mean", "test_fraction": 0.3, "seed": 7, "deploy": false}',
		                            weight => 'w');
		  SELECT 1 FROM learn.train('spend_expr_again', 'linear', 'obs', 'spend',
		                            ARRAY['ln(pos) AS log_pos', 'x1 / pos AS ratio', 'x2',
		                                  'CASE WHEN k > 11 THEN ''high'' ELSE ''low'' END AS band'],
		                            '{"deploy": false}');
		  SELECT 1 FROM learn.train('mode_imp_again', 'multinomial', 'obs', 'mode', ARRAY['x3', 'shade', 'x1'],
		                            '{"impute": "mean", "deploy": false}');
		  SELECT 1 FROM learn.train('per_store_split_again', 'linear', 'obs', 'y', ARRAY['x1', 'x2'],
		                            '{"test_fraction": 0.3, "seed": 7, "deploy": false}', group_by => ARRAY['store']);
		  SELECT string_agg(a.name || ':' || (a.impute_values IS NOT DISTINCT FROM b.impute_values)
		                    || ':' || (a.feature_exprs IS NOT DISTINCT FROM b.feature_exprs)
		                    || ':' || public.same_score(a.metrics -> 'test', b.metrics -> 'test'),
		                    ' ' ORDER BY a.name)
		  FROM learn.models a JOIN learn.models b ON a.name = b.name || '_again';}
		  . same_fit_q('all_in_again', 'all_in') . ';'
		  . same_fit_q('spend_expr_again', 'spend_expr') . ';'
		  . same_fit_q('mode_imp_again', 'mode_imp') . ';'
		  . same_fit_q('per_store_split_again', 'per_store_split')),
	"1\n1\n1\n1\n"
	  . "all_in_again:true:true:true mode_imp_again:true:true:true per_store_split_again:true:true:true "
	  . "spend_expr_again:true:true:true\n"
	  . "5 terms, true\n5 terms, true\n15 terms, true\n9 terms, true",
	'models with 0.5\'s features trained again have 0.5\'s imputed values, expressions, held-out '
	  . 'metrics and coefficients');
is(as_user($node, 'up', 'alice', q{SELECT version FROM learn.deploy('fresh', 1)}), '1',
	'deploying works before the update');
my $fresh_q = q{SELECT string_agg(learn.predict_proba('fresh', o) || ':' || learn.predict('fresh_lm', o)
                                  || ':' || learn.predict_label('imported_23@1', o),
                                  ' ' ORDER BY id) FROM obs o WHERE store <> 'kiosk'};
my $fresh_scores = as_user($node, 'up', 'alice', $fresh_q);
is(as_user($node, 'up', 'alice', $catalog_q), $catalog_fixture,
	'scoring, importing and training left the rows of 0.5\'s models alone');

# A plain dump of the database at 0.5, restored where CREATE EXTENSION
# makes the current version (a move to a new server with this library)
dump_restore($node, 'up', 'from05', 'alice', $current, 'the database at 0.5');
is(as_user($node, 'from05', 'alice', $catalog_q), $catalog_fixture,
	'the rows of 0.5\'s models are restored unchanged');
is(as_user($node, 'from05', 'alice', $scores_q), $scores_equal,
	'the restored models score as 0.5 did');
is(as_user($node, 'from05', 'alice', $explains_q . ';' . $evaluations_q),
	"$explains_equal\n$evaluations_equal", 'and explain and evaluate as in 0.5');
is(as_user($node, 'from05', 'alice', $exports_q), $exports_equal,
	'and export 0.5\'s documents (but for the database and the extension\'s version)');
is(as_user($node, 'from05', 'alice', $imports_q . ';' . $fresh_q), "$imports_equal\n$fresh_scores",
	'the models imported and trained before the dump score as before');
is( as_user($node, 'from05', 'alice',
		q{SELECT (SELECT version FROM learn.train('spend_expr', 'linear', 'obs', 'spend', ARRAY['x1 / pos AS ratio']))
		         || ' ' ||
		         (SELECT version FROM learn.import_model(learn.export_model('price@3'), 'price'))}),
	'2 5', 'a training and an import work there, and price goes on at 5');

# ---------------------------------------------------------------------
# the update, by the database owner (the extension is trusted)
# ---------------------------------------------------------------------
# One session scores (its model cache holds 0.5's models), updates, and
# scores, explains and trains again.
is( as_user($node, 'up', 'alice',
		q{SELECT count(learn.predict('spend_expr', o)) + count(learn.predict_label('mode_imp', o))
		         + count(learn.explain('all_in', o)) FROM obs o;
		  ALTER EXTENSION pg_learn UPDATE;
		  SELECT 1 FROM learn.train('by_store', 'linear', 'obs', 'spend', ARRAY['ln(pos) AS log_pos', 'shade'],
		                            '{"impute": "mean"}');}
		  . $scores_q . ';' . $explains_q . ';'
		  . q{SELECT count(learn.predict('by_store', o)) FROM obs o}),
	"900\n1\n$scores_equal\n$explains_equal\n300",
	'a session that scored before the update scores and explains as 0.5 did after it, '
	  . 'and trains and scores a model that imputes');
is(as_user($node, 'up', 'alice', q{SELECT extversion FROM pg_extension WHERE extname = 'pg_learn'}),
	$current, "updated to $current");
is(as_user($node, 'up', 'alice', $catalog_q), $catalog_fixture,
	'learn.models, learn.coefficients, learn.groups, learn.encodings and learn.names are unchanged by the update');
is(as_user($node, 'up', 'alice', $scores_q), $scores_equal,
	'after the update every model scores as 0.5 did');
is(as_user($node, 'up', 'alice', $evaluations_q), $evaluations_equal,
	'after the update learn.evaluate gives 0.5\'s metrics');
is(as_user($node, 'up', 'bob', $exports_q), $exports_equal,
	"after the update learn.export_model gives 0.5's documents, but for pg_learn_version $current");
is(as_user($node, 'up', 'alice', $imports_q . ';' . $fresh_q), "$imports_equal\n$fresh_scores",
	'the models imported and trained before the update export and score as they did');
is(as_user($node, 'up', 'alice', $states_q), $states_equal,
	'after the update, 0.5\'s states merge and its rolling fits are computed again as in 0.5');
check_errors('up', 'after the update');
is( as_user($node, 'up', 'bob',
		q{SELECT count(*) FILTER (WHERE s.test_r2 IS NOT DISTINCT FROM (m.metrics -> 'test' ->> 'r2')::float8
		                            AND s.test_rmse IS NOT DISTINCT FROM (m.metrics -> 'test' ->> 'rmse')::float8
		                            AND s.test_mae IS NOT DISTINCT FROM (m.metrics -> 'test' ->> 'mae')::float8
		                            AND s.test_accuracy IS NOT DISTINCT FROM (m.metrics -> 'test' ->> 'accuracy')::float8
		                            AND s.test_auc IS NOT DISTINCT FROM (m.metrics -> 'test' ->> 'auc')::float8
		                            AND s.test_log_loss IS NOT DISTINCT FROM (m.metrics -> 'test' ->> 'log_loss')::float8
		                            AND s.r2 IS NOT DISTINCT FROM (m.metrics ->> 'r2')::float8
		                            AND s.auc IS NOT DISTINCT FROM (m.metrics ->> 'auc')::float8)
		         || ' of ' || count(*) || ', held out: '
		         || count(*) FILTER (WHERE coalesce(s.test_rmse, s.test_log_loss) IS NOT NULL)
		  FROM learn.model_summary s JOIN learn.models m USING (name, version)
		  WHERE m.id <= } . $last_id),
	'42 of 42, held out: 7', 'learn.model_summary shows 0.5\'s metrics, held-out ones as its test_* columns');

# version numbers go on after the highest one given, the dropped 4 included
is( as_user($node, 'up', 'alice',
		q{SELECT version || ' ' || deployed
		  FROM learn.train('price', 'linear', 'obs', 'y', ARRAY['x1', 'x2'], '{"deploy": false}');
		  SELECT version || ' ' || deployed
		  FROM learn.import_model((SELECT doc FROM exports_v0_5 WHERE name = 'buys' AND version = 1), 'buys');
		  SELECT version FROM learn.import_model(learn.export_model('spend_copy2'), 'spend_copy')}),
	"5 false\n3 true\n2", 'the next versions: price 5 (4 was dropped in 0.5), buys 3, spend_copy 2');
like( error_of($node, 'up', 'bob',
		q{SELECT 1 FROM learn.import_model(learn.export_model('bobs_copy'), 'spend_expr')}),
	qr/^42501 permission denied to add a version to model "spend_expr"/,
	'bob still cannot add a version to alice\'s model');
is( as_user($node, 'up', 'bob',
		q{SELECT version FROM learn.train('bobs_copy', 'multinomial', 'obs', 'mode', ARRAY['x1 / pos AS ratio', 'x2'],
		                                  '{"deploy": false}')}),
	'2', 'but he can to his own');

# learn.update: 0.5 kept no states, so its models cannot be updated; a
# model trained after the update can, and equals training on all rows
like( error_of($node, 'up', 'alice', q{SELECT 1 FROM learn.update('price@2', 'obs')}),
	qr/^55000 model "price\@2" has no stored state to update/,
	'a model of 0.5 has no state to update');
is( as_user($node, 'up', 'alice',
		q{SELECT version FROM learn.train('grows', 'linear', 'SELECT * FROM obs WHERE id <= 150', 'y',
		                                  ARRAY['x1', 'x2', 'k'], weight => 'w');
		  SELECT version || ' ' || n_rows FROM learn.update('grows', 'SELECT * FROM obs WHERE id > 150');
		  SELECT version FROM learn.train('grows_all', 'linear', 'obs', 'y', ARRAY['x1', 'x2', 'k'], weight => 'w');
		  SELECT count(*) || ' ' || bool_and(abs(a.estimate - b.estimate) <= 1e-9 * abs(b.estimate)
		                                     AND abs(a.std_error - b.std_error) <= 1e-9 * b.std_error)
		  FROM learn.coefficients a JOIN learn.coefficients b USING (term)
		  WHERE a.model_id = (SELECT id FROM learn.models WHERE name = 'grows' AND version = 2)
		    AND b.model_id = (SELECT id FROM learn.models WHERE name = 'grows_all')}),
	"1\n2 " . $node->safe_psql('up', q{SELECT count(*) FROM obs WHERE y IS NOT NULL AND x1 IS NOT NULL
	                                     AND x2 IS NOT NULL AND k IS NOT NULL AND w > 0})
	  . "\n1\n4 true",
	'a model trained after the update is updated to the fit of all its rows');
my $later_q = q{SELECT string_agg(learn.predict('by_store', o) || ':' || learn.predict_proba('buys@3', o)
                                  || ':' || learn.predict_label('bobs_copy@2', o), ' ' ORDER BY id) FROM obs o};
my $later_scores = as_user($node, 'up', 'alice', $later_q);

# ---------------------------------------------------------------------
# a dump of the updated database, restored into a new one
# ---------------------------------------------------------------------
my $all_before = catalog_digest($node, 'up');
dump_restore($node, 'up', 'restored', 'alice', $current, 'the updated database');
is(catalog_digest($node, 'restored'), $all_before,
	'the catalog rows and the id sequence are restored as they were');
is(as_user($node, 'restored', 'alice', $scores_q . ';' . $explains_q . ';' . $evaluations_q),
	"$scores_equal\n$explains_equal\n$evaluations_equal",
	'the restored 0.5 models score, explain and evaluate as 0.5 did');
is(as_user($node, 'restored', 'alice', $exports_q), $exports_equal,
	'and export 0.5\'s documents');
is(as_user($node, 'restored', 'alice', $fresh_q) . ' | ' . as_user($node, 'restored', 'alice', $later_q),
	"$fresh_scores | $later_scores", 'and the models trained by this library as before the dump');
is( as_user($node, 'restored', 'alice',
		q{SELECT (SELECT 'price@' || version
		          FROM learn.train('price', 'linear', 'obs', 'y', ARRAY['x1'], '{"deploy": false}'))
		         || ' ' ||
		         (SELECT 'all_in@' || version FROM learn.import_model(learn.export_model('all_in'), 'all_in'))}),
	'price@6 all_in@2', 'version numbers go on in the restored database');
is( as_user($node, 'restored', 'alice',
		q{SELECT version || ' ' || n_rows FROM learn.update('grows', 'SELECT * FROM obs WHERE id > 290')}),
	'3 ' . $node->safe_psql('up', q{SELECT n_rows + (SELECT count(*) FROM obs WHERE id > 290 AND y IS NOT NULL
	                                 AND x1 IS NOT NULL AND x2 IS NOT NULL AND k IS NOT NULL AND w > 0)
	                                FROM learn.models WHERE name = 'grows' AND version = 2}),
	'the restored states are updated');

$node->stop;
done_testing();
