#!/usr/bin/perl
# SPDX-License-Identifier: LGPL-2.1-or-later
# Turns one text seed of the fuzz targets (tests/fuzz/{corpus,regressions}/<target>/*.hex)
# into the binary input it stands for, on stdout. Plain perl (perl-base), no xxd.
#
# The text is a sequence of items, separated by any whitespace:
#   # ...            a comment, to the end of the line
#   0a 1B deadbeef   bytes in hex, two digits each, in the order written
#   "HTTP/1.1\r\n"   the bytes of the string; escapes \r \n \t \0 \\ \" \xHH
#   mkufw OPTIONS    (to the end of the line) the bytes of the .ufw file that
#                    otaflash-mkufw writes with these OPTIONS; its path is taken
#                    from $OTA_MKUFW
# Usage: perl tests/fuzz/hex2bin.pl SEED.hex >SEED
use strict;
use warnings;

@ARGV == 1 or die "usage: hex2bin.pl SEED.hex >SEED\n";
my $file = $ARGV[0];
open(my $in, '<', $file) or die "hex2bin: $file: $!\n";
my $text = do { local $/; <$in> };
close($in);

my %esc = (r => "\r", n => "\n", t => "\t", '0' => "\0", '\\' => '\\', '"' => '"');
my $out = '';
pos($text) = 0;
while (pos($text) < length($text)) {
  if ($text =~ /\G(?:\s+|#[^\n]*)/gc) {
    next;
  } elsif ($text =~ /\G((?:[0-9A-Fa-f]{2})+)(?=[\s#"]|\z)/gc) {
    $out .= pack('H*', $1);
  } elsif ($text =~ /\G"((?:[^"\\\n]|\\(?:[rnt0\\"]|x[0-9A-Fa-f]{2}))*)"/gc) {
    my $s = $1;
    $s =~ s/\\(x([0-9A-Fa-f]{2})|.)/defined $2 ? chr(hex($2)) : $esc{$1}/ge;
    $out .= $s;
  } elsif ($text =~ /\Gmkufw[ \t]+([^\n#]*)/gc) {
    my @opts = split(' ', $1);
    my $mkufw = $ENV{OTA_MKUFW} or die "hex2bin: $file: 'mkufw' needs OTA_MKUFW\n";
    my $tmp = ($ENV{TMPDIR} // '/tmp') . "/hex2bin-$$.ufw";
    open(my $quiet, '>&', \*STDOUT) or die;
    open(STDOUT, '>', '/dev/null') or die;
    my $rc = system($mkufw, @opts, $tmp);
    open(STDOUT, '>&', $quiet) or die;
    $rc == 0 or die "hex2bin: $file: $mkufw @opts failed\n";
    open(my $ufw, '<:raw', $tmp) or die "hex2bin: $tmp: $!\n";
    $out .= do { local $/; <$ufw> };
    close($ufw);
    unlink($tmp);
  } else {
    my $line = 1 + (substr($text, 0, pos($text)) =~ tr/\n//);
    my ($bad) = substr($text, pos($text)) =~ /^(\S{1,20})/;
    die "hex2bin: $file:$line: cannot read '$bad' (hex pairs, \"strings\", mkufw OPTIONS, # comments)\n";
  }
}
binmode(STDOUT);
print $out;
