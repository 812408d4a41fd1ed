#!/usr/bin/env python3
"""bench/interleave.py - two commands timed in alternation, A B A B ...

hyperfine times all runs of one command, then all of the other: when the
host's speed drifts between the two blocks (this 2-CPU VM's does, by 20-50%
over minutes), the ratio moves with it.  Alternating runs see the same host.

Usage: interleave.py ROUNDS NAME_A "CMD A" NAME_B "CMD B"
Each command is split on spaces and run with stdout and stderr on
/dev/null; a command that fails stops the bench.  Prints mean, median and
min of each, and the ratio of the medians (B / A).
"""
import os
import statistics
import sys
import time


def run(argv, devnull):
    start = time.perf_counter_ns()
    pid = os.posix_spawnp(argv[0], argv, os.environ,
                          file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 1),
                                        (os.POSIX_SPAWN_DUP2, devnull, 2)])
    _, status = os.waitpid(pid, 0)
    elapsed = (time.perf_counter_ns() - start) / 1e6
    if status != 0:
        sys.exit(f"interleave.py: {' '.join(argv)} failed (wait status {status})")
    return elapsed


def main():
    if len(sys.argv) != 6:
        sys.exit('usage: interleave.py ROUNDS NAME_A "CMD A" NAME_B "CMD B"')
    rounds = int(sys.argv[1])
    cmds = [(sys.argv[2], sys.argv[3].split()), (sys.argv[4], sys.argv[5].split())]
    devnull = os.open(os.devnull, os.O_RDWR)
    times = {name: [] for name, _ in cmds}
    for _ in range(3):  # warm-up, not counted
        for _, argv in cmds:
            run(argv, devnull)
    for _ in range(rounds):
        for name, argv in cmds:
            times[name].append(run(argv, devnull))
    for name, _ in cmds:
        t = times[name]
        print(f"{name}: mean {statistics.mean(t):.1f} ms, median {statistics.median(t):.1f} ms, "
              f"min {min(t):.1f} ms")
    a, b = (statistics.median(times[name]) for name, _ in cmds)
    print(f"interleaved, median ratio: {b / a:.2f}x")


if __name__ == "__main__":
    main()
