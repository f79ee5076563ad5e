#!/bin/sh
# Install the Debian packages that building, testing and benchmarking Vigil
# need. Idempotent, and silent when everything is already there.
set -e

PACKAGES="build-essential clang libclang-rt-14-dev make pkg-config
python3 python3-pytest iproute2 procps socat
libssl-dev openssl zlib1g-dev
haproxy nginx-light wrk
corosync libcorosync-common-dev libcpg-dev libquorum-dev libvotequorum-dev libcmap-dev
resource-agents pacemaker-cli-utils keepalived time"

missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "setup: missing packages:$missing (run as root to install them)" >&2
	exit 1
fi
echo "setup: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
# Services from these packages are not wanted running: tests and benchmarks
# start their own instances on their own ports.
made_policy=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod +x /usr/sbin/policy-rc.d
	made_policy=1
fi
apt-get install -y -q --no-install-recommends $missing >/dev/null
[ -n "$made_policy" ] && rm -f /usr/sbin/policy-rc.d
exit 0
