# shellcheck shell=sh
# /usr/lib/picam/ab.sh: the A/B root slots' state (sourced by busybox ash: the stage-1 init, the
# RAUC backend rauc-backend and the trial-boot check S55picam-update).
#
# The state lives on the FAT boot partition in AB_DIR as two 512-byte copies, state0 and state1,
# each "key=value" lines, a sequence number and an md5 sum of the lines. A save writes the copy
# the newer one is not, in place (same size, so FAT allocates nothing), then syncs: a power cut
# during a save leaves the other copy, the previous state, valid. The newest valid copy wins.
#
#   primary  A|B        the slot booted next
#   state_A  good|bad   RAUC's slot state
#   state_B  good|bad
#   trial    A|B|empty  the slot on trial: booted once, kept only after picam-server is healthy
#   tried    0|1        1 once stage 1 started the trial boot (a second boot rolls back)
#   reason   text       why the last trial was rolled back (kept until the next good update)
#   sideload md5|empty  the last side-loaded bundle (/boot/update.raucb) made primary, so that
#                       the same file is never installed twice (S56picam-sideload)

AB_DIR=${AB_DIR:-/boot/rauc}

ab_other() { if [ "$1" = A ]; then echo B; else echo A; fi; }

# ab_dev SLOT: the root partition of SLOT.
ab_dev() {
	case $1 in
	A) echo "${AB_DEV_A:-/dev/mmcblk0p2}" ;;
	B) echo "${AB_DEV_B:-/dev/mmcblk0p3}" ;;
	esac
}

# ab_booted: the slot whose partition is mounted on / (empty when neither is).
ab_booted() {
	_d=$(awk '$2 == "/" && $1 != "rootfs" { d = $1 } END { print d }' "${AB_MOUNTS:-/proc/mounts}")
	if [ "$_d" = "$(ab_dev A)" ]; then echo A; elif [ "$_d" = "$(ab_dev B)" ]; then echo B; fi
}

# ab_body FILE: the lines of FILE before its sum= line, if the sum matches (else fails).
ab_body() {
	[ -r "$1" ] || return 1
	_sum=$(sed -n 's/^sum=\([0-9a-f]*\).*/\1/p' "$1" | head -n 1)
	[ -n "$_sum" ] || return 1
	_b=$(sed -n '/^sum=/q;p' "$1")
	[ "$(printf '%s\n' "$_b" | md5sum | cut -d ' ' -f 1)" = "$_sum" ] || return 1
	printf '%s\n' "$_b"
}

# ab_load: read the newest valid copy into ab_seq, ab_primary, ab_state_A, ab_state_B, ab_trial,
# ab_tried, ab_reason, ab_sideload. With no valid copy (a new card): A is primary and good, B bad.
ab_load() {
	ab_seq=0 ab_primary=A ab_state_A=good ab_state_B=bad ab_trial= ab_tried=0 ab_reason= ab_sideload=
	_best=-1
	for _i in 0 1; do
		_b=$(ab_body "$AB_DIR/state$_i") || continue
		_s=$(printf '%s\n' "$_b" | sed -n 's/^seq=\([0-9][0-9]*\)$/\1/p')
		[ -n "$_s" ] && [ "$_s" -gt "$_best" ] || continue
		_best=$_s _text=$_b
	done
	[ "$_best" -ge 0 ] || return 0
	while IFS= read -r _l; do
		_k=${_l%%=*} _v=${_l#*=}
		case $_k in
		seq | primary | state_A | state_B | trial | tried | reason | sideload) eval "ab_$_k=\$_v" ;;
		esac
	done <<AB_EOF
$_text
AB_EOF
	case $ab_primary in A | B) ;; *) ab_primary=A ;; esac
}

# ab_save: write the ab_* variables as the next copy. The caller has AB_DIR writable.
ab_save() {
	ab_seq=$((ab_seq + 1))
	ab_reason=$(printf '%s' "$ab_reason" | tr '\n\r' '  ' | cut -c 1-300)
	_b=$(printf 'seq=%s\nprimary=%s\nstate_A=%s\nstate_B=%s\ntrial=%s\ntried=%s\nreason=%s' \
		"$ab_seq" "$ab_primary" "$ab_state_A" "$ab_state_B" "$ab_trial" "$ab_tried" "$ab_reason")
	[ -z "$ab_sideload" ] || _b=$(printf '%s\nsideload=%s' "$_b" "$ab_sideload")
	_t=${AB_TMP:-/tmp}/ab-state.$$
	{
		printf '%s\n' "$_b"
		printf 'sum=%s\n' "$(printf '%s\n' "$_b" | md5sum | cut -d ' ' -f 1)"
	} >"$_t"
	_n=$(wc -c <"$_t")
	[ "$_n" -le 512 ] || { rm -f "$_t"; echo "ab: state larger than 512 bytes" >&2; return 1; }
	head -c $((512 - _n)) /dev/zero | tr '\0' ' ' >>"$_t"
	dd if="$_t" of="$AB_DIR/state$((ab_seq % 2))" bs=512 count=1 conv=notrunc,fsync 2>/dev/null
	_rc=$?
	rm -f "$_t"
	sync
	return $_rc
}

# ab_choose: stage 1's choice of the slot to boot, saving the state when it changes (only on
# trial boots: a normal boot writes nothing). Sets AB_SLOT, AB_WRITE (save needed), AB_NOTE (why).
ab_choose() {
	ab_load
	AB_NOTE=
	_p=$ab_primary
	if [ "$ab_trial" = "$_p" ] && [ "$ab_tried" = 0 ]; then
		ab_tried=1
		AB_WRITE=1
		AB_NOTE="trial boot of slot $_p"
	elif [ "$ab_trial" = "$_p" ]; then
		# The trial boot did not reach mark-good (a crash, a hang, a power cut): back to the other.
		_o=$(ab_other "$_p")
		eval "ab_state_$_p=bad"
		ab_primary=$_o ab_trial= ab_tried=0
		[ -n "$ab_reason" ] || ab_reason="slot $_p's trial boot ended before picam-server reported healthy (crash, hang or power cut); back on slot $_o"
		AB_WRITE=1
		AB_NOTE="rollback to slot $_o: $ab_reason"
	else
		AB_WRITE=
		AB_NOTE="slot $_p"
	fi
	AB_SLOT=$ab_primary
}
