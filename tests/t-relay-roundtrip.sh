#!/bin/sh
# The citizen's round trip in Chromium: mistake, 422 page, correction,
# resubmission with the file attached again, confirmation, stored row, mail.
exec /usr/bin/python3 "$(dirname "$0")/relay_roundtrip_test.py"
