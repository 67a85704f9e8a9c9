#!/bin/sh
# Fuzzes one target: scripts/fuzz.sh ./pkg FuzzX FUZZTIME
#
# A real finding always writes its input under testdata/fuzz/ and says
# "Failing input written to". Go 1.26's coordinator can also fail a
# target with a bare "context deadline exceeded" when -fuzztime ends
# while a worker is mid-input on a busy machine (golang/go#75804, fixed
# in Go 1.27); that is not a finding, so it is reported and passed.
pkg=$1 target=$2 time=$3
out=$(${GO:-go} test -run '^$' -fuzz "^$target\$" -fuzztime "$time" -parallel 1 "$pkg" 2>&1)
rc=$?
if [ $rc != 0 ] && echo "$out" | grep -q 'context deadline exceeded' \
	&& ! echo "$out" | grep -q 'Failing input written'; then
	echo "$pkg $target: ok (fuzztime ended mid-input, golang/go#75804; no failing input)"
	exit 0
fi
echo "$pkg $target: $(echo "$out" | tail -n 1)"
[ $rc = 0 ] || { echo "$out"; exit 1; }
