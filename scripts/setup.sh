#!/bin/sh
# Install what sitemark needs on Debian 12 and build it in this tree.
# Runs apt-get only when a package is missing (as root, or through sudo).
set -eu
cd "$(dirname "$0")/.."

# clang and libclang-rt-14-dev (its sanitizer and libFuzzer runtimes):
# the fuzzing harnesses of tests/fuzz.  Printing (issue 8): pango and cairo,
# the fonts (Noto Serif CJK SC), lp (cups-client); the tests
# read the PDFs with poppler-utils (pdftotext, pdffonts, pdftoppm) and python3.
# debhelper, dpkg-dev, fakeroot and lintian: the Debian package (debian/,
# tests/package.sh).
packages="build-essential autoconf automake autopoint gettext pkg-config
  libsqlite3-dev sqlite3 libyaml-dev libcurl4-openssl-dev libncurses-dev
  libidn2-dev libjansson-dev nettle-dev liboath-dev oathtool check locales tmux jq
  clang libclang-rt-14-dev libdqlite-dev libraft-dev
  libpango1.0-dev libcairo2-dev fonts-noto-cjk poppler-utils cups-client python3
  nginx-light chromium wrk
  debhelper dpkg-dev fakeroot lintian
  groff-base man-db"
# notify run's tests and benchmark: an SMTP server (aiosmtpd) with a test
# certificate (openssl), bc for the rates
packages="$packages python3-aiosmtpd openssl bc"
# the networked store behind TLS (tests/dqlite_tls.sh, tests/dqlite_nft.sh)
packages="$packages stunnel4 nftables"

missing=""
for p in $packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}
if [ -n "$missing" ]; then
	echo "setup: installing$missing"
	as_root apt-get update -qq
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
fi

# Chinese is the interface's first language; a fresh Debian has only C.UTF-8.
need_locale() {
	locale -a 2>/dev/null | grep -qix "$(echo "$1" | sed 's/UTF-8/utf8/')"
}
if ! need_locale zh_CN.UTF-8 || ! need_locale en_US.UTF-8; then
	echo "setup: generating the zh_CN.UTF-8 and en_US.UTF-8 locales"
	as_root sed -i -e 's/^# *\(zh_CN.UTF-8 UTF-8\)/\1/' -e 's/^# *\(en_US.UTF-8 UTF-8\)/\1/' /etc/locale.gen
	grep -q '^zh_CN.UTF-8 UTF-8' /etc/locale.gen || echo 'zh_CN.UTF-8 UTF-8' | as_root tee -a /etc/locale.gen >/dev/null
	grep -q '^en_US.UTF-8 UTF-8' /etc/locale.gen || echo 'en_US.UTF-8 UTF-8' | as_root tee -a /etc/locale.gen >/dev/null
	as_root locale-gen >/dev/null
fi

if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ]; then
	autoreconf -fi
fi
if [ ! -f Makefile ] || [ configure -nt config.status ]; then
	./configure --enable-werror
fi
make -j"$(nproc)"
