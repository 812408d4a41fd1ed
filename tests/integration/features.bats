#!/usr/bin/env bats
# features: the JSON document of features.md.

load helpers

# semver_le A B — true when semver A <= B (pre-releases sort before the
# release, compared as plain strings; enough for x.y.z-word).
semver_le() {
	jq -en --arg a "$1" --arg b "$2" '
		def parse: capture("^(?<x>[0-9]+)\\.(?<y>[0-9]+)\\.(?<z>[0-9]+)(-(?<pre>[0-9A-Za-z.-]+))?")
			| [(.x|tonumber), (.y|tonumber), (.z|tonumber), (if .pre then 0 else 1 end), (.pre // "")];
		($a | parse) <= ($b | parse)' >/dev/null
}

@test "features prints JSON with ociVersionMin <= ociVersionMax" {
	run rt features
	assert_success
	f=$output
	min=$(jq -r .ociVersionMin <<<"$f")
	max=$(jq -r .ociVersionMax <<<"$f")
	[[ "$min" =~ ^[0-9]+\.[0-9]+\.[0-9]+ ]]
	[[ "$max" =~ ^[0-9]+\.[0-9]+\.[0-9]+ ]]
	semver_le "$min" "$max"
	semver_le 1.0.0 "$max"
}

@test "features lists every hook kind" {
	run rt features
	assert_success
	for h in createRuntime createContainer startContainer poststart poststop; do
		[ "$(jq --arg h "$h" '.hooks | index($h) != null' <<<"$output")" = true ] || fail "hook $h missing"
	done
}

@test "features lists mount options" {
	run rt features
	assert_success
	for o in bind rbind nosuid nodev noexec relatime private rprivate rslave rshared; do
		[ "$(jq --arg o "$o" '.mountOptions | index($o) != null' <<<"$output")" = true ] || fail "mount option $o missing"
	done
}

@test "features lists the linux namespaces" {
	run rt features
	assert_success
	for ns in cgroup ipc mount network pid user uts; do
		[ "$(jq --arg n "$ns" '.linux.namespaces | index($n) != null' <<<"$output")" = true ] || fail "namespace $ns missing"
	done
	# nothing that is not a namespace type of the spec
	[ "$(jq '[.linux.namespaces[] | select(IN("cgroup","ipc","mount","network","pid","user","uts","time") | not)] | length' <<<"$output")" = 0 ]
}

@test "features lists capabilities by their spec names" {
	run rt features
	assert_success
	[ "$(jq '.linux.capabilities | index("CAP_SYS_ADMIN") != null' <<<"$output")" = true ]
	[ "$(jq '[.linux.capabilities[] | select(startswith("CAP_") | not)] | length' <<<"$output")" = 0 ]
}

@test "the version spec writes is within features' range" {
	run rt features
	assert_success
	f=$output
	mkdir "$TEST_DIR/spec"
	rt spec --bundle "$TEST_DIR/spec"
	v=$(jq -r .ociVersion "$TEST_DIR/spec/config.json")
	semver_le "$(jq -r .ociVersionMin <<<"$f")" "$v"
	semver_le "$v" "$(jq -r .ociVersionMax <<<"$f")"
}

@test "features output is valid against the OCI features schema" {
	rt features >"$TEST_DIR/features.json"
	validate_json features-schema.json "$TEST_DIR/features.json"
}
