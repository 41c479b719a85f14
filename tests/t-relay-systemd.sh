#!/bin/sh
# t-relay-systemd.sh - the hardened unit relay/systemd/relayd.service keeps
# its systemd-analyze security rating (issue 10: <= 1.5, "OK"), and a unit
# without the hardening is rated worse, so the check can fail.
set -u
ROOT=${ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
TEST_TMP=${TEST_TMP:-$(mktemp -d)}
unit="$ROOT/relay/systemd/relayd.service"
if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "not ok - systemd-analyze is not installed: run make deps"
	exit 1
fi
score() { # score UNITFILE: the overall exposure level, e.g. 1.1
	systemd-analyze security --offline=true "$1" 2>/dev/null |
		sed -n 's/.*Overall exposure level for .*: \([0-9.]*\).*/\1/p'
}
s=$(score "$unit")
if [ -n "$s" ] && awk -v s="$s" 'BEGIN { exit !(s <= 1.5) }'; then
	echo "ok - relayd.service: systemd-analyze security rates it $s (at most 1.5)"
else
	echo "not ok - relayd.service: systemd-analyze security rates it '${s:-nothing}', want at most 1.5"
fi
# The same unit without its sandboxing lines must score worse.
plain="$TEST_TMP/relayd-plain.service"
grep -E '^(\[|Description|User|Group|WorkingDirectory|ExecStart|WantedBy)' "$unit" >"$plain"
p=$(score "$plain")
if [ -n "$p" ] && awk -v s="$s" -v p="$p" 'BEGIN { exit !(p > s + 3) }'; then
	echo "ok - without the hardening the unit rates $p: the check can fail"
else
	echo "not ok - the unit without hardening rates '${p:-nothing}' (hardened: $s)"
fi
for k in NoNewPrivileges=yes ProtectSystem=strict ReadWritePaths=/var/lib/relayd PrivateTmp=yes \
	'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' SystemCallFilter=@system-service MemoryMax=; do
	if grep -q "^$k" "$unit"; then
		echo "ok - relayd.service sets $k"
	else
		echo "not ok - relayd.service lacks $k"
	fi
done
