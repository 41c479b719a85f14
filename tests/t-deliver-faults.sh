#!/bin/sh
# relayd delivery against SMTP servers that misbehave on purpose (issue 10).
exec /usr/bin/python3 "$(dirname "$0")/relay_mailfault_test.py"
