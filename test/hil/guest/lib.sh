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

# clean TEXT makes TEXT safe inside a JSON string: quotes, backslashes and
# control characters are taken out.
clean() {
	printf '%s' "$1" | tr '\n\t\r' '   ' | tr -d '"\\' | tr -d '\000-\037'
}

# factErr STEP MESSAGE reports a step that could not be done.
factErr() {
	printf '\nHILJ {"step":"%s","err":"%s"}\n' "$1" "$(clean "$2")"
}

# factSkip STEP WHY reports a step that does not apply on this target.
factSkip() {
	printf '\nHILJ {"step":"%s","skip":"%s"}\n' "$1" "$(clean "$2")"
}
