#!/usr/bin/env bats
# --version / -v

load helpers

@test "--version prints the version and the spec version" {
	run rt --version
	assert_success
	assert_line --index 0 --regexp 'version [0-9]+\.[0-9]+'
	assert_line --regexp '^spec: [0-9]+\.[0-9]+\.[0-9]+'
}

@test "-v is the same as --version" {
	run rt --version
	long=$output
	run rt -v
	assert_success
	assert_output "$long"
}

@test "--version's spec version is features' ociVersionMax" {
	v=$(rt --version | sed -n 's/^spec: //p')
	[ -n "$v" ]
	[ "$v" = "$(rt features | jq -r .ociVersionMax)" ]
}

@test "an unknown command fails" {
	run rt no-such-command
	assert_failure
}
