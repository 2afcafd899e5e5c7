# Shell helpers shared by init.sh and scenario.sh: fact lines for the host
# (see test/hil/internal/fact).

uptime_s() {
	read -r up _ </proc/uptime
	echo "$up"
}

# fact STEP 'JSON members' prints {"step":STEP,"v":{members}}.
fact() {
	printf '\nHILJ {"step":"%s","v":{%s}}\n' "$1" "$2"
}

# factErr STEP MESSAGE reports a step that could not be done. Quotes,
# backslashes and newlines are taken out so the message stays valid JSON.
factErr() {
	msg=$(printf '%s' "$2" | tr '\n\t' '  ' | tr -d '"\\')
	printf '\nHILJ {"step":"%s","err":"%s"}\n' "$1" "$msg"
}

# factSkip STEP WHY reports a step that does not apply on this target.
factSkip() {
	msg=$(printf '%s' "$2" | tr '\n\t' '  ' | tr -d '"\\')
	printf '\nHILJ {"step":"%s","skip":"%s"}\n' "$1" "$msg"
}
