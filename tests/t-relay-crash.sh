#!/bin/sh
# kill -9 of relayd during a burst of 400 concurrent posts: nothing that
# was confirmed is lost.
exec /usr/bin/python3 "$(dirname "$0")/relay_crash_test.py"
