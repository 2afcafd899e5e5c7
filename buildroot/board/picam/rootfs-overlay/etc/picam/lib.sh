# shellcheck shell=sh
# /etc/picam/lib.sh: shared by the picam init scripts (sourced, busybox ash).
#
# picam.conf on the FAT boot partition holds picam-server's settings (its flag names) and the
# appliance's own, whose keys start with "system." (picam-server skips those). Keys are
# case-insensitive and "_" equals "-", as in picam-server; the last line for a key wins.

PICAM_CONF=${PICAM_CONF:-/boot/picam.conf}
# picam-server's limit on picam.conf (internal/conf.MaxFileSize): a larger file, or one that is
# not a regular file, is ignored as a whole here too, so it cannot stall the boot.
PICAM_CONF_MAX=65536

# picam_sys KEY [DEFAULT]: the value of system.KEY in picam.conf, or DEFAULT. The rules are
# picam-server's (internal/conf): a '#' after whitespace starts a comment (system.ssh = true  # why),
# double quotes keep '#' and spaces, and a stray word after the value (system.ssh = true yes) is an
# error: the console names the line, and the key keeps DEFAULT rather than a different value.
picam_sys() {
	if [ -e "$PICAM_CONF" ] && { [ ! -f "$PICAM_CONF" ] ||
		[ "$(head -c $((PICAM_CONF_MAX + 1)) "$PICAM_CONF" 2>/dev/null | wc -c)" -gt "$PICAM_CONF_MAX" ]; }; then
		picam_say "$PICAM_CONF is not a regular file of at most 64 KiB: ignored, system.$1 keeps the default${2:+ ($2)}" >&2
		echo "$2"
		return 0
	fi
	_v=$(awk -v want="system.$1" '
		BEGIN { want = tolower(want); gsub(/_/, "-", want) }
		{ sub(/\r$/, "") }
		NR == 1 { sub(/^\357\273\277/, "") }
		/^[ \t]*([#;]|$)/ { next }
		{
			i = index($0, "="); if (!i) next
			k = substr($0, 1, i - 1); v = substr($0, i + 1)
			gsub(/^[ \t]+|[ \t]+$/, "", k); gsub(/^[ \t]+/, "", v)
			k = tolower(k); gsub(/_/, "-", k)
			if (k != want) next
			bad = ""
			if (substr(v, 1, 1) == "\"") {
				rest = substr(v, 2); j = index(rest, "\"")
				if (!j) bad = "no closing quote"
				else {
					v = substr(rest, 1, j - 1); rest = substr(rest, j + 1)
					gsub(/^[ \t]+/, "", rest)
					if (rest != "" && substr(rest, 1, 1) != "#") bad = "\"" rest "\" after the quoted value"
				}
			} else {
				if (substr(v, 1, 1) == "#") v = ""
				else if (match(v, /[ \t]#/)) v = substr(v, 1, RSTART - 1)
				gsub(/[ \t]+$/, "", v)
				n = split(v, w, /[ \t]+/)
				for (x = 2; x <= n && bad == ""; x++)
					if (w[x - 1] !~ /,$/ && w[x] !~ /^,/) bad = "\"" w[x] "\" after \"" w[x - 1] "\" is not part of the value"
			}
			if (bad != "") { err = "line " NR ": " k " = " v ": " bad; found = 0 }
			else if (err == "") { val = v; found = 1 }
		}
		END {
			if (err != "") print "err\t" err
			else if (found) print "ok\t" val
		}' "$PICAM_CONF" 2>/dev/null)
	case $_v in
	err*)
		picam_say "$PICAM_CONF ${_v#err	}: using the default${2:+ ($2)}; quote a value with spaces, start a comment with \" #\"" >&2
		_v=
		;;
	*) _v=${_v#ok	} ;;
	esac
	echo "${_v:-$2}"
}

# picam_true VALUE: whether VALUE means yes.
picam_true() {
	case $1 in
	1 | [Tt][Rr][Uu][Ee] | [Yy][Ee][Ss] | [Oo][Nn]) return 0 ;;
	*) return 1 ;;
	esac
}

# picam_say MESSAGE: one line on the console (serial/HDMI), where a user without a login looks
# (PICAM_CONSOLE: another file, for the host test of these functions).
picam_say() {
	echo "picam: $*" >"${PICAM_CONSOLE:-/dev/console}" 2>/dev/null || echo "picam: $*"
}

# picam_coldplug: load the drivers of the devices present now by their modaliases (what udev or
# mdev would do at boot). It reads every bus's devices with shell built-ins (a find over /sys
# costs seconds on a slow core) and hands modprobe only the aliases no earlier call has
# (they are kept in $PICAM_COLDPLUGGED_FILE), so it is cheap to call again while a bus (USB,
# SDIO) enumerates.
PICAM_COLDPLUGGED_FILE=/run/picam-coldplugged
picam_coldplug() {
	_done=
	[ -r "$PICAM_COLDPLUGGED_FILE" ] && read -r _done <"$PICAM_COLDPLUGGED_FILE"
	_new=
	for _f in /sys/bus/*/devices/*/modalias; do
		read -r _a 2>/dev/null <"$_f" || continue
		case " $_done $_new " in
		*" $_a "*) ;;
		*) _new="$_new $_a" ;;
		esac
	done
	[ -n "$_new" ] || return 0
	echo "$_done $_new" >"$PICAM_COLDPLUGGED_FILE"
	# Unquoted on purpose (one argument per alias), with globbing off for the expansion.
	set -f
	# shellcheck disable=SC2086
	modprobe -qa $_new 2>/dev/null
	set +f
	return 0
}

# picam_has_netif: whether a network interface other than lo exists.
picam_has_netif() {
	for _d in /sys/class/net/*; do
		[ -e "$_d" ] && [ "${_d##*/}" != lo ] && return 0
	done
	return 1
}

# picam_has_video: whether a V4L2 node (/dev/video*) exists.
picam_has_video() {
	for _d in /dev/video*; do
		[ -e "$_d" ] && return 0
	done
	return 1
}
