
# Copyright (c) pg_learn contributors
#
# Helpers shared by pg_learn's TAP tests.

package LearnTest;

use strict;
use warnings;

use Exporter 'import';
our @EXPORT = qw(as_user error_of dump_restore load_fixture catalog_digest create_same_score session waits start finish);

use Test::More;

# Run $sql in database $db as role $user; die on error, return the output.
sub as_user
{
	my ($node, $db, $user, $sql) = @_;
	return $node->safe_psql($db, $sql,
		connstr => $node->connstr($db) . " user=$user");
}

# "SQLSTATE message" of the first error $sql raises as $user in $db, or a
# description of what happened instead.
sub error_of
{
	my ($node, $db, $user, $sql) = @_;
	my ($ret, $out, $err) = $node->psql(
		$db,
		"\\set VERBOSITY verbose\n$sql",
		connstr => $node->connstr($db) . " user=$user");
	return "$1 $2" if $err =~ /ERROR:\s+([0-9A-Z]{5}):\s+([^\n]*)/;
	return "no error (exit $ret, output '$out', stderr '$err')";
}

# A plain pg_dump of database $from (what: the test's name for it),
# restored into a new database $to owned by $owner, where the restore must
# make pg_learn $version.
sub dump_restore
{
	my ($node, $from, $to, $owner, $version, $what) = @_;
	my $dump = $node->basedir . "/$from-$to.sql";
	$node->command_ok([ 'pg_dump', '-d', $node->connstr($from), '-f', $dump ],
		"pg_dump of $what");
	$node->safe_psql('postgres', "CREATE DATABASE $to OWNER $owner");
	$node->command_ok(
		[ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr($to), '-f', $dump ],
		"$what restored into a new database");
	is(as_user($node, $to, $owner, q{SELECT extversion FROM pg_extension WHERE extname = 'pg_learn'}),
		$version, "the restore made $version");
	return;
}

# For the upgrade tests: roles alice and bob, the database up owned by
# alice (named as the fixtures' was: export_model writes the database's
# name into a document's lineage), pg_learn $version installed in it by
# alice, and the models that release's own library trained loaded from
# tests/fixtures/v<version>_catalog.sql, whose @tables every role may
# read.  Returns the fixture's path.
sub load_fixture
{
	my ($node, $version, @tables) = @_;
	(my $v = $version) =~ s/\./_/g;
	my $fixture = "tests/fixtures/v${v}_catalog.sql";

	$node->safe_psql(
		'postgres', q{
CREATE ROLE alice LOGIN;
CREATE ROLE bob LOGIN;
CREATE DATABASE up OWNER alice;
});
	as_user($node, 'up', 'alice', "CREATE EXTENSION pg_learn VERSION '$version'");
	$node->command_ok(
		[ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('up'), '-f', $fixture ],
		"load the models pg_learn $version trained");
	$node->safe_psql('up', 'GRANT SELECT ON ' . join(', ', @tables) . ' TO PUBLIC');
	return $fixture;
}

# A digest of every row of the catalog of database $db (0.6's tables),
# and the ids' sequence: equal digests, equal catalogs.
sub catalog_digest
{
	my ($node, $db) = @_;
	return $node->safe_psql($db, q{
SELECT md5(string_agg(m::text, '|' ORDER BY id)) FROM learn.models m;
SELECT md5(string_agg(c::text, '|' ORDER BY model_id, group_key, class, position)) FROM learn.coefficients c;
SELECT md5(string_agg(g::text, '|' ORDER BY model_id, group_key)) FROM learn.groups g;
SELECT md5(string_agg(n::text, '|' ORDER BY name)) FROM learn.names n;
SELECT md5(string_agg(e::text, '|' ORDER BY model_id, feature, position)) FROM learn.encodings e;
SELECT count(*) || ' ' || md5(string_agg(s::text, '|' ORDER BY model_id, group_key)) FROM learn.states s;
SELECT last_value FROM learn.models_id_seq});
}

# public.same_score(a, b) in database $db, for the upgrade tests: a
# result is the same as an older release's when equal, or for a float
# within 4 units in the last place (what another C library's exp or erfc
# may round otherwise); labels exactly; a document (jsonb) when it has the
# same members (objects: the same keys; arrays: the same length, in order)
# and each is the same.
sub create_same_score
{
	my ($node, $db) = @_;
	$node->safe_psql($db, q{
CREATE FUNCTION public.same_score(a float8, b float8) RETURNS boolean
LANGUAGE sql IMMUTABLE AS
$$ SELECT a IS NOT DISTINCT FROM b OR abs(a - b) <= 4 * 2.220446049250313e-16 * abs(b) $$;
CREATE FUNCTION public.same_score(a text, b text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$ SELECT a IS NOT DISTINCT FROM b $$;
CREATE FUNCTION public.same_score(a jsonb, b jsonb) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	IF a IS NULL OR b IS NULL OR jsonb_typeof(a) <> jsonb_typeof(b) THEN
		RETURN a IS NULL AND b IS NULL;
	END IF;
	CASE jsonb_typeof(a)
	WHEN 'number' THEN
		RETURN public.same_score(a::float8, b::float8);
	WHEN 'object' THEN
		RETURN coalesce((SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(a) AS k), '{}')
		       = coalesce((SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(b) AS k), '{}')
		   AND coalesce((SELECT bool_and(public.same_score(a -> k, b -> k)) FROM jsonb_object_keys(a) AS k), true);
	WHEN 'array' THEN
		RETURN jsonb_array_length(a) = jsonb_array_length(b)
		   AND coalesce((SELECT bool_and(public.same_score(a -> i, b -> i))
		                   FROM generate_series(0, jsonb_array_length(a) - 1) AS i), true);
	ELSE
		RETURN a = b;
	END CASE;
END
$$;
});
	# the comparison can fail: a last bit, a member, an element
	is( $node->safe_psql($db, q{
SELECT public.same_score('{"a": [1, {"b": 0.1}], "c": "x"}'::jsonb, '{"c": "x", "a": [1, {"b": 0.10000000000000002}]}'),
       public.same_score('{"a": 0.1}'::jsonb, '{"a": 0.10000000000000014}'),
       public.same_score('{"a": 1}'::jsonb, '{"a": 1, "b": null}'),
       public.same_score('[1, 2]'::jsonb, '[1]'),
       public.same_score('{"a": "1"}'::jsonb, '{"a": 1}'),
       public.same_score('{}'::jsonb, '{}')}),
		't|f|f|f|f|t', 'same_score tells documents apart');
	return;
}

# Sessions of races between two roles: a psql kept open as $user in
# database postgres, whose statements can be started, found waiting for a
# lock, and finished.
sub session
{
	my ($node, $user) = @_;
	my $s = $node->background_psql(
		'postgres',
		on_error_stop => 0,
		extra_params => [ '-U', $user ]);
	is($s->query_safe('SELECT current_user'), $user, "a session as $user");
	$s->query_safe('\set VERBOSITY verbose');
	$s->{node} = $node;
	return $s;
}

# the statement of session $s waits for a lock
sub waits
{
	my ($s) = @_;
	my $pid = $s->{pid};
	return $s->{node}->poll_query_until('postgres',
		"SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = $pid");
}

# run $sql in $s without waiting for it, after noting the backend's pid
sub start
{
	my ($s, $sql) = @_;
	$s->{pid} //= $s->query_safe('SELECT pg_backend_pid()');
	$s->{stderr} = '';
	$s->query_until(qr/started/, "\\echo started\n$sql\n");
}

# what the statement started in $s ended with: its output, or "SQLSTATE
# message" of its error
sub finish
{
	my ($s) = @_;
	my $out = $s->query(q{SELECT 'done'});
	my $err = $s->{stderr};
	$s->{stderr} = '';
	return "$1 $2" if $err =~ /ERROR:\s+([0-9A-Z]{5}):\s+([^\n]*)/;
	$out =~ s/\n?done$//;
	return $out;
}

1;
