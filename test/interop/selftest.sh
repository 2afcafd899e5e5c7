#!/bin/sh
# Self-test of the NetGear stand-ins (netgear_peer.py) on loopback, ports 35000-35999.
# Needs Debian's python3-zmq, python3-numpy and python3-pil. Prints "N passed, M failed";
# exits non-zero on any failure. Extra arguments go to selftest.py (e.g. -k p2_).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
exec /usr/bin/python3 "$here/selftest.py" "$@"
