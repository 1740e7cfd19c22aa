
# Copyright (c) pg_learn contributors
#
# Parallel training: the aggregates get a Partial/Finalize plan with
# parallel workers, and what they compute in parallel equals the serial
# result; partial states computed apart merge into the whole-table fit;
# a corrupted state is rejected with 22P03 without harming the server.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

# relative tolerance for "the same result computed in another order"
my $tol = 1e-10;

my $node = PostgreSQL::Test::Cluster->new('parallel');
$node->init;
$node->append_conf(
	'postgresql.conf', qq{
max_worker_processes = 8
max_parallel_workers = 8
});
$node->start;

$node->safe_psql('postgres', 'CREATE EXTENSION pg_learn');

# 200k rows, deterministic: trigonometric features, noise from modular
# arithmetic, an int feature k, a group column g with three values and a
# weight w.
$node->safe_psql(
	'postgres', q{
CREATE TABLE t AS
SELECT i AS id, x1, x2, x3, x4, x5, k, g, w,
       3 + 1.5 * x1 - 2 * x2 + 0.75 * x3 + 4 * x4 - 1.25 * x5 + 0.02::float8 * k
         + (i % 3) * 0.5::float8 * x1 + noise AS y
FROM (SELECT i,
             2 * sin(i * 0.7071) AS x1,
             3 * cos(i * 0.3183) AS x2,
             sin(i * 1.4142 + 1) * cos(i * 0.0577) AS x3,
             ((i::bigint * 7919 % 1000) / 500.0 - 1)::float8 AS x4,
             cos(i * 2.2361) ^ 2 AS x5,
             (i * 31 % 101)::int AS k,
             (ARRAY['east', 'north', 'south'])[1 + i % 3] AS g,
             (1 + i * 13 % 7)::float8 AS w,
             (((i::bigint * 104729 % 9973) / 9973.0 - 0.5) * 0.8)::float8 AS noise
      FROM generate_series(1, 200000) AS i) AS s;
ANALYZE t;

-- relative difference; NULL against non-NULL is infinitely different
CREATE FUNCTION reldiff(a float8, b float8) RETURNS float8
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN a IS NULL AND b IS NULL THEN 0
              WHEN a IS NULL OR b IS NULL THEN 'Infinity'
              WHEN a = b THEN 0
              ELSE abs(a - b) / greatest(abs(a), abs(b)) END
$$;
CREATE FUNCTION reldiff(a float8[], b float8[]) RETURNS float8
LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(max(reldiff(p.v, q.v)), 'Infinity')
  FROM unnest(a) WITH ORDINALITY AS p(v, i)
  FULL JOIN unnest(b) WITH ORDINALITY AS q(v, i) USING (i)
$$;
-- largest relative difference between the coefficient tables of two models
CREATE FUNCTION coef_diff(m1 text, m2 text) RETURNS float8
LANGUAGE sql STABLE AS $$
  SELECT coalesce(max(greatest(reldiff(a.estimate, b.estimate),
                               reldiff(a.std_error, b.std_error),
                               reldiff(a.statistic, b.statistic))), 'Infinity')
  FROM (SELECT c.* FROM learn.coefficients c JOIN learn.models m ON m.id = c.model_id
        WHERE m.name = m1) AS a
  FULL JOIN (SELECT c.* FROM learn.coefficients c JOIN learn.models m ON m.id = c.model_id
             WHERE m.name = m2) AS b
  USING (group_key, class, position)
$$;
});

my $rows = $node->safe_psql('postgres', 'SELECT count(*) FROM t');
is($rows, '200000', 'data table has 200000 rows');

my $parallel = q{
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
};
my $serial = q{
SET max_parallel_workers_per_gather = 0;
};

my $partial_query =
  'SELECT learn.linear_partial(y, 1, x1, x2, x3, x4, x5, k) FROM t';

# ---------------------------------------------------------------------
# (a) the plan
# ---------------------------------------------------------------------
my $plan = $node->safe_psql('postgres', "$parallel EXPLAIN (COSTS OFF) $partial_query");
like($plan, qr/Finalize Aggregate/, 'linear_partial plan has Finalize Aggregate');
like($plan, qr/Gather/, 'linear_partial plan has Gather');
like($plan, qr/Partial Aggregate/, 'linear_partial plan has Partial Aggregate');

$plan = $node->safe_psql('postgres',
	"$parallel EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) $partial_query");
like($plan, qr/Workers Launched: 2/, 'linear_partial ran with 2 parallel workers');

$plan = $node->safe_psql('postgres',
	"$parallel EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) "
	  . "SELECT g, learn.linear_partial(y, w, x1, x2, x3, x4, x5, k) FROM t GROUP BY g");
like($plan, qr/Workers Launched: 2/, 'grouped linear_partial ran with 2 workers');
like($plan, qr/Partial (Hash|Group)Aggregate/, 'grouped linear_partial has partial aggregates');

$plan = $node->safe_psql('postgres', "$serial EXPLAIN (COSTS OFF) $partial_query");
unlike($plan, qr/Gather|Partial/, 'serial settings give a plain aggregate');

# ---------------------------------------------------------------------
# (b) learn.train in parallel equals learn.train serially
# ---------------------------------------------------------------------

# Train under the given settings and return the nested training queries'
# plans that auto_explain logged.
sub train_logged
{
	my ($settings, $call) = @_;
	my $offset = -s $node->logfile;
	$node->safe_psql(
		'postgres', qq{
$settings
LOAD 'auto_explain';
SET auto_explain.log_min_duration = 0;
SET auto_explain.log_analyze = on;
SET auto_explain.log_timing = off;
SET auto_explain.log_nested_statements = on;
SELECT 1 FROM $call;
});
	return slurp_file($node->logfile, $offset);
}

my %trainings = (
	plain => q{learn.train('%s', 'linear', 't', 'y',
	                ARRAY['x1','x2','x3','x4','x5','k'])},
	grouped => q{learn.train('%s', 'linear', 't', 'y',
	                ARRAY['x1','x2','x3','x4','x5','k'], group_by => ARRAY['g'])},
	weighted => q{learn.train('%s', 'linear', 't', 'y',
	                ARRAY['x1','x2','x3','x4','x5','k'], weight => 'w')},
	robust => q{learn.train('%s', 'linear', 't', 'y',
	                ARRAY['x1','x2','x3','x4','x5','k'], '{"robust": "HC1"}',
	                group_by => ARRAY['g'], weight => 'w')});

foreach my $kind (sort keys %trainings)
{
	my $log = train_logged($parallel, sprintf($trainings{$kind}, "${kind}_par"));
	# auto_explain's entry for the nested training pass
	my ($entry) = grep { /Query Text: [^\n]*learn\.linear_partial\(/ }
	  split /LOG:\s+duration:/, $log;
	ok(defined $entry && $entry =~ /Workers Launched: 2/,
		"$kind: the training pass ran with 2 parallel workers")
	  or diag("auto_explain log:\n$log");
	$log = train_logged($serial, sprintf($trainings{$kind}, "${kind}_ser"));
	($entry) = grep { /Query Text: [^\n]*learn\.linear_partial\(/ }
	  split /LOG:\s+duration:/, $log;
	ok(defined $entry && $entry !~ /Workers|Partial/,
		"$kind: the serial training pass ran without workers")
	  or diag("auto_explain log:\n$log");

	if ($kind eq 'robust')
	{
		# the robust pass: one scan of t, its groups kept by its aggregate
		# as the first pass's, with the coefficients in a parameter; no
		# join, no sort of the data
		my $log = train_logged($parallel, sprintf($trainings{$kind}, "${kind}_plan"));
		my ($meat) = grep { /Query Text: [^\n]*learn\._linear_meat_groups\(/ }
		  split /LOG:\s+duration:/, $log;
		ok(defined $meat, 'robust: auto_explain logged the robust pass')
		  or diag("auto_explain log:\n$log");
		$meat //= '';
		my @scans = ($meat =~ /Scan on t\b/g);
		is(scalar @scans, 1, 'robust: the robust pass scans t once')
		  or diag($meat);
		unlike($meat, qr/Join|Hash Cond|Merge Cond/, 'robust: the robust pass joins nothing')
		  or diag($meat);
		like($meat, qr/Workers Launched: 2/, 'robust: the robust pass runs on 2 workers')
		  or diag($meat);
		# 0.8: its aggregate keeps the groups itself, no GROUP BY
		unlike($meat, qr/Group Key|Sort Key/, 'robust: the robust pass groups nothing')
		  or diag($meat);
	}

	my $nterms = $node->safe_psql(
		'postgres', qq{
SELECT (SELECT count(*) FROM learn.coefficients c JOIN learn.models m ON m.id = c.model_id
        WHERE m.name = '${kind}_par')
    || ' ' ||
       (SELECT count(*) FROM learn.coefficients c JOIN learn.models m ON m.id = c.model_id
        WHERE m.name = '${kind}_ser')});
	my $expected = ($kind eq 'grouped' || $kind eq 'robust') ? 21 : 7;
	is($nterms, "$expected $expected", "$kind: both fits stored $expected terms");

	my $d = $node->safe_psql('postgres', "SELECT coef_diff('${kind}_par', '${kind}_ser')");
	cmp_ok($d, '<', $tol,
		"$kind: parallel and serial estimates, standard errors, t equal");

	# r2 and the other metrics, ungrouped (learn.models) or per group
	# (learn.groups)
	$d = $node->safe_psql(
		'postgres', qq{
WITH ids AS (
  SELECT (SELECT id FROM learn.models WHERE name = '${kind}_par') AS p,
         (SELECT id FROM learn.models WHERE name = '${kind}_ser') AS s),
pairs(key, p, s) AS (
  SELECT '{}'::text[], (SELECT metrics FROM learn.models WHERE id = ids.p),
         (SELECT metrics FROM learn.models WHERE id = ids.s) FROM ids
  UNION ALL
  SELECT gs.group_key, gp.metrics, gs.metrics
    FROM ids JOIN learn.groups gs ON gs.model_id = ids.s
    LEFT JOIN learn.groups gp ON gp.model_id = ids.p AND gp.group_key = gs.group_key),
metric(key, k) AS (
  SELECT key, k FROM pairs, jsonb_object_keys(pairs.s) AS k)
SELECT coalesce(max(reldiff((p ->> metric.k)::float8, (s ->> metric.k)::float8)), 'Infinity')
       || ' ' || count(*) FILTER (WHERE metric.k = 'r2')
FROM pairs JOIN metric USING (key)});
	my ($md, $nr2) = split / /, $d;
	cmp_ok($md, '<', $tol, "$kind: parallel and serial metrics equal");
	is($nr2, ($kind eq 'grouped' || $kind eq 'robust') ? 3 : 1,
		"$kind: r2 compared for every fit");
}

# IRLS: every iteration of a logistic fit is one parallel aggregate pass,
# one scan of the source with no join, and the fit equals the serial one
{
	my $call = q{learn.train('%s', 'logistic',
	    'SELECT y > 3 AS big, x1, x2, x3, x4, x5, k, g, w FROM t', 'big',
	    ARRAY['x1','x2','x3','x4','x5','k'], group_by => ARRAY['g'], weight => 'w')};
	my $log = train_logged($parallel, sprintf($call, 'logit_par'));
	# (0.9: a pass keeps its groups in learn._glm_pass_groups but where a
	# group keeps its scores for the AUC)
	my @passes = grep { /Query Text: [^\n]*learn\._glm_pass(?:_groups)?\(/ }
	  split /LOG:\s+duration:/, $log;
	my $iterations = $node->safe_psql('postgres',
		q{SELECT max((g.metrics ->> 'iterations')::int) FROM learn.groups g
		  JOIN learn.models m ON m.id = g.model_id WHERE m.name = 'logit_par'});
	# pass 1 from the starting means, then one pass per iteration
	is(scalar @passes, $iterations + 1, "logistic: $iterations iterations, one pass each and the first")
	  or diag("auto_explain log:\n$log");
	is(scalar(grep { /Partial (Hash|Group)?Aggregate/ && /Finalize (Hash|Group)?Aggregate/
				  && /Workers Launched: 2/ } @passes),
		scalar @passes, 'logistic: every pass is a Partial/Finalize aggregate on 2 workers');
	is(scalar(grep { my @s = /Scan on t\b/g; @s == 1 && !/Join|Hash Cond|Merge Cond/ } @passes),
		scalar @passes, 'logistic: every pass scans t once and joins nothing');
	train_logged($serial, sprintf($call, 'logit_ser'));
	cmp_ok($node->safe_psql('postgres', "SELECT coef_diff('logit_par', 'logit_ser')"),
		'<', 1e-9, 'logistic: parallel and serial fits agree');
	# the rows' scores for the AUC cross from the workers to the leader
	cmp_ok($node->safe_psql('postgres', q{
SELECT coalesce(max(abs((a.metrics ->> 'auc')::float8 - (b.metrics ->> 'auc')::float8)), 1)
FROM learn.groups a JOIN learn.models ma ON ma.id = a.model_id AND ma.name = 'logit_par'
JOIN learn.groups b ON b.group_key = a.group_key
JOIN learn.models mb ON mb.id = b.model_id AND mb.name = 'logit_ser'}),
		'<', 1e-12, 'logistic: parallel and serial AUC agree');
}

# Group values that are equal but print differently ('1 day' and
# '24:00:00'): a group is stored under the text of one of them, and which
# one a group's first row in a parallel worker holds is chance.  The later
# passes (the robust pass, kept by its aggregate; every IRLS iteration,
# with GROUP BY) find a group's coefficients by the values' equality, so
# the parallel fits equal the serial ones (they found none of the rows of
# a group whose first row in a worker printed otherwise).
{
	my $src = q{SELECT y, y > 3 AS big, x1, x2, x3, w,
	  CASE WHEN id / 37 % 2 = 0 THEN make_interval(days => id % 300)
	       ELSE make_interval(hours => 24 * (id % 300)) END AS iv FROM t};
	for my $run (['ser', $serial], ['par', $parallel])
	{
		my ($suffix, $settings) = @$run;
		$node->safe_psql(
			'postgres', qq{$settings
SELECT learn.train('iv_robust_$suffix', 'linear', \$\$$src\$\$, 'y', ARRAY['x1','x2','x3'],
                   '{"robust": "HC1"}', group_by => ARRAY['iv'], weight => 'w');
SELECT learn.train('iv_logit_$suffix', 'logistic', \$\$$src\$\$, 'big', ARRAY['x1','x2','x3'],
                   group_by => ARRAY['iv'], weight => 'w');});
	}
	for my $family ('robust', 'logit')
	{
		my $r = $node->safe_psql(
			'postgres', qq{
WITH c AS (
  SELECT m.name, c.group_key[1]::interval AS iv, c.position, c.estimate, c.std_error
  FROM learn.coefficients c JOIN learn.models m ON m.id = c.model_id
  WHERE m.name IN ('iv_${family}_par', 'iv_${family}_ser'))
SELECT coalesce(max(greatest(reldiff(p.estimate, s.estimate), reldiff(p.std_error, s.std_error))),
                'Infinity')
       || ' ' || count(p.*) || ' ' || count(s.*)
FROM (SELECT * FROM c WHERE name = 'iv_${family}_par') AS p
FULL JOIN (SELECT * FROM c WHERE name = 'iv_${family}_ser') AS s USING (iv, position)});
		my ($diff, $np, $ns) = split / /, $r;
		is("$np $ns", '1200 1200', "$family by interval: 300 groups of 4 terms both ways");
		cmp_ok($diff, '<', 1e-9,
			"$family by interval: parallel and serial fits agree for keys that print two ways");
	}
	is( $node->safe_psql(
			'postgres', q{
SELECT string_agg(m.name || ':' || (SELECT count(*) FROM learn.groups g
                                    WHERE g.model_id = m.id AND g.fitted), ' ' ORDER BY m.name)
FROM learn.models m WHERE m.name LIKE 'iv\_%'}),
		'iv_logit_par:300 iv_logit_ser:300 iv_robust_par:300 iv_robust_ser:300',
		'by interval: every group fitted both ways');
}

# the variants really differ from each other, so that each comparison
# above compared a fit of its own
cmp_ok($node->safe_psql('postgres', "SELECT coef_diff('weighted_ser', 'plain_ser')"),
	'>', 1e-6, 'weights change the fit');
cmp_ok($node->safe_psql('postgres', "SELECT coef_diff('robust_ser', 'grouped_ser')"),
	'>', 1e-6, 'robust weighted standard errors differ from the classical ones');

# the rows counted are the same
is( $node->safe_psql(
		'postgres', q{
SELECT string_agg(name || ':' || n_rows || '/' || n_skipped, ' ' ORDER BY name)
FROM learn.models WHERE name LIKE 'grouped%'}),
	'grouped_par:200000/0 grouped_ser:200000/0',
	'parallel and serial trainings counted the same rows');

# A grouped GLM's passes (0.9): each is one scan of t, its groups kept by
# its aggregate (learn._glm_pass_groups), on 2 workers, with no GROUP BY,
# join or sort of the data; the same fit as serially.
{
	my $poisson = q{learn.train('%s', 'glm', 't', 'k', ARRAY['x1','x2'],
	                '{"family": "poisson"}', group_by => ARRAY['g'])};
	my $log = train_logged($parallel, sprintf($poisson, 'poisson_par'));
	my @passes = grep { /Query Text: [^\n]*learn\._glm_pass(?:_groups)?\(/ }
	  split /LOG:\s+duration:/, $log;
	cmp_ok(scalar @passes, '>=', 3, 'poisson: auto_explain logged its passes')
	  or diag("auto_explain log:\n$log");
	is(scalar(grep { !/learn\._glm_pass_groups\(/ } @passes), 0,
		'poisson: every pass keeps its groups in its aggregate');
	is(scalar(grep { my @s = /Scan on t\b/g; @s != 1 } @passes), 0,
		'poisson: every pass scans t once');
	is(scalar(grep { /Group Key|Sort Key|Join|Hash Cond|Merge Cond/ } @passes), 0,
		'poisson: no pass groups, sorts or joins');
	is(scalar(grep { !/Workers Launched: 2/ } @passes), 0,
		'poisson: every pass runs on 2 workers');
	train_logged($serial, sprintf($poisson, 'poisson_ser'));
	cmp_ok($node->safe_psql('postgres', "SELECT coef_diff('poisson_par', 'poisson_ser')"),
		'<', $tol, 'poisson: parallel and serial estimates, standard errors, z equal');
}

# ---------------------------------------------------------------------
# (c) learn.linreg in parallel equals learn.linreg serially
# ---------------------------------------------------------------------
my $linreg =
  'SELECT learn.linreg(y, ARRAY[1, x1, x2, x3, x4, x5, k]) AS r FROM t';
$plan = $node->safe_psql('postgres',
	"$parallel EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) $linreg");
like($plan, qr/Finalize Aggregate/, 'linreg plan has Finalize Aggregate');
like($plan, qr/Partial Aggregate/, 'linreg plan has Partial Aggregate');
like($plan, qr/Workers Launched: 2/, 'linreg ran with 2 workers');

$node->safe_psql('postgres',
	"$parallel CREATE TABLE linreg_par AS $linreg; $serial CREATE TABLE linreg_ser AS $linreg;");
my $d = $node->safe_psql(
	'postgres', q{
SELECT greatest(reldiff((p.r).coef, (s.r).coef), reldiff((p.r).std_err, (s.r).std_err),
                reldiff((p.r).t_stats, (s.r).t_stats), reldiff((p.r).r2, (s.r).r2),
                reldiff((p.r).adj_r2, (s.r).adj_r2),
                reldiff((p.r).condition_no, (s.r).condition_no))
       || ' ' || (p.r).n || ' ' || (s.r).n || ' ' || cardinality((p.r).coef)
FROM linreg_par p, linreg_ser s});
my ($ld, $pn, $sn, $ncoef) = split / /, $d;
cmp_ok($ld, '<', $tol, 'linreg: parallel and serial results equal');
is("$pn $sn $ncoef", '200000 200000 7', 'linreg: both saw every row');

# the fitted coefficients are the generating ones (noise is small)
my $coef = $node->safe_psql(
	'postgres', q{
SELECT max(abs(c - e)) FROM linreg_ser,
       unnest((r).coef, ARRAY[3, 2, -2, 0.75, 4, -1.25, 0.02]::float8[]) AS u(c, e)});
cmp_ok($coef, '<', 0.01, 'linreg: coefficients near the generating ones');

# ---------------------------------------------------------------------
# (d) states of disjoint slices merge into the whole-table fit
# ---------------------------------------------------------------------
$node->safe_psql(
	'postgres', q{
CREATE TABLE slices (slice int, lr bytea, lin bytea);
INSERT INTO slices SELECT 1, learn.linreg_partial(y, ARRAY[1, x1, x2, x3, x4, x5, k]),
                          learn.linear_partial(y, 1, x1, x2, x3, x4, x5, k)
                   FROM t WHERE id <= 50000;
INSERT INTO slices SELECT 2, learn.linreg_partial(y, ARRAY[1, x1, x2, x3, x4, x5, k]),
                          learn.linear_partial(y, 1, x1, x2, x3, x4, x5, k)
                   FROM t WHERE id > 50000 AND id <= 130000;
INSERT INTO slices SELECT 3, learn.linreg_partial(y, ARRAY[1, x1, x2, x3, x4, x5, k]),
                          learn.linear_partial(y, 1, x1, x2, x3, x4, x5, k)
                   FROM t WHERE id > 130000;
});

$d = $node->safe_psql(
	'postgres', qq{$serial
SELECT greatest(reldiff((m.r).coef, (s.r).coef), reldiff((m.r).std_err, (s.r).std_err),
                reldiff((m.r).r2, (s.r).r2), reldiff((m.r).adj_r2, (s.r).adj_r2))
       || ' ' || (m.r).n
FROM (SELECT learn.linreg_merge(lr) AS r FROM slices) AS m, linreg_ser AS s});
($ld, $pn) = split / /, $d;
cmp_ok($ld, '<', $tol, 'linreg_merge of three slices equals linreg of the whole table');
is($pn, '200000', 'merged state counts every row');

# the slices really differ from the whole (the merge is not a no-op)
$d = $node->safe_psql('postgres',
	q{SELECT reldiff((learn.linreg_merge(lr)).coef, (SELECT (r).coef FROM linreg_ser))
	  FROM slices WHERE slice = 2});
cmp_ok($d, '>', 1e-6, 'one slice alone gives another fit');

# linear_partial states: merged with linear_merge, they carry the same
# least-squares problem, which linreg_merge solves (x as given, y on
# the constant column and the features)
$d = $node->safe_psql(
	'postgres', qq{$serial
SELECT reldiff((learn.linreg_merge(st)).coef,
               (SELECT (learn.linreg(y, ARRAY[x1, x2, x3, x4, x5, k])).coef FROM t))
FROM (SELECT learn.linear_merge(lin) AS st FROM slices) AS q});
cmp_ok($d, '<', $tol, 'linear_merge of three linear_partial slices solves as the whole table');

# the merge in parallel: a table of states scanned by workers
$d = $node->safe_psql(
	'postgres', qq{$parallel
SELECT reldiff((learn.linreg_merge(lr)).coef, (SELECT (r).coef FROM linreg_ser))
FROM slices});
cmp_ok($d, '<', $tol, 'linreg_merge under parallel settings equals linreg');

# ---------------------------------------------------------------------
# (e) corrupted states are rejected with 22P03, the server stays up
# ---------------------------------------------------------------------
my $version = $node->safe_psql('postgres', 'SELECT learn.linear_state_version()');
is($node->safe_psql('postgres', 'SELECT get_byte(lr, 0) FROM slices WHERE slice = 1'),
	$version, 'a state starts with the version byte');

my %corrupt = (
	'version byte flipped'  => q{set_byte(lr, 0, get_byte(lr, 0) # 255)},
	'next version'          => q{set_byte(lr, 0, get_byte(lr, 0) + 1)},
	'truncated by 8 bytes'  => q{substr(lr, 1, length(lr) - 8)},
	'truncated by 1 byte'   => q{substr(lr, 1, length(lr) - 1)},
	'truncated to 3 bytes'  => q{substr(lr, 1, 3)},
	'empty'                 => q{''::bytea},
	'one byte appended'     => q{lr || '\x00'::bytea},
	# layout: version, family, signature (8), column count (4), counts
	# (3 x 8), sums (2 x 8), then the factor
	'unknown family'        => q{set_byte(lr, 1, 0)},
	'another signature'     => q{overlay(lr placing '\x0102030405060708'::bytea from 3)},
	'column count too big'  => q{overlay(lr placing '\x7fffffff'::bytea from 11)},
	'negative row count'    => q{overlay(lr placing '\xffffffffffffffff'::bytea from 15)},
	'NaN in the factor'     => q{overlay(lr placing '\x7ff8000000000000'::bytea from 55)});

foreach my $what (sort keys %corrupt)
{
	foreach my $agg ('learn.linreg_merge', 'learn.linear_merge')
	{
		my ($ret, $out, $err) = $node->psql(
			'postgres',
			"\\set VERBOSITY verbose\nSELECT $agg(s) FROM (SELECT lr FROM slices UNION ALL "
			  . "SELECT $corrupt{$what} FROM slices WHERE slice = 3) AS q(s)");
		isnt($ret, 0, "$agg rejects a state with $what");
		like($err, qr/ERROR:\s+22P03/, "$agg: $what gives SQLSTATE 22P03")
		  or diag($err);
	}
}
is($node->safe_psql('postgres', 'SELECT count(*) FROM slices'), '3',
	'server answers after the corrupted states');
my $log = slurp_file($node->logfile);
unlike($log, qr/terminated by signal|server process .* was terminated/,
	'no backend crashed');

# an intact state still merges after all that
$d = $node->safe_psql('postgres',
	q{SELECT reldiff((learn.linreg_merge(lr)).coef, (SELECT (r).coef FROM linreg_ser)) FROM slices});
cmp_ok($d, '<', $tol, 'intact states still merge');

$node->stop;
done_testing();
