# LabSystemd: the "Services are now handled by systemd." refusal of the real
# ctl scripts (Zextras/Util/Systemd.pm systemdPrint), for lab nodes whose
# conf/lab-node.conf says systemd=1.
package LabSystemd;

use strict;
use warnings;
use LabCarbonio;

my %pkg_target = (
    'carbonio-directory-server' => 'carbonio-directory-server.target',
    'carbonio-appserver'        => 'carbonio-appserver.target',
    'carbonio-proxy'            => 'carbonio-proxy.target',
    'carbonio-mta'              => 'carbonio-mta.target',
);

sub targets {
    my ($nc) = @_;
    return split /[ ,]+/, $nc->{systemd_targets} if $nc->{systemd_targets};
    my @t;
    my %inst = LabCarbonio::installed_packages();
    for my $p ( sort keys %pkg_target ) { push @t, $pkg_target{$p} if $inst{$p}; }
    return @t;
}

# The node's systemctl (the lab's stand-in; never the machine's own).
sub systemctl_path {
    my $nodedir = LabCarbonio::prefix() =~ s{/opt/zextras$}{}r;
    return "$nodedir/bin/systemctl";
}

# Zextras::Util::Systemd::isSystemd: any role target enabled, asked one by one
sub is_systemd {
    my $sc = systemctl_path();
    for my $t ( sort values %pkg_target ) {
        my $s = `'$sc' is-enabled $t 2>&1`;
        chomp $s;
        return 1 if $s eq 'enabled';
    }
    return 0;
}

sub unit_active {
    my ($unit) = @_;
    my $sc = systemctl_path();
    my $s  = `'$sc' is-active $unit 2>&1`;
    chomp $s;
    return $s eq 'active';
}

# systemctl start|stop UNIT, as setup.pl and ldapenablereplica.pl do; exit code
sub unit_control {
    my ( $verb, $unit ) = @_;
    my $sc = systemctl_path();
    return system("'$sc' $verb $unit") >> 8;
}

sub systemd_print {
    my ($nc) = @_;
    print "Services are now handled by systemd.\n\nEnabled systemd targets:\n\n";
    print "  - $_\n" for targets($nc);
    print "\nPlease check the documentation for further details.\nExiting.\n";
    exit 1;
}

1;
