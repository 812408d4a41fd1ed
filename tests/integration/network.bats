#!/usr/bin/env bats
# Networks: the default bridge network (tote on tote0), user networks
# whose containers find each other by name, published TCP and UDP ports
# reached from the host (127.0.0.1, the bridge's address) and from a test
# "host" in a namespace of its own, --network none|host|container:, the
# errors (a port in use, an overlapping subnet, an unknown network, a
# network in use), networks kept apart, network connect/disconnect, 20
# parallel runs without a duplicate address, and cleanup: links, addresses,
# nft rules and the IPAM state are as they were after rm, --rm and a
# killed monitor.
#
# All traffic stays on this machine.  Each test has its own store; the
# runtime's state (and the IPAM's) is /run/tote.

load tote_helpers

IPAM=/run/tote-net/networks/ipam.json
PEER_NS=tote-test-peer
PEER_HOST=tt-peer0

setup_file() { rootfs_tarball; }
setup() { store_setup; }
teardown() {
	store_teardown
	ip netns del "$PEER_NS" 2>/dev/null || true
	ip link del "$PEER_HOST" 2>/dev/null || true
	if [ -n "${HELD_PID:-}" ]; then kill "$HELD_PID" 2>/dev/null || true; fi
}
# what this suite's containers made, should a failed test leave it
teardown_file() {
	local l
	for l in $(ip -o link show type bridge | awk -F': ' '{ print $2 }' | grep -E '^tote(0|-[0-9a-f]{10})$'); do
		ip link del "$l" || true
	done
	nft delete table ip tote 2>/dev/null || true
}

# the state of the host's network that a container must not change for
# good (nft counters and bridge timers move by themselves: left out)
host_net() {
	ip -d link | sed -E 's/^[0-9]+: //; s/[a-z_]+timer +[0-9.]+//g'
	ip addr | sed -E 's/^[0-9]+: //'
	nft list ruleset | sed -E 's/counter packets [0-9]+ bytes [0-9]+//'
	cat "$IPAM" 2>/dev/null || echo "no ipam"
	echo
}

# one UDP datagram to $1:$2, and the answer (2 s at most)
udp_ask() {
	python3 -c 'import socket,sys; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2); s.sendto(b"ping", (sys.argv[1], int(sys.argv[2]))); print(s.recv(100).decode())' "$1" "$2"
}

ctr_ip() { tote inspect "$1" | jq -r '.[0].NetworkSettings.IPAddress'; }

# wait until the container's server answers (at most 5 s)
wait_http() {
	local i
	for i in $(seq 50); do
		curl -s -m 1 "$1" >/dev/null && return 0
		sleep 0.1
	done
	return 1
}

@test "the default network: eth0 with an address of tote0's subnet, the default route, hosts, resolv.conf" {
	run -0 tote run --rm --name one t/bb:1 sh -c 'ip addr show eth0; ip route; cat /etc/hosts /etc/resolv.conf'
	local sub
	sub=$(tote network inspect bridge | jq -r '.[0].IPAM.Config[0].Subnet')
	[ "$(tote network inspect tote | jq -r '.[0].Options["com.docker.network.bridge.name"]')" = tote0 ]
	assert_output --regexp "inet ${sub%.0.0/16}\.[0-9]+\.[0-9]+/16"
	assert_output --regexp "default via ${sub%.0/16}\.1 dev eth0"
	assert_output --regexp $'\tone( |$)'
	assert_output --partial nameserver
	refute_output --regexp 'nameserver 127\.'
	run -0 tote network ls
	assert_line --regexp "^[0-9a-f]{12} +tote +bridge +$sub +tote0$"
	# gone with the container: nothing uses it
	run -1 ip link show tote0
}

@test "the networks' state lives beside the runtime's, not in it: tote-oci list shows containers only" {
	tote run -d --name n1 t/bb:1 sleep 60 >/dev/null
	[ -e "/run/tote-net/netns/$(tote inspect n1 | jq -r '.[0].Id')" ]
	run -0 "$REPO/build/tote-oci" --root /run/tote list -q
	refute_line networks
	refute_line netns
	tote rm -f n1 >/dev/null
}

@test "the default subnet does not take a route the host has" {
	run -0 tote network inspect tote
	local sub
	sub=$(jq -r '.[0].IPAM.Config[0].Subnet' <<<"$output")
	! ip -4 route | grep -v '^default' | grep -v 'dev tote0' | awk '{ print $1 }' | grep -qx "$sub"
}

@test "a user network: containers ping each other by name and fetch from httpd by name; hosts kept current" {
	run -0 tote network create --label team=web appnet
	tote run -d --name srv --network appnet t/bb:1 sh -c 'echo served-by-srv >/tmp/index.html; exec httpd -f -p 80 -h /tmp' >/dev/null
	run -0 tote run --rm --name cli --network appnet t/bb:1 sh -c \
		'ping -c1 -W3 srv && printf "GET / HTTP/1.0\r\n\r\n" | nc -w 5 srv 80'
	assert_output --partial '1 packets received'
	assert_output --partial served-by-srv
	# srv saw cli come and go in its /etc/hosts
	tote run -d --name late --network appnet t/bb:1 sleep 60 >/dev/null
	run -0 tote exec srv cat /etc/hosts
	assert_output --regexp $'\tlate( |$)'
	refute_output --regexp $'\tcli( |$)'
	tote rm -f late >/dev/null
	run -0 tote exec srv cat /etc/hosts
	refute_output --regexp $'\tlate( |$)'
	run -0 tote network inspect appnet
	[ "$(jq -r '.[0].Containers[].Name' <<<"$output")" = srv ]
	[ "$(jq -r '.[0].Labels.team' <<<"$output")" = web ]
}

@test "published TCP and UDP ports: from 127.0.0.1 and the bridge's address; tote port; inspect's Ports" {
	tote run -d --name web -p 18080:80 -p 127.0.0.1:15353:53/udp t/bb:1 sh -c \
		'echo tcp-ok >/tmp/index.html; httpd -p 80 -h /tmp; exec probe udp-echo 53' >/dev/null
	wait_http http://127.0.0.1:18080/
	run -0 curl -s -m 5 http://127.0.0.1:18080/
	[ "$output" = tcp-ok ]
	local gw
	gw=$(tote inspect web | jq -r '.[0].NetworkSettings.Gateway')
	run -0 curl -s -m 5 "http://$gw:18080/"
	[ "$output" = tcp-ok ]
	run -0 udp_ask 127.0.0.1 15353
	[ "$output" = "udp-ok ping" ]
	run -0 tote port web
	assert_line '80/tcp -> 0.0.0.0:18080'
	assert_line '53/udp -> 127.0.0.1:15353'
	run -0 tote port web 80
	[ "$output" = 0.0.0.0:18080 ]
	run -0 tote inspect web
	[ "$(jq -r '.[0].NetworkSettings.Ports["80/tcp"][0].HostPort' <<<"$output")" = 18080 ]
	# a container reaches its own published port through the host (hairpin)
	local hostip
	hostip=$(ip -4 -o addr show scope global | awk '$2 != "tote0" { sub("/.*", "", $4); print $4; exit }')
	run -0 tote exec web sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 5 $hostip 18080"
	assert_output --partial tcp-ok
}

@test "a published port from another host: a namespace on its own link reaches it through the host's address there" {
	tote run -d --name web2 -p 18081:80 t/bb:1 sh -c 'echo remote-ok >/tmp/index.html; exec httpd -f -p 80 -h /tmp' >/dev/null
	ip netns add "$PEER_NS"
	ip link add "$PEER_HOST" type veth peer name tt-peer1
	ip link set tt-peer1 netns "$PEER_NS"
	ip addr add 10.251.77.1/30 dev "$PEER_HOST"
	ip link set "$PEER_HOST" up
	ip -n "$PEER_NS" addr add 10.251.77.2/30 dev tt-peer1
	ip -n "$PEER_NS" link set tt-peer1 up
	ip -n "$PEER_NS" link set lo up
	wait_http http://127.0.0.1:18081/
	run -0 ip netns exec "$PEER_NS" curl -s -m 5 http://10.251.77.1:18081/
	[ "$output" = remote-ok ]
}

@test "-P publishes the image's exposed ports on free host ports" {
	LAYOUT="$BATS_TEST_TMPDIR/oci"
	"$REPO/tests/image/mkoci.sh" "$LAYOUT"
	umoci config --image "$LAYOUT/busybox:latest" --tag exposed --config.exposedports 80/tcp
	skopeo copy -q "oci:$LAYOUT/busybox:exposed" "oci:$STORE/images:docker.io/t/exposed:1"
	local img=t/exposed:1
	tote run -d --name pa -P "$img" sh -c 'echo pa-ok >/tmp/index.html; exec httpd -f -p 80 -h /tmp' >/dev/null
	run -0 tote port pa 80/tcp
	[[ "$output" =~ ^0\.0\.0\.0:[0-9]+$ ]]
	wait_http "http://127.0.0.1:${output#*:}/"
	run -0 curl -s -m 5 "http://127.0.0.1:${output#*:}/"
	[ "$output" = pa-ok ]
}

@test "--network none has only lo; host sees the host's interfaces; container: shares another's" {
	run -0 tote run --rm --network none t/bb:1 ip link
	assert_output --partial 'lo:'
	[ "$(grep -c '^[0-9]*:' <<<"$output")" = 1 ]
	local hostif
	hostif=$(ip -o link | awk -F': ' '$2 != "lo" { print $2; exit }')
	run -0 tote run --rm --network host t/bb:1 ip link
	assert_output --partial "$hostif"
	tote run -d --name base --ip "$(tote network inspect tote | jq -r '.[0].IPAM.Config[0].Subnet' | sed 's|0\.0/16|9.9|')" t/bb:1 sleep 60 >/dev/null
	local ip
	ip=$(ctr_ip base)
	[[ "$ip" == *.9.9 ]]
	run -0 tote run --rm --network container:base t/bb:1 ip addr show eth0
	assert_output --partial "inet $ip/"
}

@test "errors: a port in use, an overlapping subnet, an unknown network, a network in use, a bad -p or --ip: one line, 125, nothing made" {
	local before
	before=$(host_net)
	# a host process holds the port
	python3 -c 'import socket,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("0.0.0.0", 18090)); s.listen(); time.sleep(60)' &
	HELD_PID=$!
	sleep 0.3
	run -125 tote run --rm -p 18090:80 t/bb:1 true
	assert_output --partial 'host port 0.0.0.0:18090/tcp is already in use'
	[ "${#lines[@]}" = 1 ]
	kill "$HELD_PID"; HELD_PID=
	# another container has it
	tote run -d --name holder -p 18091:80 t/bb:1 sleep 60 >/dev/null
	run -125 tote run --rm --name second -p 18091:80 t/bb:1 true
	assert_output --partial 'already published by another container'
	[ "$(tote ps -a -q | wc -l)" = 1 ]
	tote rm -f holder >/dev/null
	# a route of the host
	local route
	route=$(ip -4 route | awk '$1 != "default" && $1 ~ /\// { print $1; exit }')
	run -125 tote network create --subnet "$route" clash
	assert_output --partial "overlaps $route"
	run -0 tote network ls -q
	refute_output --partial clash
	run -125 tote run --rm --network nosuch t/bb:1 true
	assert_output --partial 'no network nosuch'
	run -125 tote run --rm -p 80:99999 t/bb:1 true
	assert_output --partial 'is not a port'
	run -125 tote run --rm --ip 1.2.3.4 t/bb:1 true
	assert_output --partial 'is not in network tote'
	run -125 tote run --rm --network none -p 80 t/bb:1 true
	run -0 tote network create used
	tote run -d --name user --network used t/bb:1 sleep 60 >/dev/null
	run -125 tote network rm used
	assert_output --partial 'in use by container(s) user'
	tote rm -f user >/dev/null
	run -0 tote network rm used
	[ "$(tote ps -a -q | wc -l)" = 0 ]
	diff <(echo "$before") <(host_net)
}

@test "20 parallel runs get 20 different addresses" {
	local i pids=()
	for i in $(seq 20); do
		tote run -d --name "p$i" t/bb:1 sleep 60 >/dev/null &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i"; done
	run -0 sh -c "for i in \$(seq 20); do $TOTE --root $STORE inspect p\$i | jq -r '.[0].NetworkSettings.IPAddress'; done"
	[ "$(sort <<<"$output" | uniq | grep -c .)" = 20 ]
	[ "$(jq '[.bridges.tote0.addrs | keys[]] | length' "$IPAM")" = 20 ]
}

@test "networks apart; network connect/disconnect: a running container joins a second network (eth1, names both ways), leaves it or the one it was run with (the default route moves), across restarts; the host as before" {
	local before b_id
	before=$(host_net)
	tote network create --subnet 10.231.1.0/24 front >/dev/null
	tote network create --subnet 10.231.2.0/24 back >/dev/null
	tote run -d --name web --network front -p 18110:80 t/bb:1 sh -c 'echo served-by-web >/tmp/index.html; exec httpd -f -p 80 -h /tmp' >/dev/null
	tote run -d --name db --network back t/bb:1 sleep 600 >/dev/null
	b_id=$(tote inspect db | jq -r '.[0].Id')
	# networks apart, as docker's: nothing routed from back to front, but a
	# published port (through the host's address, here back's gateway)
	run -1 tote exec db ping -c1 -W1 10.231.1.2
	run -0 tote exec db sh -c 'printf "GET / HTTP/1.0\r\n\r\n" | nc -w 5 10.231.2.1 18110'
	assert_output --partial served-by-web
	run -0 tote network connect --ip 10.231.1.50 front db
	run -0 tote exec db ip -o -4 addr show eth1
	assert_output --partial 10.231.1.50/24
	run -0 tote exec db ping -c1 -W3 web
	run -0 tote exec web ping -c1 -W3 db
	assert_output --partial 10.231.1.50
	run -0 tote inspect db
	[ "$(jq -r '.[0].NetworkSettings.Networks.front.IPAddress' <<<"$output")" = 10.231.1.50 ]
	[ "$(jq -r '.[0].NetworkSettings.Networks.back.IPAddress' <<<"$output")" = 10.231.2.2 ]
	run -0 tote network inspect front
	[ "$(jq -r '[.[0].Containers[] | "\(.Name) \(.IPv4Address)"] | sort | join(",")' <<<"$output")" = "db 10.231.1.50/24,web 10.231.1.2/24" ]
	# the network is in use now by both
	run -125 tote network rm front
	assert_output --partial db
	# refusals: twice, one it is not on, a container of --network none
	run -125 tote network connect front db
	assert_output --partial "on network front already"
	run -125 tote network disconnect tote db
	run -125 tote network connect front no-such-container
	tote run -d --name lonely --network none t/bb:1 sleep 600 >/dev/null
	run -125 tote network connect front lonely
	assert_output --partial "--network none"
	# kept across a restart (eth1 made again at start), and across stop
	run -0 tote restart -t 0 db
	run -0 tote exec db ping -c1 -W3 web
	# disconnect: the link, the address and the names go
	run -0 tote network disconnect front db
	run -0 tote exec db ip -o link
	refute_output --partial eth1
	run -0 tote exec web cat /etc/hosts
	refute_output --regexp $'\tdb( |$)'
	run -1 grep -q "$b_id" <(jq -c '.bridges[] | select(.network == "front") | .addrs' "$IPAM")
	run -1 tote exec db ping -c1 -W1 10.231.1.2
	# connected again; then the network it was run with goes (as docker
	# allows): eth0 and its address go, the default route moves to eth1,
	# and so it stays across a restart
	run -0 tote network connect front db
	run -0 tote network disconnect back db
	run -0 tote exec db ip route
	assert_line --regexp '^default via 10\.231\.1\.1 dev eth1'
	run -0 tote exec db ip -o link
	refute_output --partial eth0
	run -0 tote inspect db
	[ "$(jq -c '.[0].NetworkSettings.Networks | keys' <<<"$output")" = '["front"]' ]
	run -0 tote restart -t 0 db
	run -0 tote exec db sh -c 'ip route; ping -c1 -W3 web'
	assert_line --regexp '^default via 10\.231\.1\.1 dev eth1'
	run -1 grep -q "$b_id" <(jq -c '.bridges[] | select(.network == "back") | .addrs' "$IPAM")
	tote rm -f web db lonely >/dev/null
	tote network rm front back >/dev/null
	diff <(echo "$before") <(host_net)
}

@test "cleanup: after rm, rm -f, --rm, a killed monitor and system prune the host's links, addresses, rules and IPAM are as before" {
	local before
	before=$(host_net)
	tote network create cleannet >/dev/null
	tote run -d --name c1 -p 18100:80 t/bb:1 sleep 60 >/dev/null
	tote run -d --name c2 --network cleannet -p 18101-18102:80-81/udp t/bb:1 sleep 60 >/dev/null
	tote run --rm -p 18103:80 t/bb:1 true
	run -0 nft list table ip tote
	assert_output --partial 18100
	ip link show tote0 >/dev/null
	tote stop -t 0 c1 >/dev/null
	tote rm c1 >/dev/null
	tote rm -f c2 >/dev/null
	tote network rm cleannet >/dev/null
	diff <(echo "$before") <(host_net)
	# a monitor killed: the next command cleans up what it left
	tote run -d --name lost -p 18104:80 t/bb:1 sleep 60 >/dev/null
	local id mon
	id=$(tote inspect lost | jq -r '.[0].Id')
	mon=$(jq -r .monitor_pid "$STORE/containers/$id/container.json")
	kill -9 "$mon"
	run -0 tote ps -a
	assert_output --partial lost
	diff <(echo "$before") <(host_net)
	[ ! -e "/run/tote-net/netns/$id" ]
	tote rm lost >/dev/null
	diff <(echo "$before") <(host_net)
	# system prune: the containers that do not run and the networks no one names
	tote network create prunenet >/dev/null
	tote run -d --name p1 --network prunenet -p 18105:80 t/bb:1 sleep 60 >/dev/null
	tote stop -t 0 p1 >/dev/null
	run -0 tote system prune -f
	assert_output --partial prunenet
	run -0 tote network ls -q
	refute_output --partial prunenet
	run -0 tote ps -a -q
	[ -z "$output" ]
	diff <(echo "$before") <(host_net)
}
