
# Copyright (c) pg_learn contributors
#
# A streaming hot standby:
# (a) models trained on the primary score on the standby exactly as on the
#     primary: linear (plain, grouped, weighted), logistic, multinomial, a
#     categorical feature, a feature expression and imputed means, through
#     learn.predict, learn.predict_proba and learn.predict_label, in the
#     array form, the plain row form and the form the planner rewrites;
# (b) a deploy, a new version and a drop on the primary are seen by the
#     next statement of a standby session that was already scoring, by its
#     prepared statements, by a PL/pgSQL call site and by a new session,
#     for a plain and a grouped (lazily loaded) model;
# (c) training, updating, deploying, dropping and importing on the standby
#     fail with SQLSTATE 25006 naming what was refused, and the standby
#     goes on scoring.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib";
use LearnTest;

my $primary = PostgreSQL::Test::Cluster->new('replica_primary');
$primary->init(allows_streaming => 1);
$primary->start;
$primary->backup('b');
my $standby = PostgreSQL::Test::Cluster->new('replica_standby');
$standby->init_from_backup($primary, 'b', has_streaming => 1);
$standby->start;

# wait_for_catchup in 'replay' mode exists in the test framework of every
# PostgreSQL release pg_learn supports
sub replay { $primary->wait_for_catchup($standby, 'replay'); }

# the extension is installed on the primary only and reaches the standby
# through WAL, as the data and the models do
$primary->safe_psql(
	'postgres', q{
CREATE EXTENSION pg_learn;
CREATE TABLE d AS
SELECT i, i % 3 AS g,
       1.5 + (i % 17) * 0.25 + 0.3 * sin(i) AS x1,
       2 * cos(i * 0.7) AS x2,
       CASE WHEN i % 11 = 0 THEN NULL ELSE sin(i * 1.3) END AS x3,
       1 + i % 5 AS w,
       (ARRAY['red', 'green', 'blue'])[1 + i % 3] AS color,
       sin(i * 5.1) AS noise
  FROM generate_series(1, 400) i;
ALTER TABLE d ADD y float8, ADD yb int, ADD y3 text;
UPDATE d SET y = 3 + 2 * x1 - x2 + 0.5 * g + coalesce(x3, 0)
                 + CASE color WHEN 'red' THEN 1 WHEN 'blue' THEN -0.5 ELSE 0 END + 0.4 * noise,
             yb = (x1 - 3.5 + x2 + 1.5 * noise > 0)::int,
             y3 = CASE WHEN x1 + noise < 2.8 THEN 'bird' WHEN x1 + noise < 4.3 THEN 'cat' ELSE 'dog' END;
SELECT 1 FROM learn.train('lin', 'linear', 'd', 'y', '{x1,x2}');
SELECT 1 FROM learn.train('lin_g', 'linear', 'd', 'y', '{x1,x2}', group_by => '{g}');
SELECT 1 FROM learn.train('lin_w', 'linear', 'd', 'y', '{x1,x2}', weight => 'w');
SELECT 1 FROM learn.train('logit', 'logistic', 'd', 'yb', '{x1,x2}');
SELECT 1 FROM learn.train('mn', 'multinomial', 'd', 'y3', '{x1,x2}');
SELECT 1 FROM learn.train('cat', 'linear', 'd', 'y', '{x1,color}');
SELECT 1 FROM learn.train('expr', 'linear', 'd', 'y', ARRAY['ln(x1) AS log_x1', 'x2']);
SELECT 1 FROM learn.train('imp', 'linear', 'd', 'y', '{x1,x3}', '{"impute": "mean"}');
});
replay();

is($standby->safe_psql('postgres', 'SELECT pg_is_in_recovery()'), 't', 'the standby is in recovery');
is($standby->safe_psql('postgres', 'SELECT string_agg(name, \',\' ORDER BY name) FROM learn.models'),
	'cat,expr,imp,lin,lin_g,lin_w,logit,mn', 'the models reached the standby');

# ---------------------------------------------------------------------
# (a) the same scores on both
# ---------------------------------------------------------------------

# each model and the scoring expressions to compare; ROW stands for the
# row, which is d itself (rewritten by the planner) or a subquery's row
# (the plain row form)
my @cases = (
	[ 'lin', q{learn.predict('lin', ROW)}, q{learn.predict('lin', ARRAY[x1, x2])} ],
	[ 'lin_g', q{learn.predict('lin_g', ROW)} ],
	[ 'lin_w', q{learn.predict('lin_w', ROW)}, q{learn.predict('lin_w', ARRAY[x1, x2])} ],
	[
		'logit', q{learn.predict('logit', ROW)},
		q{learn.predict_proba('logit', ROW)},
		q{learn.predict_label('logit', ROW)},
		q{learn.predict_proba('logit', ARRAY[x1, x2])},
		q{learn.predict_label('logit', ARRAY[x1, x2])},
		q{learn.predict('logit', ARRAY[x1, x2])}
	],
	[
		'mn', q{learn.predict_label('mn', ROW)},
		q{learn.predict_proba('mn', ROW, 'cat')},
		q{learn.predict_proba('mn', ROW, 'dog')},
		q{learn.predict_label('mn', ARRAY[x1, x2])},
		q{learn.predict_proba('mn', ARRAY[x1, x2], 'bird')}
	],
	[ 'cat', q{learn.predict('cat', ROW)} ],
	[ 'expr', q{learn.predict('expr', ROW)} ],
	[ 'imp', q{learn.predict('imp', ROW)}, q{learn.predict('imp', ARRAY[x1, x3])} ]);

for my $case (@cases)
{
	my ($model, @exprs) = @$case;
	for my $e (@exprs)
	{
		my @forms = $e =~ /ROW/
		  ? ([ 'rewritten', 'd', 'd' ], [ 'row', 'r', '(SELECT * FROM d OFFSET 0) r' ])
		  : ([ 'array', 'd', 'd' ]);
		for my $f (@forms)
		{
			my ($form, $row, $from) = @$f;
			(my $expr = $e) =~ s/ROW/$row/;
			my $sql = "SELECT i, $expr FROM $from ORDER BY i";
			my $p = $primary->safe_psql('postgres', $sql);
			my $s = $standby->safe_psql('postgres', $sql);
			my $scored = () = $p =~ /^\d+\|\S+$/mg;
			is($scored, 400, "$model, $form form, $expr: every row scored on the primary");
			is($s, $p, "$model, $form form, $expr: the standby scores as the primary");
			if ($form eq 'rewritten')
			{
				like($standby->safe_psql('postgres', "EXPLAIN (VERBOSE, COSTS OFF) $sql"),
					qr/learn\._predict_\w*cols\(/,
					"$model, $expr: the planner rewrites the row form on the standby");
			}
		}
	}
}

# ---------------------------------------------------------------------
# (b) deploys on the primary, seen by the standby's next statement
# ---------------------------------------------------------------------
$primary->safe_psql(
	'postgres', q{
SELECT 1 FROM learn.train('dep', 'linear', 'SELECT * FROM d WHERE i <= 200', 'y', '{x1,x2}');
SELECT 1 FROM learn.train('depg', 'linear', 'SELECT * FROM d WHERE i <= 200', 'y', '{x1,x2}',
                          group_by => '{g}');
CREATE FUNCTION score_dep(a float8, b float8) RETURNS float8 LANGUAGE plpgsql STABLE AS
$$BEGIN RETURN learn.predict('dep', ARRAY[a, b]); END$$;
});
replay();

# run $sql in session $s, dying on an error
sub sq
{
	my ($s, $sql) = @_;
	$s->{stderr} = '';
	my $out = $s->query($sql);
	die "query failed: $s->{stderr}" if $s->{stderr} =~ /ERROR/;
	return $out;
}

# the error $sql raises in session $s
sub err
{
	my ($s, $sql) = @_;
	$s->{stderr} = '';
	my $out = $s->query($sql);
	return $s->{stderr} =~ /ERROR:\s+([^\n]*)/ ? $1 : "no error (output '$out')";
}

my $dep_array = q{SELECT string_agg(learn.predict('%s', ARRAY[x1, x2])::text, ',' ORDER BY i)
  FROM d WHERE i %% 40 = 0};
my $dep_rows = q{SELECT string_agg(learn.predict('%s', d)::text, ',' ORDER BY i)
  FROM d WHERE i %% 40 = 0};
my $depg_one = q{SELECT string_agg(learn.predict('%s', d)::text, ',' ORDER BY i)
  FROM d WHERE g = 1 AND i %% 40 = 1};
my $depg_all = q{SELECT string_agg(learn.predict('%s', d)::text, ',' ORDER BY i)
  FROM d WHERE i %% 40 < 3};
my $plpgsql = q{SELECT string_agg(score_dep(x1, x2)::text, ',' ORDER BY i) FROM d WHERE i % 40 = 0};
my $plpgsql_one = q{SELECT score_dep(2.5, 1.0)};
my $one = q{SELECT learn.predict('%s', ARRAY[2.5, 1.0])};

# what the primary scores with version v of a model
sub on_primary
{
	my ($query, $model) = @_;
	return $primary->safe_psql('postgres', sprintf($query, $model));
}

my $s = $standby->background_psql('postgres', on_error_stop => 0);
is(sq($s, sprintf($dep_array, 'dep')), on_primary($dep_array, 'dep@1'),
	'the standby session scores version 1');
is(sq($s, sprintf($depg_one, 'depg')), on_primary($depg_one, 'depg@1'),
	'the standby session scores one group of the grouped version 1');
sq($s, sprintf(q{PREPARE arr AS %s}, sprintf($dep_array, 'dep')));
sq($s, sprintf(q{PREPARE prow AS %s}, sprintf($dep_rows, 'dep')));
sq($s, q{PREPARE par(text) AS SELECT learn.predict($1, ARRAY[2.5, 1.0])});
is(sq($s, 'EXECUTE arr'), on_primary($dep_array, 'dep@1'), 'a prepared array form: version 1');
is(sq($s, 'EXECUTE prow'), on_primary($dep_rows, 'dep@1'), 'a prepared rewritten form: version 1');
like(sq($s, q{EXPLAIN (VERBOSE, COSTS OFF) EXECUTE prow}), qr/learn\._predict_cols\(/,
	'the prepared row form is rewritten');
is(sq($s, q{EXECUTE par('dep')}),
	on_primary(q{SELECT learn.predict('%s', ARRAY[2.5, 1.0])}, 'dep@1'),
	'a prepared statement with the name as a parameter: version 1');
is(sq($s, $plpgsql), on_primary($dep_array, 'dep@1'), 'a PL/pgSQL call site: version 1');

# version 2, trained on other rows, is deployed on the primary
$primary->safe_psql(
	'postgres', q{
SELECT 1 FROM learn.train('dep', 'linear', 'SELECT * FROM d WHERE i > 200', 'y', '{x1,x2}');
SELECT 1 FROM learn.train('depg', 'linear', 'SELECT * FROM d WHERE i > 200', 'y', '{x1,x2}',
                          group_by => '{g}');
});
replay();
my $v1 = on_primary($dep_array, 'dep@1');
my $v2 = on_primary($dep_array, 'dep@2');
isnt($v2, $v1, 'version 2 scores otherwise than version 1');
is(sq($s, sprintf($dep_array, 'dep')), $v2, 'a new version: the same session\'s next statement scores it');
is(sq($s, 'EXECUTE arr'), $v2, 'a new version: the prepared array form scores it');
is(sq($s, 'EXECUTE prow'), on_primary($dep_rows, 'dep@2'),
	'a new version: the prepared rewritten form scores it');
is(sq($s, q{EXECUTE par('dep')}),
	on_primary(q{SELECT learn.predict('%s', ARRAY[2.5, 1.0])}, 'dep@2'),
	'a new version: the prepared statement with a parameter scores it');
is(sq($s, $plpgsql), $v2, 'a new version: the PL/pgSQL call site scores it');
is($standby->safe_psql('postgres', sprintf($dep_array, 'dep')), $v2,
	'a new version: a new standby session scores it');
isnt(on_primary($depg_one, 'depg@2'), on_primary($depg_one, 'depg@1'),
	'grouped version 2 scores otherwise than version 1');
is(sq($s, sprintf($depg_one, 'depg')), on_primary($depg_one, 'depg@2'),
	'a new grouped version: the same session scores the group with it');
is(sq($s, sprintf($depg_all, 'depg')), on_primary($depg_all, 'depg@2'),
	'a new grouped version: and every group');

# back to version 1 with learn.deploy, inside a standby transaction
# whose PL/pgSQL call sites live on from one statement to the next
sq($s, 'BEGIN');
is(sq($s, $plpgsql_one), on_primary($one, 'dep@2'),
	'in a standby transaction: a PL/pgSQL call site scores version 2');
is(sq($s, $plpgsql), $v2, 'in a standby transaction: and one called for each row');
$primary->safe_psql('postgres', q{
SELECT 1 FROM learn.deploy('dep', 1);
SELECT 1 FROM learn.deploy('depg', 1);});
replay();
is(sq($s, $plpgsql_one), on_primary($one, 'dep@1'),
	'in a standby transaction: a redeploy is seen by the next statement\'s PL/pgSQL call site');
is(sq($s, $plpgsql), $v1, 'in a standby transaction: and by the one called for each row');
is(sq($s, sprintf($dep_array, 'dep')), $v1, 'in a standby transaction: and by a plain statement');
sq($s, 'COMMIT');
is(sq($s, 'EXECUTE arr'), $v1, 'a redeploy: the prepared array form scores version 1');
is(sq($s, 'EXECUTE prow'), on_primary($dep_rows, 'dep@1'),
	'a redeploy: the prepared rewritten form scores version 1');
is(sq($s, sprintf($depg_all, 'depg')), on_primary($depg_all, 'depg@1'),
	'a redeploy of a grouped model: every group scores version 1');
is($standby->safe_psql('postgres', sprintf($depg_all, 'depg')), on_primary($depg_all, 'depg@1'),
	'a redeploy of a grouped model: a new session scores version 1');

# a version with other features: the prepared rewritten form is planned again
$primary->safe_psql('postgres',
	q{SELECT 1 FROM learn.train('dep', 'linear', 'd', 'y', '{x1,x2,color}')});
replay();
my $v3 = on_primary($dep_rows, 'dep@3');
is(sq($s, 'EXECUTE prow'), $v3, 'a version with other features: the prepared rewritten form scores it');
like(sq($s, q{EXPLAIN (VERBOSE, COSTS OFF) EXECUTE prow}), qr/learn\._predict_cols\(.*color/s,
	'a version with other features: the prepared row form is planned again with its columns');

# dropped on the primary: unknown on the standby
$primary->safe_psql('postgres', q{
SELECT learn.drop_model('dep');
SELECT learn.drop_model('depg');});
replay();
is(err($s, sprintf($dep_rows, 'dep')), 'model "dep" does not exist',
	'a dropped model: the same session\'s next statement does not know it');
is(err($s, 'EXECUTE arr'), 'model "dep" does not exist', 'a dropped model: nor its prepared statement');
is(err($s, 'EXECUTE prow'), 'model "dep" does not exist',
	'a dropped model: nor its prepared rewritten form');
is(err($s, $plpgsql), 'model "dep" does not exist', 'a dropped model: nor a PL/pgSQL call site');
is(err($s, sprintf($depg_all, 'depg')), 'model "depg" does not exist',
	'a dropped grouped model: the same session does not know it');

# ---------------------------------------------------------------------
# (c) writing on the standby
# ---------------------------------------------------------------------
my $su = $primary->safe_psql('postgres', 'SELECT current_user');
my $export = $primary->safe_psql('postgres', q{SELECT learn.export_model('lin')});
my %writes = (
	'learn.train' => q{SELECT learn.train('lin', 'linear', 'd', 'y', '{x1}')},
	'learn.deploy' => q{SELECT learn.deploy('lin', 1)},
	'learn.drop_model' => q{SELECT learn.drop_model('lin')},
	'learn.update' => q{SELECT learn.update('lin', 'd')},
	'learn.import_model' => qq{SELECT learn.import_model('$export', 'lin2')});
for my $f (sort keys %writes)
{
	like(error_of($standby, 'postgres', $su, $writes{$f}),
		qr/^25006 cannot execute \Q$f()\E in a read-only transaction$/,
		"$f on the standby: a read-only transaction error naming it");
	like(err($s, $writes{$f}), qr/^cannot execute \Q$f()\E in a read-only transaction$/,
		"$f in the scoring session on the standby: the same error");
}
is(sq($s, sprintf($dep_array, 'lin')), on_primary($dep_array, 'lin'),
	'the standby session scores on after the refused writes');
is($standby->safe_psql('postgres', q{SELECT count(*) FROM learn.models}),
	$primary->safe_psql('postgres', q{SELECT count(*) FROM learn.models}),
	'the standby has the models the primary has');
$s->quit;

done_testing();
