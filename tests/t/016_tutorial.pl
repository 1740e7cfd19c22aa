
# Copyright (c) pg_learn contributors
#
# docs/tutorial.md as a reader runs it: every ```sql block in order, in
# one psql session from the repository root (so \copy finds data/), from
# an empty database; the shards' block in databases shard1 and shard2, as
# the text says.  Every statement must succeed, and each result table
# shown right after a block must appear, line for line, in what psql
# printed for that block.  Results shown as "-- ..." comments are not
# compared (they are rounded by hand).  It checks the document, not
# pg_learn's numbers: those have their reference tests.

use strict;
use warnings;

use Cwd qw(abs_path);
use FindBin;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $root = abs_path("$FindBin::RealBin/../..");
my $doc = slurp_file("$root/docs/tutorial.md");

# the fenced blocks that start a line (the drivers' examples, indented in
# a list, are not SQL and are left out)
my @blocks;
while ($doc =~ /^```(\w*)\n(.*?)^```[ \t]*$/msg)
{
	push @blocks, { lang => $1, body => $2 };
}
my @sql = grep { $blocks[$_]{lang} eq 'sql' } 0 .. $#blocks;
cmp_ok(scalar @sql, '>=', 30, 'the tutorial has its SQL blocks');

# The shards' block runs in each shard; in shard2 with the change its
# comment asks for.
my $shard_re = qr/DELETE FROM mtcars WHERE am <> 0;/;
is(scalar(grep { $blocks[$_]{body} =~ $shard_re } @sql),
	1, 'one block sets the shards up');

my $script = '';
foreach my $i (@sql)
{
	my $body = $blocks[$i]{body};

	if ($body =~ $shard_re)
	{
		(my $shard2 = $body) =~ s/am <> 0;/am <> 1;/;
		$script .= "\\c shard1\n\\echo \@\@block $i\@\@\n$body\n"
		  . "\\c shard2\n$shard2\n\\c tutorial\n";
	}
	else
	{
		$script .= "\\echo \@\@block $i\@\@\n$body\n";
	}
}

my $node = PostgreSQL::Test::Cluster->new('tutorial');
$node->init;
$node->append_conf('postgresql.conf', "jit = off\n");
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE tutorial');

# the server's own PGHOST and PGPORT (set by the test cluster) let
# postgres_fdw reach the shards by dbname alone, as on a server whose
# socket and port are the defaults
my ($out, $err) = ('', '');
my $ok = IPC::Run::run(
	[ 'psql', '-X', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('tutorial'), '-f', '-' ],
	'<', \$script, '>', \$out, '2>', \$err,
	init => sub { chdir $root or die "chdir $root: $!" });
ok($ok, 'every SQL block of the tutorial runs') or diag($err);

# what psql printed for each block, lines without trailing blanks
my %printed;
my $current;
foreach my $line (split /\n/, $out)
{
	if ($line =~ /^\@\@block (\d+)\@\@$/)
	{
		$current = $1;
		next;
	}
	$line =~ s/\s+$//;
	push @{ $printed{$current} }, $line if defined $current;
}

my $tables = 0;
foreach my $i (@sql)
{
	next unless $i < $#blocks && $blocks[ $i + 1 ]{lang} eq '';
	my @shown = map { s/\s+$//r } split /\n/, $blocks[ $i + 1 ]{body};
	my @got = @{ $printed{$i} // [] };
	my $found = 0;
	for (my $s = 0; $s + @shown <= @got && !$found; $s++)
	{
		$found = 1;
		for (my $k = 0; $k < @shown; $k++)
		{
			if ($got[ $s + $k ] ne $shown[$k])
			{
				$found = 0;
				last;
			}
		}
	}
	my ($first) = $blocks[$i]{body} =~ /^(.*)$/m;
	ok($found, "the table shown after \"$first\" is what it prints")
	  or diag("shown:\n", join("\n", @shown), "\nprinted:\n", join("\n", @got));
	$tables++;
}
cmp_ok($tables, '>=', 14, 'the result tables were compared');

$node->stop;
done_testing();
