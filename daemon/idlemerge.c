/* Merging idle sources: the most direct live source decides; lock and suspend always
 * count as idle. Pure. */
#include "idlemerge.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int limber_idle_merge_report(struct limber_idle_merge *m, const char *name, unsigned rank,
                             enum limber_idle_state state, usec_t since) {
        struct limber_idle_source *s = NULL;

        for (size_t i = 0; i < m->n && !s; i++)
                if (strcmp(m->sources[i].name, name) == 0)
                        s = &m->sources[i];
        if (!s) {
                struct limber_idle_source *n = realloc(m->sources, (m->n + 1) * sizeof *n);
                if (!n)
                        return -ENOMEM;
                m->sources = n;
                s = &n[m->n];
                *s = (struct limber_idle_source) { .name = strdup(name) };
                if (!s->name)
                        return -ENOMEM;
                m->n++;
        }
        s->rank = rank;
        s->state = state;
        s->since = since;
        s->order = ++m->reports;
        return 0;
}

enum limber_idle_state limber_idle_merge_state(const struct limber_idle_merge *m, usec_t *ret_since) {
        const struct limber_idle_source *best = NULL, *hard = NULL;

        for (size_t i = 0; i < m->n; i++) {
                const struct limber_idle_source *s = &m->sources[i];
                if (s->state == LIMBER_IDLE_GONE)
                        continue;
                if ((s->state == LIMBER_IDLE_LOCKED || s->state == LIMBER_IDLE_SUSPENDED) &&
                    (!hard || s->order > hard->order))
                        hard = s;
                if (!best || s->rank > best->rank || (s->rank == best->rank && s->order > best->order))
                        best = s;
        }

        const struct limber_idle_source *r = hard ? hard : best;
        if (!r)
                return LIMBER_IDLE_GONE;
        if (ret_since)
                *ret_since = r->since;
        return r->state;
}

void limber_idle_merge_clear(struct limber_idle_merge *m) {
        for (size_t i = 0; i < m->n; i++)
                free(m->sources[i].name);
        free(m->sources);
        *m = (struct limber_idle_merge) { 0 };
}
