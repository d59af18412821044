#!/usr/bin/env bash
# Run a command inside a private network namespace that can reach nothing but itself.
#
# Why: WebRTC stacks refuse to gather ICE candidates on a device flagged LOOPBACK
# (Janus never does; aiortc drops 127.0.0.1), so tests need a second, non-loopback
# device carrying a 127.x address. Inside this namespace that device (an `ifb`, as the
# `dummy` module is not available everywhere) exists, and no packet can leave the machine.
# See ../shared/notes/test-network.md. Needs root.
set -euo pipefail

ADDR="${FACILITATION_TEST_MEDIA_ADDR:-127.0.0.2}"
NS="fsnet-$$"

cleanup() { ip netns del "$NS" 2>/dev/null || true; }
trap cleanup EXIT INT TERM

modprobe ifb numifbs=0 2>/dev/null || true
ip netns add "$NS"
ip netns exec "$NS" ip link set lo up
ip netns exec "$NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip netns exec "$NS" ip link add media0 type ifb
ip netns exec "$NS" ip addr add "$ADDR/32" dev media0
ip netns exec "$NS" ip link set media0 up

export FACILITATION_TEST_MEDIA_ADDR="$ADDR"
export FACILITATION_TEST_NETNS="$NS"
ip netns exec "$NS" "$@"
