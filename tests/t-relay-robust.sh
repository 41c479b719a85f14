#!/bin/sh
# relayd: truncated bodies, slow clients, SIGHUP reload, SIGTERM drain,
# config errors.
exec /usr/bin/python3 "$(dirname "$0")/relay_robust_test.py"
