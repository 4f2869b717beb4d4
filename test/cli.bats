#!/usr/bin/env bats
# The command line: dispatch, help, version, usage errors and addresses.

load helpers

@test "--version prints the version" {
	run "$PEERRELAY" --version
	assert_success
	assert_output --regexp '^peerrelay [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "no arguments: usage on stderr, exit 64" {
	run --separate-stderr "$PEERRELAY"
	assert_equal "$status" 64
	assert_output ""
	[[ "$stderr" == *"usage: peerrelay listen"* ]]
}

@test "unknown subcommand: exit 64 naming it" {
	run "$PEERRELAY" frobnicate
	assert_equal "$status" 64
	assert_line --index 0 "peerrelay: unknown command 'frobnicate'"
}

@test "help listen and listen --help print the same text" {
	run "$PEERRELAY" help listen
	assert_success
	assert_line --index 0 --partial "usage: peerrelay listen"
	local help=$output
	run "$PEERRELAY" listen --help
	assert_success
	assert_equal "$output" "$help"
}

@test "help send names every send option" {
	run "$PEERRELAY" help send
	assert_success
	for o in --lines --null --list --expect-user --expect-group --no-wait --timeout; do
		assert_output --partial -- "$o"
	done
}

@test "empty address is refused by listen and send" {
	run "$PEERRELAY" listen ""
	assert_equal "$status" 64
	assert_output "peerrelay: address '': empty"
	run "$PEERRELAY" send "" hi
	assert_equal "$status" 64
	assert_output "peerrelay: address '': empty"
}

@test "bare @ is an empty abstract name" {
	run "$PEERRELAY" listen @
	assert_equal "$status" 64
	assert_output "peerrelay: address '@': empty abstract name"
}

@test "over-long path and abstract name fail at start-up, naming the value" {
	local long
	long=/tmp/$(printf 'x%.0s' $(seq 1 120))
	run "$PEERRELAY" listen "$long"
	assert_equal "$status" 64
	assert_output "peerrelay: address '$long': too long"
	run "$PEERRELAY" listen "@$(printf 'y%.0s' $(seq 1 108))"
	assert_equal "$status" 64
	assert_output --partial "too long"
	run "$PEERRELAY" send "$long" hi
	assert_equal "$status" 64
	assert_output "peerrelay: address '$long': too long"
}

@test "107-byte names are the longest accepted" {
	local n107
	n107=$(printf 'z%.0s' $(seq 1 107))
	start_listener "@$n107"
	run "$PEERRELAY" send "@$n107" ok
	assert_success
}

@test "bad option values name the option and the value" {
	run "$PEERRELAY" listen --max-size 0 "$NAME"
	assert_equal "$status" 64
	assert_output --partial "--max-size 0:"
	run "$PEERRELAY" listen --max-size 12x "$NAME"
	assert_equal "$status" 64
	assert_output --partial "--max-size 12x: invalid"
	run "$PEERRELAY" listen --max-conns 99999 "$NAME"
	assert_equal "$status" 64
	assert_output --partial "--max-conns 99999: too large"
	run "$PEERRELAY" listen --format yaml "$NAME"
	assert_equal "$status" 64
	assert_output "peerrelay: --format yaml: not text, json or raw"
	run "$PEERRELAY" send --timeout -1 "$NAME" hi
	assert_equal "$status" 64
	assert_output --partial "--timeout -1: invalid"
}

@test "a word after ADDRESS without -- is an error, not a command" {
	run "$PEERRELAY" listen "$NAME" --allow-any
	assert_equal "$status" 64
	assert_output --partial "unexpected '--allow-any' after ADDRESS"
}

@test "unknown user and group names fail at start-up" {
	run "$PEERRELAY" listen --allow-user no-such-user-xyz "$NAME"
	assert_equal "$status" 64
	assert_output "peerrelay: --allow-user no-such-user-xyz: no such user"
	run "$PEERRELAY" listen --allow-group no-such-group-xyz "$NAME"
	assert_equal "$status" 64
	assert_output "peerrelay: --allow-group no-such-group-xyz: no such group"
	run "$PEERRELAY" send --expect-user no-such-user-xyz "$NAME" hi
	assert_equal "$status" 64
	assert_output "peerrelay: --expect-user no-such-user-xyz: no such user"
}

@test "send to an address nobody listens on: exit 69" {
	run "$PEERRELAY" send "$NAME" hi
	assert_equal "$status" 69
	assert_output "peerrelay: connect $NAME: Connection refused"
}

@test "installed setuid, it refuses to run (77)" {
	cp "$PEERRELAY" "$TDIR/peerrelay-suid"
	chmod 4755 "$TDIR/peerrelay-suid"
	run "${NOBODY[@]}" "$TDIR/peerrelay-suid" --version
	assert_equal "$status" 77
	assert_output "peerrelay: refusing to run setuid or setgid"
}

@test "--keep-env takes only variable names: empty, =, spaces, a leading digit or -- are refused (64)" {
	local v
	for v in "" "A=B" "A B" "1X" "--" "X-Y"; do
		run "$PEERRELAY" listen --keep-env "$v" "$NAME" -- /bin/true
		assert_equal "$status" 64
		assert_output "peerrelay: --keep-env $v: not a variable name"
	done
	run "$PEERRELAY" listen --check --keep-env _My_VAR2 "$NAME" -- /bin/true
	assert_success
}
