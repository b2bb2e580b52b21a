/* Merging idle sources: each source's latest state; the most direct live source decides
 * between idle and active; a lock or a suspend seen by any live source always counts as
 * idle. Pure. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "limber-plugin.h"
#include "parse.h"

struct limber_idle_source {
        char *name;
        unsigned rank;                  /* enum limber_idle_rank: higher sees input more directly */
        enum limber_idle_state state;
        usec_t since;
        uint64_t order;                 /* of its last report, to break ties between ranks */
};

struct limber_idle_merge {
        struct limber_idle_source *sources;
        size_t n;
        uint64_t reports;
};

/* Records source name's new state (adding the source on its first report). */
int limber_idle_merge_report(struct limber_idle_merge *m, const char *name, unsigned rank,
                             enum limber_idle_state state, usec_t since);

/* The merged state, and since when; LIMBER_IDLE_GONE when no source is live. */
enum limber_idle_state limber_idle_merge_state(const struct limber_idle_merge *m, usec_t *ret_since);

void limber_idle_merge_clear(struct limber_idle_merge *m);
