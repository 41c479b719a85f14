#!/bin/sh
# relayd receive path: five forms, validation rules, 403/404/413/415/429,
# honeypot, confirmation page, healthz/metrics, --no-store.
exec /usr/bin/python3 "$(dirname "$0")/relay_receive_test.py"
