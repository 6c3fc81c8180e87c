# LabCarbonio: shared code of the loopback lab's Carbonio stand-ins.
#
# Every stand-in finds its node from its OWN path: the prefix (the node's
# /opt/zextras) is the parent of the directory holding the script.  Nothing
# is taken from the environment, because the wizard runs the tools through
# `su - zextras -c`, which resets it.
package LabCarbonio;

use strict;
use warnings;
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Temp qw(tempfile);
use Digest::SHA qw(sha1);
use MIME::Base64 qw(encode_base64);
use POSIX qw(strftime);

our $PREFIX;

# prefix from the calling script's real path: <prefix>/{bin,libexec}/tool
sub prefix {
    return $PREFIX if defined $PREFIX;
    my $self = abs_path($0);
    $PREFIX = dirname( dirname($self) );
    return $PREFIX;
}

sub path { return prefix() . '/' . join( '/', @_ ); }

sub whoami {
    my $n = getpwuid($<);
    return defined $n ? $n : "$<";
}

# ---------------------------------------------------------------- lab-node.conf
# Facts a real node knows by other means (its address, the lab's port, the
# lab's syncrepl retry).  key=value, one per line.
sub node_conf {
    my %c = ( sync_retry => '10 +', systemd => 0 );
    if ( open my $fh, '<', path( 'conf', 'lab-node.conf' ) ) {
        while (<$fh>) {
            chomp;
            next if /^\s*(#|$)/;
            my ( $k, $v ) = split /=/, $_, 2;
            $c{$k} = $v if defined $v;
        }
        close $fh;
    }
    return \%c;
}

# ---------------------------------------------------------------- localconfig
# Defaults of the keys the stand-ins use (values of LC.java where known).
sub lc_defaults {
    my $p = prefix();
    return (
        zimbra_home                          => $p,
        zimbra_user                          => 'zextras',
        zimbra_server_hostname               => 'localhost',
        zimbra_tmp_directory                 => '${zimbra_home}/data/tmp',
        ldap_url                             => '',
        ldap_master_url                      => '',
        ldap_bind_url                        => '',
        ldap_port                            => '389',
        ldap_is_master                       => 'false',
        ldap_root_password                   => 'zimbra',
        ldap_replication_password            => 'zmreplica',
        ldap_postfix_password                => 'zmpostfix',
        ldap_amavis_password                 => 'zmamavis',
        ldap_nginx_password                  => 'zmnginx',
        ldap_starttls_supported              => '0',
        ldap_common_require_tls              => '0',
        zimbra_ldap_userdn                   => 'uid=zimbra,cn=admins,cn=zimbra',
        zimbra_ldap_password                 => 'zimbra',
        zimbra_require_interprocess_security => '0',
        zimbra_zmprov_default_to_ldap        => 'false',
    );
}

sub _xml_unescape {
    my $s = shift;
    $s =~ s/&lt;/</g;
    $s =~ s/&gt;/>/g;
    $s =~ s/&quot;/"/g;
    $s =~ s/&apos;/'/g;
    $s =~ s/&amp;/&/g;
    return $s;
}

sub _xml_escape {
    my $s = shift;
    $s =~ s/&/&amp;/g;
    $s =~ s/</&lt;/g;
    $s =~ s/>/&gt;/g;
    $s =~ s/"/&quot;/g;
    return $s;
}

# Only the keys present in localconfig.xml.
sub lc_read_file {
    my $file = shift // path( 'conf', 'localconfig.xml' );
    my %kv;
    open my $fh, '<', $file or return \%kv;
    local $/;
    my $x = <$fh>;
    close $fh;
    while ( $x =~ m{<key\s+name="([^"]*)"\s*>\s*<value>(.*?)</value>\s*</key>}sg ) {
        $kv{ _xml_unescape($1) } = _xml_unescape($2);
    }
    while ( $x =~ m{<key\s+name="([^"]*)"\s*>\s*<value\s*/>\s*</key>}sg ) {
        $kv{ _xml_unescape($1) } = '';
    }
    return \%kv;
}

# Defaults overlaid with the file.
sub lc_all {
    my %all = lc_defaults();
    my $f   = lc_read_file();
    @all{ keys %$f } = values %$f;
    return \%all;
}

sub lc_expand {
    my ( $all, $v, $depth ) = @_;
    $depth //= 0;
    return $v if $depth > 10;
    $v =~ s/\$\{(\w+)\}/defined $all->{$1} ? lc_expand($all, $all->{$1}, $depth + 1) : ''/ge;
    return $v;
}

sub lc_get {
    my $k = shift;
    my $a = lc_all();
    return undef unless defined $a->{$k};
    return lc_expand( $a, $a->{$k} );
}

# Write atomically (temp file + rename) with umask 0027, as the real
# wrapper runs the Java tool.  Ownership follows the writer: the real tool
# refuses root for edits, labnode (root) chowns afterwards.
sub lc_write_file {
    my ( $kv, $file ) = @_;
    $file //= path( 'conf', 'localconfig.xml' );
    my $old = umask 0027;
    my ( $fh, $tmp ) = tempfile( 'localconfig.xml.XXXXXX', DIR => dirname($file) );
    print $fh qq{<?xml version="1.0" encoding="UTF-8"?>\n\n<localconfig>\n};
    for my $k ( sort keys %$kv ) {
        printf $fh qq{  <key name="%s">\n    <value>%s</value>\n  </key>\n}, _xml_escape($k), _xml_escape( $kv->{$k} );
    }
    print $fh "</localconfig>\n";
    close $fh or die "write $tmp: $!";
    chmod 0640, $tmp;
    rename $tmp, $file or die "rename $tmp: $!";
    umask $old;
}

# ---------------------------------------------------------------- misc
sub ssha {
    my $pw   = shift;
    my $salt = join '', map { chr( int( rand(256) ) ) } 1 .. 8;
    return '{SSHA}' . encode_base64( sha1( $pw . $salt ) . $salt, '' );
}

sub uuid {
    open my $fh, '<', '/proc/sys/kernel/random/uuid' or die "uuid: $!";
    my $u = <$fh>;
    close $fh;
    chomp $u;
    return $u;
}

sub ldapi_url {
    my $p = path( 'run', 'ldapi' );
    $p =~ s/([^A-Za-z0-9._~-])/sprintf('%%%02X', ord($1))/ge;
    return "ldapi://$p";
}

sub host_of_url {
    my $u = shift;
    $u =~ s{^ldaps?://}{}i;
    $u =~ s{[:/].*$}{};
    return $u;
}

# Connect with the lab's 5 s connect timeout (Net::LDAP default is 120 s).
sub ldap_connect {
    my ( $url, %o ) = @_;
    require Net::LDAP;
    return Net::LDAP->new( $url, timeout => 5, %o );
}

sub log_line {
    my ( $name, $msg ) = @_;
    my $f = path( 'log', "$name.log" );
    if ( open my $fh, '>>', $f ) {
        print $fh strftime( '%Y-%m-%d %H:%M:%S', localtime ) . " [$$] $msg\n";
        close $fh;
    }
}

# Run a command line as zextras the way the real tools do.
sub su_zextras {
    my $cmd = shift;
    return system( 'su', '-', 'zextras', '-c', $cmd );
}

# ---------------------------------------------------------------- slapd
# The LAB schema: a stand-in for the Zimbra schema (which is not available
# here), under a private, made-up OID arc 1.3.6.1.4.1.99999.1 so it can
# never be mistaken for the real Zimbra OIDs (1.3.6.1.4.1.19348).  Only what
# the stand-ins need.
sub lab_schema_ldif {
    my $a = '1.3.6.1.4.1.99999.1.1';
    my $o = '1.3.6.1.4.1.99999.1.2';
    my $str = "EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15";
    return <<"EOT";
dn: cn=labcarbonio,cn=schema,cn=config
objectClass: olcSchemaConfig
cn: labcarbonio
olcAttributeTypes: ( $a.1 NAME 'zimbraId' DESC 'LAB stand-in' $str SINGLE-VALUE )
olcAttributeTypes: ( $a.2 NAME 'zimbraServiceEnabled' DESC 'LAB stand-in' $str )
olcAttributeTypes: ( $a.3 NAME 'zimbraServiceInstalled' DESC 'LAB stand-in' $str )
olcAttributeTypes: ( $a.4 NAME 'zimbraIPMode' DESC 'LAB stand-in' $str SINGLE-VALUE )
olcAttributeTypes: ( $a.5 NAME 'zimbraDomainName' DESC 'LAB stand-in' $str SINGLE-VALUE )
olcAttributeTypes: ( $a.6 NAME 'zimbraAccountStatus' DESC 'LAB stand-in' $str SINGLE-VALUE )
olcAttributeTypes: ( $a.7 NAME 'zimbraMailDeliveryAddress' DESC 'LAB stand-in' $str )
olcAttributeTypes: ( $a.8 NAME 'zimbraIsAdminAccount' DESC 'LAB stand-in' $str SINGLE-VALUE )
olcAttributeTypes: ( $a.9 NAME 'zimbraLDAPSchemaVersion' DESC 'LAB stand-in' $str SINGLE-VALUE )
olcAttributeTypes: ( $a.10 NAME 'zimbraServiceHostname' DESC 'LAB stand-in' $str SINGLE-VALUE )
olcAttributeTypes: ( $a.11 NAME 'zimbraDomainType' DESC 'LAB stand-in' $str SINGLE-VALUE )
olcAttributeTypes: ( $a.12 NAME 'zimbraDefaultDomainName' DESC 'LAB stand-in' $str SINGLE-VALUE )
olcAttributeTypes: ( $a.13 NAME 'zimbraMtaMyOrigin' DESC 'LAB stand-in' $str SINGLE-VALUE )
olcObjectClasses: ( $o.1 NAME 'zimbraAccount' DESC 'LAB stand-in' SUP top AUXILIARY MUST ( zimbraId ) MAY ( mail \$ zimbraAccountStatus \$ zimbraMailDeliveryAddress \$ zimbraIsAdminAccount ) )
olcObjectClasses: ( $o.2 NAME 'zimbraServer' DESC 'LAB stand-in' SUP top STRUCTURAL MUST ( cn ) MAY ( zimbraId \$ zimbraServiceEnabled \$ zimbraServiceInstalled \$ zimbraIPMode \$ zimbraServiceHostname ) )
olcObjectClasses: ( $o.3 NAME 'zimbraDomain' DESC 'LAB stand-in' SUP top AUXILIARY MUST ( zimbraId \$ zimbraDomainName ) MAY ( zimbraDomainType ) )
olcObjectClasses: ( $o.4 NAME 'zimbraGlobalConfig' DESC 'LAB stand-in' SUP top AUXILIARY MAY ( zimbraLDAPSchemaVersion \$ zimbraDefaultDomainName \$ zimbraMtaMyOrigin ) )

EOT
}

# cn=config of a Carbonio node: {0}config, {1}monitor, {2}mdb with the empty
# suffix, syncprov + accesslog modules loaded but no overlay.
sub slapd_config_ldif {
    my ($rootpw) = @_;
    my $p   = prefix();
    my ( $zuid, $zgid ) = ( getpwnam('zextras') )[ 2, 3 ];
    my $hash = ssha($rootpw);
    my $admin = 'uid=zimbra,cn=admins,cn=zimbra';
    my $repl  = 'uid=zmreplica,cn=admins,cn=zimbra';
    my $peer  = 'cn=peercred,cn=external,cn=auth';
    my $ldif = <<"EOT";
dn: cn=config
objectClass: olcGlobal
cn: config
olcPidFile: $p/run/slapd.pid
olcArgsFile: $p/run/slapd.args
olcToolThreads: 1

dn: cn=module{0},cn=config
objectClass: olcModuleList
cn: module{0}
olcModulePath: /usr/lib/ldap
olcModuleLoad: {0}back_mdb
olcModuleLoad: {1}syncprov
olcModuleLoad: {2}accesslog

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

EOT
    for my $s (qw(core cosine inetorgperson)) {
        open my $fh, '<', "/etc/ldap/schema/$s.ldif" or die "schema $s: $!";
        local $/;
        my $t = <$fh>;
        close $fh;
        $ldif .= "$t\n";
    }
    $ldif .= lab_schema_ldif();
    $ldif .= <<"EOT";
dn: olcDatabase={-1}frontend,cn=config
objectClass: olcDatabaseConfig
objectClass: olcFrontendConfig
olcDatabase: {-1}frontend
olcAccess: {0}to dn.base="" by * read
olcAccess: {1}to dn.base="cn=Subschema" by * read
olcSizeLimit: unlimited

dn: olcDatabase={0}config,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {0}config
olcRootDN: cn=config
olcRootPW: $hash
olcAccess: {0}to * by dn.exact="gidNumber=0+uidNumber=0,$peer" manage by dn.exact="gidNumber=$zgid+uidNumber=$zuid,$peer" manage by * break

dn: olcDatabase={1}monitor,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {1}monitor
olcRootDN: cn=config
olcAccess: {0}to dn.subtree="cn=monitor" by dn.exact="cn=config" read by dn.exact="$admin" read by dn.exact="gidNumber=0+uidNumber=0,$peer" read by dn.exact="gidNumber=$zgid+uidNumber=$zuid,$peer" read by * none

dn: olcDatabase={2}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {2}mdb
olcSuffix:
olcDbDirectory: $p/data/ldap/mdb/db
olcRootDN: cn=config
olcLastMod: TRUE
olcMonitoring: TRUE
olcSizeLimit: unlimited
olcTimeLimit: unlimited
olcDbMaxSize: 85899345920
olcDbEnvFlags: writemap
olcDbEnvFlags: nometasync
olcDbNoSync: TRUE
olcDbIndex: objectClass eq
olcDbIndex: entryCSN eq
olcDbIndex: entryUUID eq
olcDbIndex: uid eq
olcDbIndex: cn eq
olcDbIndex: mail eq
olcDbIndex: zimbraId eq
olcAccess: {0}to dn.base="" by * read
olcAccess: {1}to attrs=userPassword by dn.exact="$admin" write by dn.exact="$repl" read by anonymous auth by * none
olcAccess: {2}to dn.subtree="cn=zimbra" by dn.exact="$admin" write by dn.exact="$repl" read by dn.children="cn=appaccts,cn=zimbra" read by * none
olcAccess: {3}to * by dn.exact="$admin" write by dn.exact="$repl" read by dn.children="cn=appaccts,cn=zimbra" read by * none
olcLimits: {0}dn.exact="$repl" time.soft=unlimited time.hard=unlimited size.soft=unlimited size.hard=unlimited
olcLimits: {1}dn.exact="$admin" time.soft=unlimited time.hard=unlimited size.soft=unlimited size.hard=unlimited

EOT
    return $ldif;
}

# Build data/ldap/config with slapadd -n0 (run as root), owned by zextras.
sub slapd_build_config {
    my ($rootpw) = @_;
    my $p = prefix();
    my $cfg = "$p/data/ldap/config";
    system( 'rm', '-rf', $cfg, "$p/data/ldap/mdb", "$p/data/ldap/accesslog" );
    for my $d ( $cfg, "$p/data/ldap/mdb/db" ) { system( 'mkdir', '-p', $d ) == 0 or die "mkdir $d"; }
    my ( $fh, $tmp ) = tempfile( 'slapd-config.XXXXXX', DIR => "$p/data/ldap", UNLINK => 1 );
    chmod 0600, $tmp;
    print $fh slapd_config_ldif($rootpw);
    close $fh;
    my $rc = system("/usr/sbin/slapadd -n0 -F '$cfg' -l '$tmp' >>'$p/log/slapadd.log' 2>&1");
    unlink $tmp;
    die "slapadd -n0 failed (see $p/log/slapadd.log)\n" if $rc;
    system( 'chown', '-R', 'zextras:zextras', "$p/data/ldap" );
    return 0;
}

# ---------------------------------------------------------------- packages
# .install_history, real format: "<epoch>: INSTALLED <pkg>",
# "<epoch>: CONFIGURED <stage>", "<epoch>: CONFIG SESSION START".
sub installed_packages {
    my %p;
    open my $fh, '<', path('.install_history') or return %p;
    while (<$fh>) {
        my ( $d, $op, $pkg ) = split ' ';
        next unless defined $pkg;
        $p{$pkg} = 1 if $op eq 'INSTALLED' || $op eq 'UPGRADED';
        delete $p{$pkg} if $op eq 'REMOVED';
    }
    close $fh;
    return %p;
}

# (newinstall, %configStatus) as setup.pl's getInstallStatus computes them
sub install_status {
    my ( %c, $core );
    open my $fh, '<', path('.install_history') or return ( 1, %c );
    while ( my $h = <$fh> ) {
        next if $h =~ /CONFIG SESSION COMPLETE|INSTALL SESSION COMPLETE/;
        if ( $h =~ /CONFIG SESSION START/ )  { %c = (); next; }
        if ( $h =~ /INSTALL SESSION START/ ) { %c = (); $core = 0; next; }
        my ( $d, $op, $stage ) = split ' ', $h;
        next unless defined $stage;
        $core = 1 if $stage eq 'carbonio-core' && $op eq 'INSTALLED';
        $c{$stage} = $op if $op eq 'CONFIGURED';
    }
    close $fh;
    my $new = ( $core && ( $c{END} // '' ) ne 'CONFIGURED' ) ? 1 : 0;
    return ( $new, %c );
}

sub history_add {
    my @lines = @_;
    open my $fh, '>>', path('.install_history') or die "install_history: $!";
    print $fh time() . ": $_\n" for @lines;
    close $fh;
}

1;
