
# Copyright (c) pg_learn contributors
#
# Scoring by name and reading the BI views through real clients, which
# bind parameters their own way, as an ordinary role:
# (a) psycopg 3 (server-side binding): a str goes as type unknown, a list
#     of floats as float8[]; also a prepared statement and binary format;
# (b) node-postgres: every parameter untyped, a JS array sent as the text
#     of an array with quoted elements, or a string; also a named
#     prepared statement;
# (c) psqlODBC through pyodbc: ? parameters (untyped); the metric columns
#     of learn.model_summary come back as floating-point columns
#     (SQL_FLOAT or SQL_DOUBLE, Python float), not as text.
# Each score must equal the array form's in SQL.
#
# The clients come from Debian (python3-psycopg, python3-pyodbc,
# odbc-postgresql, nodejs, node-pg: scripts/clients.sh installs them).
# Where the Node.js installed is not Debian's, so that Debian's node-pg
# does not fit it, pg is installed from the npm registry into a temporary
# directory.  A missing client skips its part, unless
# PG_LEARN_TEST_CLIENTS=required (scripts/test.sh sets it): then it fails.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use IPC::Run;

my $required = ($ENV{PG_LEARN_TEST_CLIENTS} // '') eq 'required';
my $tmp = PostgreSQL::Test::Utils::tempdir;
my $data = "$FindBin::Bin/../../data/mtcars.csv";
# Debian's interpreter, with Debian's modules (not a python3 of a virtual
# environment or pyenv that comes first in PATH)
my $python = -x '/usr/bin/python3' ? '/usr/bin/python3' : 'python3';

my $node = PostgreSQL::Test::Cluster->new('drivers');
$node->init;
$node->start;

$node->safe_psql(
	'postgres', qq{
CREATE EXTENSION pg_learn;
CREATE ROLE app LOGIN;
CREATE TABLE mtcars (model text, mpg float8, cyl int, disp float8, hp int,
	drat float8, wt float8, qsec float8, vs int, am int, gear int, carb int);
COPY mtcars FROM '$data' CSV HEADER;
SELECT 1 FROM learn.train('mpg', 'linear', 'mtcars', 'mpg', '{wt,hp,qsec}');
SELECT 1 FROM learn.train('manual', 'logistic', 'mtcars', 'am', '{wt,hp}');
});

# what every client must get: the array form's results in SQL
my %expected;
@expected{qw(predict proba proba_class label)} = split /\|/, $node->safe_psql(
	'postgres', q{
SET extra_float_digits = 3;
SELECT learn.predict('mpg', ARRAY[2.8, 120, 18]), learn.predict_proba('manual', ARRAY[2.8, 120]),
       learn.predict_proba('manual', ARRAY[2.8, 120], '0'), learn.predict_label('manual', ARRAY[2.8, 120])});

my %client_env = (
	PGHOST => $node->host,
	PGPORT => $node->port,
	PGDATABASE => 'postgres',
	PGUSER => 'app');

# run a command with the client environment; (ok, stdout, stderr)
sub run_client
{
	my ($cmd, %extra_env) = @_;
	local %ENV = (%ENV, %client_env, %extra_env);
	my ($out, $err) = ('', '');
	my $ok = eval {
		IPC::Run::run($cmd, '<', \undef, '>', \$out, '2>', \$err,
			IPC::Run::timeout($PostgreSQL::Test::Utils::timeout_default));
	};
	$err .= $@ if $@;
	return ($ok, $out, $err);
}

# a client that cannot run: a failure when clients are required, else a skip
sub client_missing
{
	my ($what, $why) = @_;
	fail("$what is installed") if $required;
	diag("$what: $why");
	return $required ? "$what is missing" : "$what is not installed (set PG_LEARN_TEST_CLIENTS=required to fail instead)";
}

# "key value" lines into a hash
sub lines_to_hash
{
	my ($out) = @_;
	my %h;
	for my $line (split /\n/, $out)
	{
		my ($k, $v) = split / /, $line, 2;
		$h{$k} = $v;
	}
	return %h;
}

# the results of one client against the expected ones: each case is
# [the client's key, the expected key, what it checks]
sub check_scores
{
	my ($client, $got, @cases) = @_;
	for my $case (@cases)
	{
		my ($key, $exp_key, $what) = @$case;
		my $exp = $expected{$exp_key};
		if ($exp_key eq 'label')
		{
			is($got->{$key}, $exp, "$client: $what");
		}
		else
		{
			# the same double: the shortest exact texts parse back to it
			ok(defined $got->{$key} && $got->{$key} == $exp, "$client: $what")
			  or diag("got " . ($got->{$key} // 'nothing') . ", expected $exp");
		}
	}
	return;
}

# ---------------------------------------------------------------------
# (a) psycopg 3
# ---------------------------------------------------------------------
my $psycopg = "$tmp/psycopg_client.py";
append_to_file($psycopg, <<'EOF');
import psycopg

with psycopg.connect(autocommit=True) as conn:
    def one(sql, params, **kw):
        return conn.execute(sql, params, **kw).fetchone()[0]
    out = {
        "predict_str": one("SELECT learn.predict(%s, %s)", ("mpg", "{2.8,120,18}")),
        "predict_list": one("SELECT learn.predict(%s, %s)", ("mpg", [2.8, 120.0, 18.0])),
        "predict_prepared": one("SELECT learn.predict(%s, %s)", ("mpg", "{2.8,120,18}"), prepare=True),
        "proba_str": one("SELECT learn.predict_proba(%s, %s)", ("manual", "{2.8,120}")),
        "proba_class_str": one("SELECT learn.predict_proba(%s, %s, %s)", ("manual", "{2.8,120}", "0")),
        "proba_class_list": one("SELECT learn.predict_proba(%s, %s, %s)", ("manual", [2.8, 120.0], "0")),
        "label_str": one("SELECT learn.predict_label(%s, %s)", ("manual", "{2.8,120}")),
    }
    with conn.cursor(binary=True) as cur:
        cur.execute("SELECT learn.predict(%s, %s)", ("mpg", "{2.8,120,18}"))
        out["predict_binary"] = cur.fetchone()[0]
    for k, v in out.items():
        print(k, repr(v) if isinstance(v, float) else v)
EOF

SKIP:
{
	my ($have, undef, $err) = run_client([ $python, '-c', 'import psycopg' ]);
	skip client_missing('psycopg 3 (python3-psycopg)', $err), 1 unless $have;

	my ($ok, $out, $stderr) = run_client([ $python, $psycopg ]);
	ok($ok, 'psycopg: the client ran') or diag($stderr);
	my %got = lines_to_hash($out);
	check_scores(
		'psycopg', \%got,
		[ predict_str => 'predict', 'learn.predict with a str (unknown)' ],
		[ predict_list => 'predict', 'learn.predict with a list of floats (float8[])' ],
		[ predict_prepared => 'predict', 'learn.predict prepared' ],
		[ predict_binary => 'predict', 'learn.predict in binary format (text)' ],
		[ proba_str => 'proba', 'learn.predict_proba' ],
		[ proba_class_str => 'proba_class', 'learn.predict_proba with a class' ],
		[ proba_class_list => 'proba_class', 'learn.predict_proba with a class and a list' ],
		[ label_str => 'label', 'learn.predict_label' ]);
}

# ---------------------------------------------------------------------
# (b) node-postgres
# ---------------------------------------------------------------------
my $nodejs = "$tmp/node_client.js";
append_to_file($nodejs, <<'EOF');
const { Client } = require('pg');

(async () => {
  const client = new Client();  // PGHOST, PGPORT, PGDATABASE, PGUSER
  await client.connect();
  const one = async (query, values) =>
    Object.values((await client.query(typeof query === 'string' ? { text: query, values } : query)).rows[0])[0];
  const out = {
    predict_array: await one('SELECT learn.predict($1, $2)', ['mpg', [2.8, 120, 18]]),
    predict_text: await one('SELECT learn.predict($1, $2)', ['mpg', '{2.8,120,18}']),
    predict_prepared: await one({ name: 'score', text: 'SELECT learn.predict($1, $2)', values: ['mpg', [2.8, 120, 18]] }),
    predict_prepared_again: await one({ name: 'score', text: 'SELECT learn.predict($1, $2)', values: ['mpg', [2.8, 120, 18]] }),
    proba_array: await one('SELECT learn.predict_proba($1, $2)', ['manual', [2.8, 120]]),
    proba_class_array: await one('SELECT learn.predict_proba($1, $2, $3)', ['manual', [2.8, 120], '0']),
    label_array: await one('SELECT learn.predict_label($1, $2)', ['manual', [2.8, 120]]),
  };
  for (const [k, v] of Object.entries(out)) console.log(k, typeof v === 'number' ? v : String(v));
  await client.end();
})().catch((e) => { console.error(e.message); process.exit(1); });
EOF

SKIP:
{
	# Debian's node-pg, or pg from npm where the Node.js is not Debian's
	my $node_path = '/usr/share/nodejs:/usr/lib/nodejs';
	my @require_pg = ('node', '-e', q{require('pg')});
	my ($have, undef, $err) = run_client(\@require_pg, NODE_PATH => $node_path);
	if (!$have && system('sh', '-c', 'command -v node >/dev/null && command -v npm >/dev/null') == 0)
	{
		my $home_ok = defined $ENV{HOME} && -d $ENV{HOME} && -w $ENV{HOME};
		my ($installed, undef, $npm_err) = run_client(
			[ 'npm', 'install', '--prefix', "$tmp/npm", '--no-audit', '--no-fund', '--no-save', '--prefer-offline',
			  '--loglevel=error', 'pg' ],
			$home_ok ? () : (npm_config_cache => "$tmp/npm-cache"));
		$err .= "\nnpm install pg: $npm_err" unless $installed;
		$node_path .= ":$tmp/npm/node_modules";
		($have) = run_client(\@require_pg, NODE_PATH => $node_path) if $installed;
	}
	skip client_missing('node-postgres (nodejs and node-pg)', $err), 1 unless $have;

	my ($ok, $out, $stderr) = run_client([ 'node', $nodejs ], NODE_PATH => $node_path);
	ok($ok, 'node-postgres: the client ran') or diag($stderr);
	my %got = lines_to_hash($out);
	check_scores(
		'node-postgres', \%got,
		[ predict_array => 'predict', 'learn.predict with a JS array' ],
		[ predict_text => 'predict', 'learn.predict with a string' ],
		[ predict_prepared => 'predict', 'learn.predict in a named prepared statement' ],
		[ predict_prepared_again => 'predict', 'learn.predict in a named prepared statement, run again' ],
		[ proba_array => 'proba', 'learn.predict_proba' ],
		[ proba_class_array => 'proba_class', 'learn.predict_proba with a class' ],
		[ label_array => 'label', 'learn.predict_label' ]);
}

# ---------------------------------------------------------------------
# (c) psqlODBC, through pyodbc
# ---------------------------------------------------------------------
my $odbc = "$tmp/odbc_client.py";
append_to_file($odbc, <<'EOF');
import os, pyodbc

conn = pyodbc.connect(
    "DRIVER={PostgreSQL Unicode};SERVER=%s;PORT=%s;DATABASE=%s;UID=%s"
    % (os.environ["PGHOST"], os.environ["PGPORT"], os.environ["PGDATABASE"], os.environ["PGUSER"]),
    autocommit=True)
cur = conn.cursor()
def one(sql, *params):
    return cur.execute(sql, *params).fetchone()[0]
out = {
    "predict": one("SELECT learn.predict(?, ?)", "mpg", "{2.8,120,18}"),
    "proba": one("SELECT learn.predict_proba(?, ?)", "manual", "{2.8,120}"),
    "proba_class": one("SELECT learn.predict_proba(?, ?, ?)", "manual", "{2.8,120}", "0"),
    "label": one("SELECT learn.predict_label(?, ?)", "manual", "{2.8,120}"),
}
for k, v in out.items():
    print(k, repr(v) if isinstance(v, float) else v)
# the result set's columns, as a BI tool sees them
cur.execute("SELECT * FROM learn.model_summary WHERE name = ?", "mpg")
row = cur.fetchone()
for d, v in zip(cur.description, row):
    print("result_type_" + d[0], d[1].__name__)
    print("result_value_" + d[0], type(v).__name__)
# and as the catalog function SQLColumns reports them
for c in cur.columns(table="model_summary", schema="learn"):
    print("sql_type_" + c.column_name, c.data_type)
EOF

SKIP:
{
	my ($have, undef, $err) = run_client([ $python, '-c',
		q{import pyodbc, sys; sys.exit(0 if 'PostgreSQL Unicode' in pyodbc.drivers() else 'no ODBC driver "PostgreSQL Unicode" in ' + repr(pyodbc.drivers()))} ]);
	skip client_missing('psqlODBC with pyodbc (odbc-postgresql, unixodbc, python3-pyodbc)', $err), 1
	  unless $have;

	my ($ok, $out, $stderr) = run_client([ $python, $odbc ]);
	ok($ok, 'psqlODBC: the client ran') or diag($stderr);
	my %got = lines_to_hash($out);
	check_scores(
		'psqlODBC', \%got,
		[ predict => 'predict', 'learn.predict(?, ?)' ],
		[ proba => 'proba', 'learn.predict_proba(?, ?)' ],
		[ proba_class => 'proba_class', 'learn.predict_proba(?, ?, ?)' ],
		[ label => 'label', 'learn.predict_label(?, ?)' ]);

	# SQL_FLOAT (6) and SQL_DOUBLE (8) are both double precision in ODBC
	my @metrics = qw(r2 adj_r2 rmse mae aic bic deviance accuracy auc log_loss);
	my @columns = (@metrics, map { "test_$_" } @metrics);
	my @not_float = grep { ($got{"sql_type_$_"} // '') !~ /^(6|8)$/ } @columns;
	is("@not_float", '', 'psqlODBC: SQLColumns reports every metric column as SQL_FLOAT or SQL_DOUBLE')
	  or diag(join ', ', map { "$_: " . ($got{"sql_type_$_"} // 'missing') } @not_float);
	@not_float = grep { ($got{"result_type_$_"} // '') ne 'float' } @columns;
	is("@not_float", '', 'psqlODBC: every metric column of the result set is a float');
	is( join(' ', map { $got{"result_value_$_"} } qw(r2 adj_r2 rmse aic bic)),
		'float float float float float', 'psqlODBC: the metrics of a linear model are floats');
	is($got{result_value_mae}, 'NoneType', 'psqlODBC: a metric the model lacks is NULL');
	is($got{result_type_version} . ' ' . $got{result_type_n_rows}, 'int int',
		'psqlODBC: version and n_rows are integers');
}

my $log = slurp_file($node->logfile);
unlike($log, qr/terminated by signal|was terminated/, 'no backend crashed');

$node->stop;
done_testing();
