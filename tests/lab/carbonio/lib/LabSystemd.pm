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

sub systemd_print {
    my ($nc) = @_;
    print "Services are now handled by systemd.\n\nEnabled systemd targets:\n\n";
    print "  - $_\n" for targets($nc);
    print "\nPlease check the documentation for further details.\nExiting.\n";
    exit 1;
}

1;
