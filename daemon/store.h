/* The state database: activities, desk spans, sessions and their outcomes, in SQLite. */
#pragma once

#include <stddef.h>

#include "activity.h"
#include "planner.h"
#include "session.h"
#include "tracker.h"

struct limber_store;

/* Opens (creating if missing) and migrates the database at path. A file that is not a
 * database, is damaged, or comes from a newer limber is an error, never replaced; then
 * *ret_error says why (caller frees). */
int limber_store_open(const char *path, struct limber_store **ret, char **ret_error);
void limber_store_close(struct limber_store *s);

/* The schema version this build writes. */
int limber_store_schema_version(void);

/* Stores a and fills a->id, durably, in one transaction. When the same source and
 * external_id are stored already, nothing is written, a->id is that activity's id and
 * the return is 0; a new activity returns 1. */
int limber_store_add_activity(struct limber_store *s, struct limber_activity *a, usec_t now);

/* Activities starting in [from, until), oldest first; until 0 means no upper bound. */
int limber_store_list_activities(struct limber_store *s, usec_t from, usec_t until,
                                 struct limber_activity **ret, size_t *ret_n);

/* Closes the open desk span at `at` and, unless state is UNKNOWN, opens one in `state`. */
int limber_store_desk_transition(struct limber_store *s, enum limber_desk_state state, usec_t at);

/* Sessions that end at or after since, and every planned or snoozed one. */
int limber_store_load_sessions(struct limber_store *s, usec_t since, struct limber_session **ret, size_t *ret_n);

/* Writes the sessions marked changed, in one transaction. title_of gives each one's
 * title to keep with it. */
int limber_store_save_sessions(struct limber_store *s, const struct limber_plan_session *sessions, size_t n,
                               const char *(*title_of)(const struct limber_session *, void *), void *userdata,
                               usec_t now);

/* Records an outcome given to a session and applies it to the session row, in one
 * transaction: status (completed, skipped, snoozed) and LAST-MODIFIED = at; a snooze
 * also moves the session to [new_start, new_start + its length) and raises SEQUENCE.
 * Returns -ENOENT when no session has that id. */
int limber_store_set_outcome(struct limber_store *s, const char *id, enum limber_session_status status,
                             usec_t at, usec_t new_start);

/* Adds one session (a mobility break), durably. */
int limber_store_add_session(struct limber_store *s, const struct limber_session *session, const char *title,
                             usec_t now);

/* A random 128-bit value in hex, made on first use and kept under key. */
int limber_store_random_value(struct limber_store *s, const char *key, char ret[static LIMBER_ID_LEN + 1]);

/* A value kept under key in the meta table: get copies it into ret (0) or returns
 * -ENOENT when there is none; set replaces it, durably. */
int limber_store_get_meta(struct limber_store *s, const char *key, char *ret, size_t size);
int limber_store_set_meta(struct limber_store *s, const char *key, const char *value);

/* When limber first ran with this database, made once and kept: now on the first call,
 * or the earliest record of a database that an older limber wrote. 0 when the kept
 * value is not one this limber wrote. */
int limber_store_first_run(struct limber_store *s, usec_t now, usec_t *ret);

/* The last SQLite error, for log messages. */
const char *limber_store_error(struct limber_store *s);
