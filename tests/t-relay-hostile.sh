#!/bin/sh
# relayd: hostile multipart bodies (nameless parts, missing boundary), plain
# and chunked: documented status, nothing stored, daemon alive.
exec /usr/bin/python3 "$(dirname "$0")/relay_hostile_test.py"
