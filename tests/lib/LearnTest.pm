
# Copyright (c) pg_learn contributors
#
# Helpers shared by pg_learn's TAP tests.

package LearnTest;

use strict;
use warnings;

use Exporter 'import';
our @EXPORT = qw(as_user error_of);

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

1;
