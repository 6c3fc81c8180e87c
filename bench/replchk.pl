#!/usr/bin/perl
# What zmreplchk does for its LDAP part (carbonio-core-utils replchk.pl), for
# the bench: bind to the master as cn=config (password on stdin), read the
# root DSE contextCSN; for each replica URL an anonymous bind and the same
# read, compared with the master's CSNs. Prints zmreplchk-like lines.
#   perl bench/replchk.pl MASTER_URL REPLICA_URL... <password
use strict;
use warnings;
use Net::LDAP;

my ($master, @replicas) = @ARGV;
my $pw = <STDIN>;
chomp $pw if defined $pw;

sub csns {
	my ($url, $dn, $pass) = @_;
	my $ldap = Net::LDAP->new($url, async => 1) or return (4, 'Server down');
	my $m = defined $dn ? $ldap->bind($dn, password => $pass) : $ldap->bind;
	return (5, 'Unable to bind') if $m->code;
	$m = $ldap->search(base => '', scope => 'base', filter => '(objectClass=*)',
		attrs => ['contextCSN']);
	return (5, 'Unable to search') if $m->code;
	my $e = $m->entry(0) or return (5, 'Unable to search');
	my @c = $e->get_value('contextCSN');
	$ldap->unbind;
	return (0, join(':', @c));
}

my ($mc, $mcsn) = csns($master, 'cn=config', $pw);
die "Unable to bind to master ($mcsn)\n" if $mc;
for my $r (@replicas) {
	my ($c, $csn) = csns($r);
	if ($c) { print "Replica: $r Code: $c Status: $csn\n"; next; }
	my $st = $csn eq $mcsn ? 'In Sync' : 'behind';
	print "Replica: $r Code: ", ($csn eq $mcsn ? 0 : 6), " Status: $st CSNs:\n";
	print "$_\n" for split /:/, $csn;
}
