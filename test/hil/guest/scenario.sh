#!/bin/sh
# scenario.sh: the HIL scenario proper, run by init.sh in the QEMU guest and
# over SSH on a real Pi. It drives the devices through picam's packages (the
# probe) and then streams from picam-server to the clients waiting on the
# host. It prints facts for the host to judge and judges nothing itself.
#
# Settings (environment):
#   HIL_BIN          directory holding probe and picam-server (required)
#   HIL_HOST         address the host's clients bound, as seen from here (required)
#   HIL_PORTS        their ports, comma-separated (required)
#   HIL_FRAMES       frames picam-server sends before it terminates the clients
#   HIL_RES          frame size WxH
#   HIL_SERVER_ARGS  extra picam-server flags (source, codec, LEDs ...)
#   HIL_HTTP         picam-server --http address, empty for none
#   HIL_LED          status LED for the probe (GPIO17 in QEMU, ACT on a Pi)
#   HIL_BUTTON       button line for the probe (GPIO27 in QEMU, empty on a Pi)
#   HIL_WORK         scratch directory
#   HIL_BREAK        deliberately broken steps, space-separated: hflip server
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

B=${HIL_BIN:?HIL_BIN must name the directory with probe and picam-server}
: "${HIL_HOST:?}" "${HIL_PORTS:?}"
HIL_FRAMES=${HIL_FRAMES:-60}
HIL_RES=${HIL_RES:-320x240}
HIL_WORK=${HIL_WORK:-/tmp}
W=${HIL_RES%x*}
H=${HIL_RES#*x}
broken() { case " $HIL_BREAK " in *" $1 "*) return 0 ;; esac; return 1; }

rc=0
# 1. Camera, encoder, GPIO and status LED/button through picam's packages.
camflags=
broken hflip && camflags="-break hflip"
# shellcheck disable=SC2086
"$B/probe" camera -width 640 -height 480 $camflags || rc=1
"$B/probe" encode -width 640 -height 480 || rc=1
"$B/probe" gpio || rc=1
"$B/probe" status -led "${HIL_LED:-GPIO17}" -button "${HIL_BUTTON-GPIO27}" || rc=1

# 2. picam-server streaming to the host's clients until it has sent
#    HIL_FRAMES frames and terminated them.
extra=
broken server && extra=--hil-broken-flag
fact server.start "\"ports\":\"$HIL_PORTS\",\"host\":\"$HIL_HOST\",\"uptime_s\":$(uptime_s)"
# shellcheck disable=SC2086
"$B/picam-server" --address "$HIL_HOST" --ports "$HIL_PORTS" --pattern 1 \
	--frames "$HIL_FRAMES" --resolution "$HIL_RES" --json \
	${HIL_HTTP:+--http "$HIL_HTTP"} $HIL_SERVER_ARGS $extra >"$HIL_WORK/server.out"
src=$?
fact server.exit "\"code\":$src,\"uptime_s\":$(uptime_s)"
line=$(grep '^{' "$HIL_WORK/server.out" | tail -n 1)
if [ -n "$line" ]; then
	printf '\nHILJ {"step":"server.summary","v":%s}\n' "$line"
else
	factErr server.summary "picam-server printed no JSON summary (exit $src)"
fi
[ $src -eq 0 ] || rc=1
exit $rc
