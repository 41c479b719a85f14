#!/bin/sh
# relayd gives memory back after slow connections and large posts (issue 10).
exec /usr/bin/python3 "$(dirname "$0")/relay_memory_test.py"
