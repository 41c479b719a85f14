#!/bin/sh
# relayd with a full disk, and with a database it cannot open (issue 10).
exec /usr/bin/python3 "$(dirname "$0")/relay_diskfull_test.py"
