
# Copyright (c) pg_learn contributors
#
# Helpers shared by pg_learn's TAP tests.

package LearnTest;

use strict;
use warnings;

use Exporter 'import';
our @EXPORT = qw(as_user error_of dump_restore session waits start finish);

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
