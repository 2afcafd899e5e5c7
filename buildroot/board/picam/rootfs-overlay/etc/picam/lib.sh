# /etc/picam/lib.sh: shared by the picam init scripts (sourced, busybox ash).
#
# picam.conf on the FAT boot partition holds picam-server's settings (its flag names) and the
# appliance's own, whose keys start with "system." (picam-server skips those). Keys are
# case-insensitive and "_" equals "-", as in picam-server; the last line for a key wins.

PICAM_CONF=${PICAM_CONF:-/boot/picam.conf}

# picam_sys KEY [DEFAULT]: the value of system.KEY in picam.conf, or DEFAULT.
picam_sys() {
	_v=$(awk -v want="system.$1" '
		{ sub(/\r$/, "") }
		NR == 1 { sub(/^\357\273\277/, "") }
		/^[ \t]*([#;]|$)/ { next }
		{
			i = index($0, "="); if (!i) next
			k = substr($0, 1, i - 1); v = substr($0, i + 1)
			gsub(/^[ \t]+|[ \t]+$/, "", k); gsub(/^[ \t]+|[ \t]+$/, "", v)
			k = tolower(k); gsub(/_/, "-", k)
			if (length(v) >= 2 && v ~ /^".*"$/) v = substr(v, 2, length(v) - 2)
			if (k == want) { val = v; found = 1 }
		}
		END { if (found) print val }' "$PICAM_CONF" 2>/dev/null)
	echo "${_v:-$2}"
}

# picam_true VALUE: whether VALUE means yes.
picam_true() {
	case $(echo "$1" | tr 'A-Z' 'a-z') in
	1 | true | yes | on) return 0 ;;
	*) return 1 ;;
	esac
}

# picam_say MESSAGE: one line on the console (serial/HDMI), where a user without a login looks.
picam_say() {
	echo "picam: $*" >/dev/console 2>/dev/null || echo "picam: $*"
}

# picam_coldplug: load the drivers of the devices present now (what udev or mdev would do at
# boot), by their modaliases. Run again after a bus (USB) has had time to enumerate.
picam_coldplug() {
	find /sys/devices -name modalias -type f 2>/dev/null | xargs cat 2>/dev/null | sort -u |
		xargs modprobe -qa 2>/dev/null
}
