/* usage.h - what a running container uses, as `tote stats` shows it (the
 * columns of docker stats): CPU time, memory (without the page cache that
 * can be dropped, as docker counts it) against its limit (the machine's
 * memory when it has none), network bytes of its interfaces (the loopback
 * left out), block I/O read and written, and its number of processes. */
#ifndef TOTE_ENGINE_USAGE_H
#define TOTE_ENGINE_USAGE_H

#include <jansson.h>
#include <stdint.h>

struct tote_err;

struct eng_usage {
  uint64_t at_ns;            /* CLOCK_MONOTONIC of the reading */
  uint64_t cpu_ns;
  uint64_t mem, mem_limit;
  uint64_t net_rx, net_tx;
  uint64_t blk_read, blk_write;
  uint64_t pids;
};

/* Read the usage of the runtime's container id under state_root. */
int eng_usage_read(const char *state_root, const char *id, struct eng_usage *u,
                   struct tote_err **err);
/* The same from a runtime stats event's data and /proc/<pid>/net/dev's
 * text (NULL: none); mem_total is the machine's memory (unit tests). */
void eng_usage_from(json_t *data, const char *net_dev, uint64_t mem_total, struct eng_usage *u);
/* The cells of a row: CPU % (of one CPU, between prev and cur; "--" with no
 * prev), MEM USAGE / LIMIT, MEM %, NET I/O, BLOCK I/O, PIDS. */
void eng_usage_cells(const struct eng_usage *prev, const struct eng_usage *cur,
                     char cells[6][48]);

#endif
