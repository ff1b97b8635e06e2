#!/bin/sh
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Install every Debian package blastradius needs to build, test, demo and
# benchmark. Quiet and quick when everything is present; otherwise runs
# apt-get (needs root). Used by `make test`, `make demo` and `make bench`.
set -eu
# Root tools (ip, sysctl, bpftool) live in sbin, which a bare PATH may lack.
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

PACKAGES="
	clang llvm libclang-rt-14-dev gcc make pkg-config
	libbpf-dev libelf-dev zlib1g-dev linux-libc-dev libc6-dev
	bpftool xdp-tools iproute2
	libcmocka-dev
	socat netcat-openbsd curl jq python3 iputils-ping strace
	tshark tcpdump libpcap-dev libssl-dev openssl dnsmasq-base dnsutils
	knot-dnsutils
	chromium fonts-dejavu-core
	ngtcp2-server ngtcp2-client nftables ethtool coturn
	libngtcp2-dev libngtcp2-crypto-gnutls-dev libgnutls28-dev
	man-db groff-base bsdextrautils
	parallel python3-yaml
"

missing=""
for p in $PACKAGES; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$status" = "installed" ] || missing="$missing $p"
done

[ -z "$missing" ] && exit 0

echo "deps: installing:$missing"
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: need root to install packages (run as root or: sudo $0)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# tshark's wireshark-common asks whether non-root users may capture: no.
# (dnsmasq-base, not dnsmasq: the latter starts a resolver service on the
# host; the differential test runs its own in a namespace.)
echo 'wireshark-common wireshark-common/install-setuid boolean false' |
	debconf-set-selections
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "deps: done"
