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
#   HIL_SERVER_ARGS  picam-server's source/LED flags; empty: chosen from its --help (see 3.)
#   HIL_SERVER_CODEC its payload flags, e.g. --codec jpeg
#   HIL_SERVER_LED   gpio-sim line for its status LED (GPIO17 in QEMU, empty on a Pi)
#   HIL_HTTP         picam-server --http address, empty for none
#   HIL_HTTP_TOKEN   bearer token it requires (it binds beyond loopback, so it must have one)
#   HIL_LED          status LED for the probe (GPIO17 in QEMU, ACT on a Pi)
#   HIL_BUTTON       button line for the probe (GPIO27 in QEMU, empty on a Pi)
#   HIL_TESTS        directory of packages' `go test -tags hil` binaries (NAME.test), may be empty
#   HIL_WORK         scratch directory
#   HIL_WATCH_LED    gpio-sim line to watch while picam-server runs (its own status LED)
#   HIL_CAMERA_OPTS  PiGear options picam-server gets with the camera (default below);
#                    the host reads the controls back after it exits
#   HIL_ENC_PORT     port of the host client for the encoder run (3b); empty: no such run
#   HIL_ENC_CODEC    what the hardware encoder makes there: fwht (vicodec) or h264 (Pi)
#   HIL_ENC_FRAMES   frames of the encoder run
#   HIL_SERVER_BUTTON gpio-sim line for its button (GPIO27 in QEMU); with
#                    HIL_SERVER_LED it enables step 4, the LED states and the pause
#   HIL_BREAK        deliberately broken steps, space-separated: hflip server
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

B=${HIL_BIN:?HIL_BIN must name the directory with probe and picam-server}
: "${HIL_HOST:?}" "${HIL_PORTS:?}"
HIL_FRAMES=${HIL_FRAMES:-60}
HIL_RES=${HIL_RES:-320x240}
HIL_WORK=${HIL_WORK:-/tmp}
# PiGear's spelling (underscores) on purpose: Python users type it so.
HIL_CAMERA_OPTS=${HIL_CAMERA_OPTS:---hflip --iso 800 --awb_mode tungsten --brightness 70}
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

# 2. The packages' own hardware tests (hw/v4l2, codec: go test -tags hil),
#    pointed at the devices the probe finds. Two spellings of the variables
#    are in use; both are set.
cam=$("$B/probe" find camera 2>/dev/null)
enc=$("$B/probe" find encoder 2>/dev/null)
if [ -n "$HIL_TESTS" ] && [ -d "$HIL_TESTS" ]; then
	for t in "$HIL_TESTS"/*.test; do
		[ -x "$t" ] || continue
		name=$(basename "$t" .test)
		out=$HIL_WORK/$name.out
		PICAM_V4L2_DEVICE=$cam PICAM_V4L2_M2M_DEVICE=$enc PICAM_HIL_CAMERA=$cam PICAM_HIL_ENCODER=$enc \
			"$t" -test.run '^TestHIL' -test.v -test.timeout 120s >"$out" 2>&1
		trc=$?
		sed "s|^|[$name] |" "$out"
		p=$(grep -c '^--- PASS' "$out")
		f=$(grep -c '^--- FAIL' "$out")
		s=$(grep -c '^--- SKIP' "$out")
		names=$(grep '^--- FAIL' "$out" | cut -d' ' -f3 | tr '\n' ' ')
		fact gotest "\"package\":\"$name\",\"exit\":$trc,\"passed\":$p,\"failed\":$f,\"skipped\":$s,\"failures\":\"$names\""
		[ $trc -eq 0 ] || rc=1
	done
fi

# 3. picam-server streaming to the host's clients until it has sent
#    HIL_FRAMES frames and terminated them.
#    Without HIL_SERVER_ARGS the server gets what the binary under test
#    offers: the camera (v4l2:NODE) once it has camera sources, else the
#    test pattern; its status LED on HIL_SERVER_LED once it has --status-gpio.
#    The LED line is then watched from the simulator while it streams.
help=$("$B/picam-server" --help 2>&1)
args=$HIL_SERVER_ARGS
watch=
if [ -z "$args" ]; then
	case $help in
	*v4l2:/dev/video*) args="--source v4l2:$cam $HIL_CAMERA_OPTS" ;;
	*) args="--source testsrc" ;;
	esac
	[ -n "$cam" ] || args="--source testsrc"
	if [ -n "$HIL_SERVER_LED" ]; then
		case $help in
		*--status-gpio*)
			args="$args --status-gpio $HIL_SERVER_LED"
			watch=$HIL_SERVER_LED
			;;
		*) factSkip server.led "this picam-server has no --status-gpio" ;;
		esac
	fi
fi
[ -n "$HIL_WATCH_LED" ] && watch=$HIL_WATCH_LED
fact server.args "\"args\":\"$(clean "$args $HIL_SERVER_CODEC")\""
extra=
broken server && extra=--hil-broken-flag
# The camera's controls back at their defaults first, so what is read
# after the server exits is what the server set (V4L2 keeps both).
case $args in
*--source\ v4l2:*) "$B/probe" controls -reset -label before -device "$cam" || rc=1 ;;
esac
wpid=
if [ -n "$watch" ]; then
	"$B/probe" watch -line "$watch" &
	wpid=$!
fi
fact server.start "\"ports\":\"$HIL_PORTS\",\"host\":\"$HIL_HOST\",\"uptime_s\":$(uptime_s)"
httpflags=
if [ -n "$HIL_HTTP" ]; then
	httpflags="--http $HIL_HTTP"
	if [ -n "$HIL_HTTP_TOKEN" ]; then
		(umask 077 && printf '%s\n' "$HIL_HTTP_TOKEN" >"$HIL_WORK/http.token")
		httpflags="$httpflags --http-token-file $HIL_WORK/http.token"
	fi
fi
# Its log goes to the console and to server.err; its exit status through a
# file, since a pipeline's status is tee's.
# shellcheck disable=SC2086
{
	"$B/picam-server" --address "$HIL_HOST" --ports "$HIL_PORTS" --pattern 1 \
		--frames "$HIL_FRAMES" --resolution "$HIL_RES" --json \
		$httpflags $args $HIL_SERVER_CODEC $extra 2>&1 >"$HIL_WORK/server.out"
	echo $? >"$HIL_WORK/server.rc"
} | tee "$HIL_WORK/server.err"
src=$(cat "$HIL_WORK/server.rc")
if [ -n "$wpid" ]; then
	kill -TERM "$wpid"
	wait "$wpid"
fi
why=
if [ "$src" != 0 ]; then
	why=$(grep -m 1 -i -e 'level=error' -e 'flag' -e 'invalid' -e 'error' "$HIL_WORK/server.err" || head -n 1 "$HIL_WORK/server.err")
fi
fact server.exit "\"code\":$src,\"stderr\":\"$(clean "$why")\",\"uptime_s\":$(uptime_s)"
# The settings the camera could not honour, as the server logged them.
warn=$(grep 'camera setting not applied' "$HIL_WORK/server.err" | sed 's/.*warning=//' | tr '\n' ';')
fact server.camera "\"args\":\"$(clean "$args")\",\"warnings\":\"$(clean "$warn")\""
case $args in
*--source\ v4l2:*) "$B/probe" controls -label after -device "$cam" || rc=1 ;;
esac
line=$(grep '^{' "$HIL_WORK/server.out" | tail -n 1)
if [ -n "$line" ]; then
	printf '\nHILJ {"step":"server.summary","v":%s}\n' "$line"
else
	factErr server.summary "picam-server printed no JSON summary (exit $src)"
fi
[ $src -eq 0 ] || rc=1

# 3b. picam-server encoding through the hardware (M2M) encoder: camera
#     frames into vicodec (QEMU) or bcm2835-codec (Pi), the coded stream to
#     the host's third client, which decodes it.
if [ -n "$HIL_ENC_PORT" ]; then
	if [ -z "$cam" ] || [ -z "$enc" ]; then
		factErr encoder.exit "no camera ($cam) or encoder ($enc) node found for the encoder run"
	else
		eargs="--source v4l2:$cam --codec ${HIL_ENC_CODEC:-h264} --encoder hardware --encoder-device $enc"
		fact encoder.start "\"args\":\"$(clean "$eargs")\",\"uptime_s\":$(uptime_s)"
		# shellcheck disable=SC2086
		"$B/picam-server" --address "$HIL_HOST" --ports "$HIL_ENC_PORT" --pattern 1 \
			--frames "${HIL_ENC_FRAMES:-30}" --resolution "$HIL_RES" --json $eargs \
			2>"$HIL_WORK/encoder.err" >"$HIL_WORK/encoder.out"
		erc=$?
		sed 's/^/[encoder run] /' "$HIL_WORK/encoder.err"
		ewhy=
		[ $erc = 0 ] || ewhy=$(grep -m 1 -i -e 'level=error' -e 'picam-server:' "$HIL_WORK/encoder.err" || head -n 1 "$HIL_WORK/encoder.err")
		fact encoder.exit "\"code\":$erc,\"args\":\"$(clean "$eargs")\",\"stderr\":\"$(clean "$ewhy")\",\"uptime_s\":$(uptime_s)"
		line=$(grep '^{' "$HIL_WORK/encoder.out" | tail -n 1)
		if [ -n "$line" ]; then
			printf '\nHILJ {"step":"encoder.summary","v":%s}\n' "$line"
		fi
		[ $erc -eq 0 ] || rc=1
	fi
fi

# 4. picam-server's status LED through its states, and its button: the
#    probe runs a second picam-server on loopback with clients of its own,
#    reads /api/status and watches the LED line from the simulator.
if [ -n "$HIL_SERVER_LED" ] && [ -n "$HIL_SERVER_BUTTON" ]; then
	"$B/probe" panel -server "$B/picam-server" -led "$HIL_SERVER_LED" -button "$HIL_SERVER_BUTTON" -work "$HIL_WORK" || rc=1
else
	factSkip panel "no simulated LED and button on this target"
fi
exit $rc
