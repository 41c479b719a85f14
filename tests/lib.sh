# tests/lib.sh - tiny helpers for shell tests: "ok - ..." / "not ok - ...".
_fails=0
check() {
	what=$1
	shift
	if "$@" >/dev/null 2>&1; then
		echo "ok - $what"
	else
		echo "not ok - $what"
		_fails=$((_fails + 1))
	fi
}
done_testing() {
	[ "$_fails" -eq 0 ]
	exit $?
}
