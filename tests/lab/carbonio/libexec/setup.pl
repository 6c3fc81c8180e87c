#!/usr/bin/perl
# Lab stand-in for /opt/zextras/libexec/setup.pl, the part the wizard uses:
# `-c FILE` (non-interactive) on a node that becomes a Directory REPLICA
# (carbonio-directory-server installed, LDAPHOST != HOSTNAME).  Same option
# handling, loadConfig rules, saved config.<pid> (0600, keys matching
# /PASS|INSTALL_PACKAGES/ skipped), replica steps and messages, and exit
# status (0 even when replication could not be enabled).  Without -c it
# prints the main menu and stops at end of input (the real one waits).
# Lab differences: the log is written under the prefix (data/tmp, then
# moved to log/) instead of /tmp; localconfig values are written directly
# rather than through `zmlocalconfig -e` command lines (which would show
# the passwords in ps); certificates, dhparam, crontab and ssh keys are not
# emulated; of ldapIsAvailable's check binds only the admin's is made.
# StartTLS as the real one: zimbra_require_interprocess_security (default 0;
# in -c mode only that key of the answers counts: ZIMBRA_REQ_SECURITY is read
# by the menu alone) makes checkLdapBind start TLS (verify none; on failure it
# turns the requirement off), and configLCValues derives
# ldap_starttls_supported from it (setup.pl:4389-4418).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../lib";
use LabCarbonio;
use Getopt::Std;
use POSIX qw(strftime);

$| = 1;
my $P  = LabCarbonio::prefix();
my $nc = LabCarbonio::node_conf();
my $stamp   = strftime( '%Y%m%d-%H%M%S', localtime );
my $logname = "zmsetup.$stamp.log";
mkdir "$P/data/tmp";
my $logfile = "$P/data/tmp/$logname";
open my $LOG, '>', $logfile or die "Can't open $logfile: $!\n";
close $LOG;
chmod 0600, $logfile;

progress("Operations logged to $logfile\n");

my @st = stat "$P/conf/localconfig.xml";
my $owner = @st ? ( getpwuid( $st[4] ) )[0] // '' : '';
if ( $owner ne 'zextras' ) {
    progress("\n\nERROR\n\n");
    progress("$P/conf/localconfig.xml is not owned by zextras\n");
    progress("This will cause installation failure.\n");
    exit(1);
}

our %options;
our %config;
($>) and usage();
getopts( 'c:hd', \%options ) or usage();
usage() if $options{h};

my ( $newinstall, %configStatus ) = LabCarbonio::install_status();
progress( "\nBootstrap mode: " . ( $newinstall ? 'new install' : 'existing install' ) . "\n" );

my %installed = LabCarbonio::installed_packages();
unless ( $installed{'carbonio-core'} ) {
    progress("carbonio-core must be enabled.");
    exit 1;
}

setDefaults();
loadConfig( $options{c} ) if $options{c};

# setup.pl:204: a replica checks the master before anything is applied
my $starttls = 0;
ldapIsAvailable() if $config{LDAPHOST} ne $config{HOSTNAME};

if ( $options{c} ) {
    applyConfig();
}
else {
    mainMenu();
}
moveLog();
exit 0;

# ---------------------------------------------------------------------------

sub usage {
    ($>) and print STDERR "Warning: $0 must be run as root!\n\n";
    print STDERR "Usage: $0 [-h] [-c <config file>]\n";
    print STDERR "\t-h: display this help message\n";
    print STDERR "\t-c: configure with values in <config file>\n\n";
    exit 1;
}

sub detail {
    my $msg = shift;
    $msg =~ s/\n$//;
    if ( open my $l, '>>', $logfile ) { print $l scalar(localtime) . " $msg\n"; close $l; }
}

sub progress {
    my $msg = shift;
    print $msg;
    detail($msg);
}

sub moveLog {
    if ( -d "$P/log" ) {
        progress("Moving $logfile to $P/log\n");
        system( 'cp', '-f', $logfile, "$P/log/" );
        system( 'chown', 'zextras:zextras', "$P/log/$logname" );
    }
}

sub genRandomPass {
    return join '', map { ( 'a' .. 'z', 'A' .. 'Z', 0 .. 9 )[ rand 62 ] } 1 .. 10;
}

sub setDefaults {
    my $host = $nc->{node_name} // lc(`hostname --fqdn`);
    chomp $host;
    %config = (
        HOSTNAME            => $host,
        LDAPHOST            => $host,
        LDAPPORT            => 389,
        LDAPREPLICATIONTYPE => 'master',
        LDAPSERVERID        => 2,
        ZIMBRA_REQ_SECURITY => 'no',
        zimbra_require_interprocess_security => 0,    # setup.pl:1471
        STARTSERVERS        => 'yes',
        zimbraIPMode        => 'ipv4',
        DOCREATEDOMAIN      => $installed{'carbonio-directory-server'} ? 'yes' : 'no',
        CREATEDOMAIN        => $host,
    );
    if ( $installed{'carbonio-directory-server'} ) {
        my $pw = genRandomPass();
        $config{$_} = $pw for qw(LDAPROOTPASS LDAPADMINPASS LDAPREPPASS LDAPPOSTPASS LDAPAMAVISPASS ldap_nginx_password);
    }
    else {
        $config{$_} = '' for qw(LDAPROOTPASS LDAPADMINPASS LDAPREPPASS LDAPPOSTPASS LDAPAMAVISPASS ldap_nginx_password);
    }
}

# one KEY=VALUE per line, split on the first '=', every '"' removed, no comments
sub loadConfig {
    my $file = shift;
    open my $fh, '<', $file or die "Can't open $file: $!\n";
    my @lines = <$fh>;
    close $fh;
    for (@lines) {
        chomp;
        my ( $k, $v ) = split( '=', $_, 2 );
        next unless defined $k;
        $v //= '';
        $v =~ s/"//g;
        $config{$k} = $v;
    }
    $config{ALLOWSELFSIGNED} = 'true';
}

sub saveConfig {
    my $fname = "$P/config.$$";
    progress("Saving config in $fname...");
    my $old = umask 0077;
    if ( open my $fh, '>', $fname ) {
        for ( sort keys %config ) {
            next if /PASS|INSTALL_PACKAGES/;
            print $fh "$_=\"$config{$_}\"\n";
        }
        close $fh;
        chmod 0600, $fname;
        progress("done.\n");
    }
    else {
        progress("failed.\n");
    }
    umask $old;
}

sub configLog {
    my $stage = shift;
    LabCarbonio::history_add("CONFIGURED $stage");
}

sub runAsZextras {
    my $cmd = shift;
    detail("*** Running as zextras user: $cmd");
    return system("su - zextras -c \"$cmd\" >>'$logfile' 2>&1") >> 8;
}

sub setLocalConfigBatch {
    my %kv = @_;
    my $cur = LabCarbonio::lc_read_file();
    @$cur{ keys %kv } = values %kv;
    detail( 'Setting local config ' . join( ' ', sort keys %kv ) );
    LabCarbonio::lc_write_file($cur);
    system( 'chown', 'zextras:zextras', "$P/conf/localconfig.xml" );
    chmod 0640, "$P/conf/localconfig.xml";
}

# setup.pl ldapIsAvailable/checkLdapBind (3980-4020), the admin's bind: with
# zimbra_require_interprocess_security, StartTLS first (verify => 'none', as
# the real one); a refused StartTLS silently turns the requirement off. On a
# new install a good bind writes ldap_url, ldap_starttls_supported and
# zimbra_require_interprocess_security at once.
sub ldapIsAvailable {
    if ( $config{LDAPADMINPASS} eq '' || $config{LDAPPORT} eq '' || $config{LDAPHOST} eq '' ) {
        detail("ldap configuration not complete\n");
        return 0;
    }
    if ( checkLdapBind( 'uid=zimbra,cn=admins,cn=zimbra', $config{LDAPADMINPASS} ) ) {
        detail("Couldn't bind to $config{LDAPHOST} as uid=zimbra,cn=admins,cn=zimbra\n");
        $config{LDAPADMINPASSSET} = 'Not Verified';
        return 0;
    }
    detail("Verified uid=zimbra,cn=admins,cn=zimbra on $config{LDAPHOST}.\n");
    $config{LDAPADMINPASSSET} = 'set';
    setLocalConfigBatch( zimbra_ldap_password => $config{LDAPADMINPASS} );
    return 1;
}

sub checkLdapBind {
    my ( $binduser, $bindpass ) = @_;
    detail("Checking ldap on $config{LDAPHOST}:$config{LDAPPORT}");
    my $ldap_secure = $config{LDAPPORT} == 636 ? 's' : '';
    my $ldap_url    = "ldap${ldap_secure}://$config{LDAPHOST}:$config{LDAPPORT}";
    my $ldap        = LabCarbonio::ldap_connect($ldap_url);
    unless ($ldap) {
        detail("failed: Unable to contact ldap at $ldap_url: $!");
        return 1;
    }
    if ( $ldap_secure ne 's' && $config{zimbra_require_interprocess_security} ) {
        $starttls = 1;
        my $result = $ldap->start_tls( verify => 'none' );
        if ( $result->code() ) {
            detail("Unable to startTLS: $!\n");
            detail("Disabling the requirement for interprocess security.\n");
            $config{zimbra_require_interprocess_security} = 0;
            $config{ZIMBRA_REQ_SECURITY}                  = 'no';
            $starttls                                     = 0;
        }
    }
    else {
        $starttls = 0;
    }
    my $result = $ldap->bind( $binduser, password => $bindpass );
    if ( $result->code() ) {
        detail("Unable to bind to $ldap_url with user $binduser: $!");
        return 1;
    }
    $ldap->unbind;
    detail("Verified ldap running at $ldap_url\n");
    if ($newinstall) {
        setLocalConfigBatch(
            ldap_url                             => $ldap_url,
            ldap_starttls_supported              => $starttls,
            zimbra_require_interprocess_security => $config{zimbra_require_interprocess_security},
            ssl_allow_untrusted_certs            => 'true',
        );
    }
    return 0;
}

sub isReplicaNode {
    return $installed{'carbonio-directory-server'} && $config{LDAPHOST} ne $config{HOSTNAME};
}

sub configLCValues {
    progress("Setting local config values...");
    my $proto = $config{LDAPPORT} == 636 ? 'ldaps' : 'ldap';
    my $url   = "$proto://$config{LDAPHOST}:$config{LDAPPORT}";
    my $ldap_url = ( $newinstall && $config{ldap_url} ) ? $config{ldap_url} : $url;
    my $sec      = $config{zimbra_require_interprocess_security} ? 1 : 0;
    my %kv    = (
        zimbra_server_hostname               => lc( $config{HOSTNAME} ),    # setup.pl:4389
        zimbra_require_interprocess_security => $config{zimbra_require_interprocess_security},
        ldap_master_url                      => $url,
        ldap_url                             => $ldap_url,
        ldap_port                            => $config{LDAPPORT},
        ldap_host                            => $config{LDAPHOST},
        ldap_is_master                       => ( $config{LDAPHOST} eq $config{HOSTNAME} ) ? 'true' : 'false',
        zimbra_ldap_userdn                   => 'uid=zimbra,cn=admins,cn=zimbra',
        zimbra_ldap_password                 => $config{LDAPADMINPASS},
        ldap_postfix_password                => $config{LDAPPOSTPASS},
        ldap_amavis_password                 => $config{LDAPAMAVISPASS},
        ldap_nginx_password                  => $config{ldap_nginx_password},
        zimbra_zmprov_default_to_ldap        => $installed{'carbonio-appserver'} ? 'false' : 'true',
    );
    # setup.pl:4391-4418 (new install): never with ldaps, else from the
    # requirement (and an ldap_url of the answers that is not ldaps)
    if ($newinstall) {
        $kv{ldap_starttls_supported} = ( $proto eq 'ldaps' || $ldap_url =~ /^ldaps/i ) ? 0 : $sec;
    }
    setLocalConfigBatch(%kv);
    progress("done.\n");
    configLog('configLCValues');
}

# setup.pl:6120-6170: through systemctl (carbonio-openldap.service) on a
# systemd node, bin/ldap otherwise
sub ldapctl {
    my ($verb) = @_;
    require LabSystemd;
    if ( LabSystemd::is_systemd() ) {
        my $active = LabSystemd::unit_active('carbonio-openldap.service');
        return 0 if ( $verb eq 'start' ) == $active;
        return LabSystemd::unit_control( $verb, 'carbonio-openldap.service' );
    }
    return runAsZextras("$P/bin/ldap $verb");
}
sub stopLdap  { return ldapctl('stop'); }
sub startLdap { return ldapctl('start'); }

sub configSetupLdap {
    return unless $installed{'carbonio-directory-server'};
    # setup.pl:4646: the install history of the last config session says
    # the LDAP setup was done: skipped, whatever the node's LDAP looks like
    if ( ( $configStatus{configSetupLdap} // '' ) eq 'CONFIGURED' ) {
        detail("ldap already configured bypassing configuration");
        configLog('configSetupLdap');
        return;
    }
    if ( $config{LDAPHOST} eq $config{HOSTNAME} && !-f "$P/.enable_replica" ) {
        progress("Initializing ldap...FAILED (lab: a master is built by labnode init, not by setup.pl)\n");
        failConfig();
    }
    my $rc = 0;
    if ( $config{LDAPHOST} ne $config{HOSTNAME} || -f "$P/.enable_replica" ) {
        progress("Updating ldap_root_password and zimbra_ldap_password...");
        setLocalConfigBatch(
            ldap_root_password        => $config{LDAPROOTPASS},
            zimbra_ldap_password      => $config{LDAPADMINPASS},
            ldap_replication_password => $config{LDAPREPPASS},
        );
        # the replica's own slapd config: empty DB, same layout, cn=config
        # password = ldap_root_password (installLdapConfig + zmldappasswd)
        if ( $newinstall && !-f "$P/data/ldap/config/cn=config.ldif" ) {
            LabCarbonio::slapd_build_config( $config{LDAPROOTPASS} );
        }
        progress("done.\n");
        progress("Enabling ldap replication...");
        if ( !-f "$P/.enable_replica" ) {
            $rc = system("$P/libexec/zmldapenablereplica");
            open my $er, '>>', "$P/.enable_replica";
            close $er if $er;
        }
        if ( $rc == 0 ) {
            $config{DOCREATEADMIN}  = 'no' unless $installed{'carbonio-appserver'};
            $config{DOCREATEDOMAIN} = 'no';
            progress("done.\n");
            stopLdap();
            startLdap();
        }
        else {
            progress("failed.\n");
            progress("You will have to correct the problem and manually enable replication.\n");
            progress("Disabling ldap on $config{HOSTNAME}...");
            my $r = runAsZextras("$P/bin/zmprov -r -m -l ms $config{HOSTNAME} -zimbraServiceEnabled directory-server");
            progress( $r ? "failed.\n" : "done.\n" );
            stopLdap();
        }
    }
    configLog('configSetupLdap');
}

# setup.pl:5462-5488: DOCREATEDOMAIN (yes by default on a directory-server
# node; only a successful replica enable turns it to no) creates the domain
# and points the MASTER's global config at it: zimbraDefaultDomainName and
# zimbraMtaMyOrigin rewritten for the whole installation.
sub configCreateDomain {
    return unless $installed{'carbonio-directory-server'} && $config{DOCREATEDOMAIN} eq 'yes';
    progress("Creating domain $config{CREATEDOMAIN}...");
    my $rc = runAsZextras("$P/bin/zmprov -r -m -l cd $config{CREATEDOMAIN}");
    progress( $rc ? "failed.\n" : "done.\n" );
    progress("Setting default domain name...");
    $rc = runAsZextras("$P/bin/zmprov -r -m -l mcf zimbraDefaultDomainName $config{CREATEDOMAIN}");
    progress( $rc ? "failed.\n" : "done.\n" );
    progress("Setting value of postfix myorigin...");
    $rc = runAsZextras("$P/bin/zmprov -r -m -l mcf zimbraMtaMyOrigin $config{CREATEDOMAIN}");
    progress( $rc ? "failed.\n" : "done.\n" );
    configLog('configCreateDomain');
}

sub configCreateServerEntry {
    progress("Creating server entry for $config{HOSTNAME}...");
    my $out = qx(su - zextras -c "'$P/bin/zmprov' -r -m -l gs $config{HOSTNAME} zimbraId" 2>/dev/null);
    if ( $out =~ /^zimbraId: \S+/m ) {
        progress("already exists.\n");
    }
    else {
        my $rc = runAsZextras("$P/bin/zmprov -r -m -l cs $config{HOSTNAME}");
        progress( $rc ? "failed.\n" : "done.\n" );
    }
    progress("Setting IP Mode...");
    my $rc = runAsZextras("$P/bin/zmprov -r -m -l ms $config{HOSTNAME} zimbraIPMode $config{zimbraIPMode}");
    progress( $rc ? "failed.\n" : "done.\n" );
    configLog('configCreateServerEntry');
}

sub configInstallServices {
    my @svc = ('stats');
    push @svc, 'directory-server' if $installed{'carbonio-directory-server'};
    push @svc, qw(amavis antispam antivirus opendkim mta) if $installed{'carbonio-mta'};
    my $args = join ' ', map { "+zimbraServiceInstalled $_ +zimbraServiceEnabled $_" } @svc;
    detail("Setting services on $config{HOSTNAME}");
    runAsZextras("$P/bin/zmprov -r -m -l ms $config{HOSTNAME} $args");
    configLog('configInstallServices');
}

sub startServers {
    progress("Starting servers...");
    runAsZextras("$P/bin/zmcontrol stop");
    runAsZextras("$P/bin/zmcontrol start");
    progress("done.\n");
}

sub failConfig {
    progress("\n\nERROR\n\n");
    progress("\n\nConfiguration failed\n\n");
    progress("Please address the error and re-run carbonio-bootstrap to\n");
    progress("complete the configuration.\n");
    progress("\nErrors have been logged to $logfile\n\n");
    moveLog();
    exit 1;
}

sub applyConfig {
    LabCarbonio::history_add('CONFIG SESSION START');
    saveConfig();
    configLog('BEGIN');
    configLCValues();
    if ( isReplicaNode() ) {
        # -c mode: changeLdapHost() never ran, so the server entry comes
        # after configSetupLdap
        configSetupLdap();
        configCreateServerEntry();
    }
    else {
        configCreateServerEntry();
        configSetupLdap();
    }
    configCreateDomain();
    configInstallServices();
    startServers() if $config{STARTSERVERS} eq 'yes';
    configLog('END');
    LabCarbonio::history_add('CONFIG SESSION COMPLETE');
}

# ------------------------------------------------------------- menu (no -c)
sub menuItem {
    my ( $key, $prompt, $value ) = @_;
    my $ind = ( !defined $value || $value eq '' || $value =~ /^(none|UNSET|Not Verified)$/ ) ? '**' : '  ';
    $value = 'UNSET' if defined $value && $value eq '';
    printf( "%s%2s) %-40s %-30s\n", $ind, $key, $prompt, $value // '' );
}

sub mainMenu {
    my $pwset = sub { $_[0] eq '' ? 'UNSET' : 'set' };
    my @common = (
        [ 'Hostname:',            $config{HOSTNAME} ],
        [ 'Ldap master host:',    $config{LDAPHOST} ],
        [ 'Ldap port:',           $config{LDAPPORT} ],
        [ 'Ldap Admin password:', $pwset->( $config{LDAPADMINPASS} ) ],
    );
    my $complete = !grep { $_->[1] eq 'UNSET' || $_->[1] eq 'Not Verified' } @common;
    while (1) {
        print "\nMain menu\n\n";
        printf( "  %2s) %-40s %-30s\n", 1, 'Common Configuration:', '' );
        unless ($complete) {
            for (@common) {
                my $ind = $_->[1] =~ /^(UNSET|Not Verified)$/ ? '*******' : '       ';
                printf( "%s +%-37s %s\n", $ind, $_->[0], $_->[1] );
            }
            print "\n";
        }
        my $i = 2;
        for my $pkg (qw(carbonio-clamav carbonio-directory-server carbonio-mta carbonio-appserver carbonio-proxy)) {
            next unless $installed{$pkg};
            my $label = $pkg eq 'carbonio-clamav' ? 'carbonio-antivirus:' : "$pkg:";
            menuItem( $i++, $label, 'Enabled' );
        }
        printf( "  %2s) %-40s %-30s\n", 's', 'Save config to file', '' );
        printf( "  %2s) %-40s %-30s\n", 'x', 'Expand menu',         '' );
        printf( "  %2s) %-40s\n",       'q', 'Quit' );
        print "\n";
        if ($complete) {
            print "*** CONFIGURATION COMPLETE - press 'y' to apply configuration\n";
            print "Select from menu, or press 'y' to apply config (? - help) ";
        }
        else {
            print "Address unconfigured (**) items  (? - help) ";
        }
        my $ans = <STDIN>;
        if ( !defined $ans ) { print "\n"; exit 1; }    # lab: stop at end of input
        chomp $ans;
        if ( $ans eq 'q' ) {
            print "Quit without applying changes? [No] ";
            my $q = <STDIN>;
            if ( !defined $q ) { print "\n"; exit 1; }
            exit 0 if $q =~ /^y/i;
        }
        elsif ( $ans eq '?' ) {
            print "\nMain Menu help\n\nItems marked with ** MUST BE CONFIGURED prior to applying configuration\n\n";
        }
        elsif ( $ans eq 'y' && $complete ) {
            print "\nlab: the interactive apply is not emulated; use carbonio-bootstrap -c FILE\n";
            exit 1;
        }
    }
}
