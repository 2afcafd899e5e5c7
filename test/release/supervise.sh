#!/usr/bin/env bash
# supervise.sh ROOT WORK: run picam-server.service from the installed package in ROOT the way
# systemd would, where systemd cannot be PID 1 (this machine's containers): ExecStart, as User=
# and Group= with the user's groups and no new privileges, restarted after RestartSec when it
# dies, stopped with SIGTERM within TimeoutStopSec. Checks, with picam-client on the host:
# frames stream, a kill -9 is followed by a restart that streams again, and a stop is clean
# (exit 0, the client gets the terminate). The hardening options are systemd's and not
# emulated here; systemd-analyze security scores them.
set -euo pipefail
root=$1 work=$2
unit=$root/lib/systemd/system/picam-server.service
key() { sed -n "s/^$1=//p" "$unit" | tail -1; }
exec_start=$(key ExecStart) user=$(key User) group=$(key Group) restart=$(key Restart)
restart_sec=$(key RestartSec) stop_timeout=$(key TimeoutStopSec)
restart_sec=${restart_sec%s} stop_timeout=${stop_timeout%s}
[ "$restart" = always ] || { echo "supervise: Restart=$restart, want always" >&2; exit 1; }
echo "supervise: ExecStart=$exec_start as $user:$group, Restart=$restart RestartSec=${restart_sec}s TimeoutStopSec=${stop_timeout}s"

# Free loopback ports for the client and the status API, written into the installed picam.conf.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
hport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
conf=$root/etc/picam/picam.conf
sed -i -e "s/^ports = .*/ports = $port/" -e "s/^http = .*/http = 127.0.0.1:$hport/" -e 's/^source = .*/source = testsrc/' "$conf"

client=$work/a/picam-client-linux-amd64
"$client" --address 127.0.0.1 --port "$port" --pattern 2 --timeout 30s --stats 0 --json >"$work/client.json" 2>"$work/client.log" &
clientpid=$!

rm -f "$work/stop" "$work/svc.rc"
: >"$work/svc.log"
supervisor() {
	local rc
	while :; do
		# shellcheck disable=SC2086 # ExecStart is split into words, as systemd does
		chroot "$root" /usr/bin/setpriv --reuid="$user" --regid="$group" --init-groups --no-new-privs \
			--inh-caps=-all --bounding-set=-all -- $exec_start >>"$work/svc.log" 2>&1 &
		echo $! >"$work/svc.pid"
		rc=0
		wait $! || rc=$?
		if [ -e "$work/stop" ]; then echo "$rc" >"$work/svc.rc"; return; fi
		echo "supervise: picam-server exited with status $rc; restarting in ${restart_sec}s" >>"$work/svc.log"
		sleep "$restart_sec"
	done
}
supervisor &
suppid=$!
fail=0
# frames_after N: wait up to 30 s until the running server reports more than N frames sent.
status() { curl -fsS "http://127.0.0.1:$hport/api/status" 2>/dev/null || true; }
frames_after() {
	local i s
	for i in $(seq 300); do
		s=$(status)
		if [ -n "$s" ] && [ "$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["frames_sent"])' "$s")" -gt "$1" ]; then echo "$s"; return 0; fi
		sleep 0.1
	done
	echo "supervise: no frames within 30 s; /api/status: $(status)" >&2
	return 1
}
s=$(frames_after 30) && echo "supervise: streaming as pid $(cat "$work/svc.pid"): $s" || fail=1
# Runs as the unit's user and group with the user's groups (numeric: the host names other users
# with the root's ids).
pid=$(cat "$work/svc.pid")
uid=$(chroot "$root" id -u "$user") gid=$(chroot "$root" getent group "$group" | cut -d: -f3) video=$(chroot "$root" getent group video | cut -d: -f3)
ids=$(grep -E '^(Uid|Gid|Groups):' "/proc/$pid/status" | tr -s '\t\n' '  ')
if grep -q "Uid: $uid $uid $uid $uid Gid: $gid $gid $gid $gid Groups: .*\b$video\b" <<<"$ids"; then
	echo "supervise: runs as $user ($uid), group $group ($gid), in video ($video): $ids"
else
	echo "supervise: runs as '$ids', want uid $uid, gid $gid and the video group $video" >&2; fail=1
fi
grep -q NoNewPrivs:.*1 "/proc/$pid/status" || { echo "supervise: NoNewPrivs is not set" >&2; fail=1; }

kill -9 "$pid"
t0=$SECONDS
for _ in $(seq 100); do [ "$(cat "$work/svc.pid")" != "$pid" ] && break; sleep 0.1; done
new=$(cat "$work/svc.pid")
if [ "$new" != "$pid" ] && s=$(frames_after 30); then
	echo "supervise: kill -9 $pid: restarted as $new, streaming again after $((SECONDS - t0)) s: $s"
else
	echo "supervise: no restart after kill -9" >&2; fail=1
fi

touch "$work/stop"
kill -TERM "$(cat "$work/svc.pid")"
for _ in $(seq $((stop_timeout * 10))); do [ -e "$work/svc.rc" ] && break; sleep 0.1; done
if [ "$(cat "$work/svc.rc" 2>/dev/null)" = 0 ]; then
	echo "supervise: SIGTERM: stopped with status 0"
else
	echo "supervise: SIGTERM: no clean stop within ${stop_timeout}s (status $(cat "$work/svc.rc" 2>/dev/null || echo none))" >&2
	kill -9 "$(cat "$work/svc.pid")" 2>/dev/null || true
	fail=1
fi
wait "$suppid" 2>/dev/null || true
crc=0
for _ in $(seq 100); do kill -0 "$clientpid" 2>/dev/null || break; sleep 0.1; done
kill "$clientpid" 2>/dev/null && { echo "supervise: the client did not exit after the stop" >&2; fail=1; }
wait "$clientpid" || crc=$?
sum=$(tail -1 "$work/client.json")
echo "supervise: client exit $crc: $(cut -c1-160 <<<"$sum")"
grep -q '"exit":"terminate"' <<<"$sum" || { echo "supervise: the client did not get the terminate" >&2; fail=1; }
if [ $fail != 0 ]; then echo "--- service log"; tail -30 "$work/svc.log"; echo "--- client log"; tail -10 "$work/client.log"; fi >&2
exit $fail
