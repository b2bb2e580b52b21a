/* The state database: activities, desk spans, sessions and their outcomes, in SQLite.
 *
 * WAL mode with synchronous=FULL: a write has reached the disk when the call returns,
 * so a reply sent after it survives a kill or a power cut. Every write is one
 * transaction. The schema is versioned with PRAGMA user_version; migrations only go
 * forward, each in its own transaction. */
#include "store.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-id128.h>

#include "util.h"

struct limber_store {
        sqlite3 *db;
        char *path;
};

/* migrations[i] takes the schema from version i to i + 1. */
static const char *const migrations[] = {
        /* 0 -> 1 */
        "CREATE TABLE activities ("
        "  id TEXT PRIMARY KEY,"
        "  source TEXT NOT NULL,"
        "  external_id TEXT,"
        "  kind TEXT NOT NULL,"
        "  title TEXT,"
        "  start_us INTEGER NOT NULL,"
        "  duration_us INTEGER NOT NULL CHECK (duration_us > 0),"
        "  distance_m REAL NOT NULL DEFAULT 0,"
        "  created_us INTEGER NOT NULL,"
        "  UNIQUE (source, external_id)"
        ");"
        "CREATE INDEX activities_start ON activities (start_us);"
        /* What the idle sources saw: one row per stretch of one state; end_us is NULL
         * while the stretch goes on. */
        "CREATE TABLE desk_spans ("
        "  id INTEGER PRIMARY KEY,"
        "  state TEXT NOT NULL CHECK (state IN ('active', 'idle')),"
        "  start_us INTEGER NOT NULL,"
        "  end_us INTEGER CHECK (end_us IS NULL OR end_us >= start_us)"
        ");"
        "CREATE INDEX desk_spans_start ON desk_spans (start_us);"
        /* Sessions, planned and past. id derives from (rule, day, slot); sequence and
         * last_modified_us are what the feed publishes. title is the routine's at the
         * time, so history keeps its words when a routine changes. */
        "CREATE TABLE sessions ("
        "  id TEXT PRIMARY KEY,"
        "  kind TEXT NOT NULL,"
        "  rule TEXT NOT NULL,"
        "  day INTEGER NOT NULL,"
        "  slot INTEGER NOT NULL,"
        "  routine TEXT NOT NULL,"
        "  title TEXT,"
        "  reason TEXT NOT NULL,"
        "  start_us INTEGER NOT NULL,"
        "  end_us INTEGER NOT NULL CHECK (end_us > start_us),"
        "  status TEXT NOT NULL,"
        "  sequence INTEGER NOT NULL DEFAULT 0,"
        "  last_modified_us INTEGER NOT NULL,"
        "  created_us INTEGER NOT NULL"
        ");"
        "CREATE INDEX sessions_start ON sessions (start_us);"
        /* Every outcome given, in order; a session's status is its latest. */
        "CREATE TABLE outcomes ("
        "  id INTEGER PRIMARY KEY,"
        "  session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,"
        "  outcome TEXT NOT NULL CHECK (outcome IN ('completed', 'skipped', 'snoozed', 'missed')),"
        "  at_us INTEGER NOT NULL,"
        "  snooze_us INTEGER"
        ");"
        "CREATE INDEX outcomes_session ON outcomes (session_id);"
        /* Values made once per installation: the feed's URL token, the UID domain. */
        "CREATE TABLE meta ("
        "  key TEXT PRIMARY KEY,"
        "  value TEXT NOT NULL"
        ");",
        /* 1 -> 2: what keeps a session itself across a change of time zone (the local
         * day it was placed on, NULL until the planner next writes it; the workout it
         * follows), and the session a stand-in replaces. */
        "ALTER TABLE sessions ADD COLUMN local_day INTEGER;"
        "ALTER TABLE sessions ADD COLUMN activity TEXT NOT NULL DEFAULT '';"
        "ALTER TABLE sessions ADD COLUMN replaces TEXT NOT NULL DEFAULT '';",
};

#define SCHEMA_VERSION ((int) (sizeof migrations / sizeof migrations[0]))

int limber_store_schema_version(void) {
        return SCHEMA_VERSION;
}

const char *limber_store_error(struct limber_store *s) {
        return sqlite3_errmsg(s->db);
}

static int errno_from_sqlite(int rc) {
        switch (rc & 0xff) {
        case SQLITE_OK:
        case SQLITE_ROW:
        case SQLITE_DONE: return 0;
        case SQLITE_NOMEM: return -ENOMEM;
        case SQLITE_BUSY:
        case SQLITE_LOCKED: return -EBUSY;
        case SQLITE_READONLY:
        case SQLITE_PERM:
        case SQLITE_AUTH: return -EACCES;
        case SQLITE_FULL: return -ENOSPC;
        case SQLITE_CANTOPEN: return -ENOENT;
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB: return -EBADMSG;
        case SQLITE_CONSTRAINT: return -EEXIST;
        default: return -EIO;
        }
}

/* For a result code known to be a failure, a negative errno that is never 0. */
static int failure(int rc) {
        int r = errno_from_sqlite(rc);
        return r < 0 ? r : -EIO;
}

static const char *or_str(const char *s, const char *fallback) {
        return s ? s : fallback;
}

static int query_int(sqlite3 *db, const char *sql, int *ret) {
        sqlite3_stmt *st;
        int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
        if (rc == SQLITE_OK) {
                rc = sqlite3_step(st);
                if (rc == SQLITE_ROW) {
                        *ret = sqlite3_column_int(st, 0);
                        rc = SQLITE_OK;
                }
        }
        sqlite3_finalize(st);
        return rc;
}

static int migrate(struct limber_store *s, char **ret_error) {
        int version = 0, rc;

        rc = query_int(s->db, "PRAGMA user_version", &version);
        if (rc != SQLITE_OK)
                goto fail;
        if (version > SCHEMA_VERSION) {
                if (asprintf(ret_error, "%s: schema version %d is newer than this limberd knows (%d); "
                             "it was written by a newer limber", s->path, version, SCHEMA_VERSION) < 0)
                        *ret_error = NULL;
                return -EPROTO;
        }

        for (; version < SCHEMA_VERSION; version++) {
                char pragma[64];
                snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", version + 1);

                rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
                if (rc == SQLITE_OK)
                        rc = sqlite3_exec(s->db, migrations[version], NULL, NULL, NULL);
                if (rc == SQLITE_OK)
                        rc = sqlite3_exec(s->db, pragma, NULL, NULL, NULL);
                if (rc == SQLITE_OK)
                        rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
                if (rc != SQLITE_OK) {
                        if (asprintf(ret_error, "%s: migrating the schema to version %d failed: %s",
                                     s->path, version + 1, sqlite3_errmsg(s->db)) < 0)
                                *ret_error = NULL;
                        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
                        return failure(rc);
                }
        }
        return 0;

fail:
        if (asprintf(ret_error, "%s: %s", s->path, sqlite3_errmsg(s->db)) < 0)
                *ret_error = NULL;
        return failure(rc);
}

int limber_store_open(const char *path, struct limber_store **ret, char **ret_error) {
        struct limber_store *s;
        int r;

        *ret = NULL;
        *ret_error = NULL;

        s = calloc(1, sizeof *s);
        if (!s || !(s->path = strdup(path))) {
                free(s);
                return -ENOMEM;
        }

        int rc = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                                 SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_EXRESCODE, NULL);
        if (rc != SQLITE_OK)
                goto fail;

        sqlite3_extended_result_codes(s->db, 1);
        sqlite3_busy_timeout(s->db, 5000);

        /* The first statement that reads the file tells a non-database apart. */
        char *mode = NULL;
        sqlite3_stmt *st;
        rc = sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1, &st, NULL);
        if (rc == SQLITE_OK) {
                rc = sqlite3_step(st);
                if (rc == SQLITE_ROW) {
                        mode = strdup((const char *) sqlite3_column_text(st, 0));
                        rc = SQLITE_OK;
                }
        }
        sqlite3_finalize(st);
        if (rc != SQLITE_OK) {
                free(mode);
                goto fail;
        }
        if (!mode || strcmp(mode, "wal") != 0) {
                if (asprintf(ret_error, "%s: cannot switch to WAL mode (journal mode is %s)",
                             path, or_str(mode, "unknown")) < 0)
                        *ret_error = NULL;
                free(mode);
                limber_store_close(s);
                return -EIO;
        }
        free(mode);

        rc = sqlite3_exec(s->db,
                          "PRAGMA synchronous = FULL;"
                          "PRAGMA foreign_keys = ON;", NULL, NULL, NULL);
        if (rc != SQLITE_OK)
                goto fail;

        char *check = NULL;
        rc = sqlite3_prepare_v2(s->db, "PRAGMA quick_check", -1, &st, NULL);
        if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
                check = strdup(or_str((const char *) sqlite3_column_text(st, 0), ""));
        rc = sqlite3_finalize(st);
        if (rc != SQLITE_OK) {
                free(check);
                goto fail;
        }
        if (!check || strcmp(check, "ok") != 0) {
                if (asprintf(ret_error, "%s: the database is damaged (%s); it is left as it is",
                             path, or_str(check, "quick_check failed")) < 0)
                        *ret_error = NULL;
                free(check);
                limber_store_close(s);
                return -EBADMSG;
        }
        free(check);

        r = migrate(s, ret_error);
        if (r < 0) {
                limber_store_close(s);
                return r;
        }

        *ret = s;
        return 0;

fail:
        if (asprintf(ret_error, "%s: %s%s", path, s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc),
                     (rc & 0xff) == SQLITE_NOTADB || (rc & 0xff) == SQLITE_CORRUPT
                     ? "; it is left as it is" : "") < 0)
                *ret_error = NULL;
        r = failure(rc);
        limber_store_close(s);
        return r;
}

void limber_store_close(struct limber_store *s) {
        if (!s)
                return;
        sqlite3_close_v2(s->db);
        free(s->path);
        free(s);
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *s) {
        if (s)
                sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
        else
                sqlite3_bind_null(st, i);
}

static int find_activity(struct limber_store *s, const char *source, const char *external_id, char *ret_id) {
        sqlite3_stmt *st;
        int rc = sqlite3_prepare_v2(s->db, "SELECT id FROM activities WHERE source = ? AND external_id = ?",
                                    -1, &st, NULL);
        if (rc != SQLITE_OK)
                return errno_from_sqlite(rc);
        sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, external_id, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        int r = 0;
        if (rc == SQLITE_ROW) {
                snprintf(ret_id, LIMBER_ID_LEN + 1, "%s", (const char *) sqlite3_column_text(st, 0));
                r = 1;
        } else if (rc != SQLITE_DONE)
                r = errno_from_sqlite(rc);
        sqlite3_finalize(st);
        return r;
}

int limber_store_add_activity(struct limber_store *s, struct limber_activity *a, usec_t now) {
        sqlite3_stmt *st = NULL;
        int r, rc;

        rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        if (rc != SQLITE_OK)
                return errno_from_sqlite(rc);

        if (a->external_id) {
                r = find_activity(s, a->source, a->external_id, a->id);
                if (r != 0) {
                        if (r > 0)
                                r = 0;  /* stored already: nothing to write */
                        goto finish;
                }
        }

        sd_id128_t id;
        r = sd_id128_randomize(&id);
        if (r < 0)
                goto finish;
        sd_id128_to_string(id, a->id);

        rc = sqlite3_prepare_v2(s->db,
                                "INSERT INTO activities (id, source, external_id, kind, title, start_us, "
                                "duration_us, distance_m, created_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                -1, &st, NULL);
        if (rc == SQLITE_OK) {
                sqlite3_bind_text(st, 1, a->id, -1, SQLITE_STATIC);
                sqlite3_bind_text(st, 2, a->source, -1, SQLITE_STATIC);
                bind_text_or_null(st, 3, a->external_id);
                sqlite3_bind_text(st, 4, limber_activity_kind_to_string(a->kind), -1, SQLITE_STATIC);
                bind_text_or_null(st, 5, a->title);
                sqlite3_bind_int64(st, 6, (sqlite3_int64) a->start);
                sqlite3_bind_int64(st, 7, (sqlite3_int64) a->duration);
                sqlite3_bind_double(st, 8, a->distance_m);
                sqlite3_bind_int64(st, 9, (sqlite3_int64) now);
                rc = sqlite3_step(st);
        }
        sqlite3_finalize(st);
        r = rc == SQLITE_DONE ? 1 : failure(rc);

finish:
        if (r >= 0) {
                rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
                if (rc != SQLITE_OK)
                        r = failure(rc);
        }
        if (r < 0)
                sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return r;
}

static char *column_strdup(sqlite3_stmt *st, int i) {
        const unsigned char *t = sqlite3_column_text(st, i);
        return t ? strdup((const char *) t) : NULL;
}

int limber_store_list_activities(struct limber_store *s, usec_t from, usec_t until,
                                 struct limber_activity **ret, size_t *ret_n) {
        struct limber_activity *list = NULL;
        size_t n = 0, allocated = 0;
        sqlite3_stmt *st;
        int r = 0;

        int rc = sqlite3_prepare_v2(s->db,
                                    "SELECT id, source, external_id, kind, title, start_us, duration_us, distance_m "
                                    "FROM activities WHERE start_us >= ? AND (? = 0 OR start_us < ?) "
                                    "ORDER BY start_us, id", -1, &st, NULL);
        if (rc != SQLITE_OK)
                return errno_from_sqlite(rc);

        /* SQLite integers are signed; clamp so a bound of 2^64-1 still means "everything". */
        sqlite3_int64 lo = from > INT64_MAX ? INT64_MAX : (sqlite3_int64) from;
        sqlite3_int64 hi = until > INT64_MAX ? INT64_MAX : (sqlite3_int64) until;
        sqlite3_bind_int64(st, 1, lo);
        sqlite3_bind_int64(st, 2, hi);
        sqlite3_bind_int64(st, 3, hi);

        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                if (!limber_grow((void **) &list, &allocated, n, sizeof *list)) {
                        r = -ENOMEM;
                        break;
                }
                struct limber_activity *a = &list[n++];
                *a = (struct limber_activity) { 0 };
                snprintf(a->id, sizeof a->id, "%s", (const char *) sqlite3_column_text(st, 0));
                a->source = column_strdup(st, 1);
                a->external_id = column_strdup(st, 2);
                int k = limber_activity_kind_from_string(or_str((const char *) sqlite3_column_text(st, 3), ""));
                a->kind = k < 0 ? LIMBER_ACTIVITY_OTHER : (enum limber_activity_kind) k;
                a->title = column_strdup(st, 4);
                a->start = (usec_t) sqlite3_column_int64(st, 5);
                a->duration = (usec_t) sqlite3_column_int64(st, 6);
                a->distance_m = sqlite3_column_double(st, 7);
                if (!a->source) {
                        r = -ENOMEM;
                        break;
                }
        }
        if (r == 0 && rc != SQLITE_DONE)
                r = failure(rc);
        sqlite3_finalize(st);

        if (r < 0) {
                limber_activity_array_free(list, n);
                return r;
        }
        *ret = list;
        *ret_n = n;
        return 0;
}

int limber_store_desk_transition(struct limber_store *s, enum limber_desk_state state, usec_t at) {
        sqlite3_stmt *st = NULL;
        int rc;

        rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        if (rc != SQLITE_OK)
                return errno_from_sqlite(rc);

        rc = sqlite3_prepare_v2(s->db, "UPDATE desk_spans SET end_us = max(start_us, ?) WHERE end_us IS NULL",
                                -1, &st, NULL);
        if (rc == SQLITE_OK) {
                sqlite3_bind_int64(st, 1, (sqlite3_int64) at);
                rc = sqlite3_step(st);
        }
        sqlite3_finalize(st);
        st = NULL;

        if (rc == SQLITE_DONE && state != LIMBER_DESK_UNKNOWN) {
                rc = sqlite3_prepare_v2(s->db, "INSERT INTO desk_spans (state, start_us) VALUES (?, ?)",
                                        -1, &st, NULL);
                if (rc == SQLITE_OK) {
                        sqlite3_bind_text(st, 1, limber_desk_state_to_string(state), -1, SQLITE_STATIC);
                        sqlite3_bind_int64(st, 2, (sqlite3_int64) at);
                        rc = sqlite3_step(st);
                }
                sqlite3_finalize(st);
        }

        if (rc == SQLITE_DONE)
                rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
        if (rc != SQLITE_OK && rc != SQLITE_DONE) {
                int r = failure(rc);
                sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
                return r;
        }
        return 0;
}

int limber_store_load_sessions(struct limber_store *s, usec_t since, struct limber_session **ret, size_t *ret_n) {
        struct limber_session *list = NULL;
        size_t n = 0, allocated = 0;
        sqlite3_stmt *st;
        int r = 0;

        int rc = sqlite3_prepare_v2(s->db,
                                    "SELECT id, kind, rule, day, slot, routine, reason, start_us, end_us, status, "
                                    "sequence, last_modified_us, local_day, activity, replaces FROM sessions "
                                    "WHERE end_us >= ? OR status IN ('planned', 'snoozed') ORDER BY start_us, id",
                                    -1, &st, NULL);
        if (rc != SQLITE_OK)
                return errno_from_sqlite(rc);
        sqlite3_bind_int64(st, 1, since > INT64_MAX ? INT64_MAX : (sqlite3_int64) since);

        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                int kind = limber_session_kind_from_string(or_str((const char *) sqlite3_column_text(st, 1), ""));
                int rule = limber_rule_from_string(or_str((const char *) sqlite3_column_text(st, 2), ""));
                int status = limber_session_status_from_string(or_str((const char *) sqlite3_column_text(st, 9), ""));
                const char *id = or_str((const char *) sqlite3_column_text(st, 0), "");
                if (kind < 0 || rule < 0 || status < 0 || !limber_session_id_valid(id))
                        continue;       /* written by a newer limber: leave it alone */

                if (!limber_grow((void **) &list, &allocated, n, sizeof *list)) {
                        r = -ENOMEM;
                        break;
                }
                struct limber_session *x = &list[n++];
                *x = (struct limber_session) {
                        .kind = (enum limber_session_kind) kind,
                        .rule = (enum limber_rule) rule,
                        .day = sqlite3_column_int(st, 3),
                        .slot = (unsigned) sqlite3_column_int(st, 4),
                        .start = (usec_t) sqlite3_column_int64(st, 7),
                        .end = (usec_t) sqlite3_column_int64(st, 8),
                        .status = (enum limber_session_status) status,
                        .sequence = (unsigned) sqlite3_column_int(st, 10),
                        .last_modified = (usec_t) sqlite3_column_int64(st, 11),
                        .local_day = sqlite3_column_int(st, 12),
                };
                snprintf(x->id, sizeof x->id, "%s", id);
                snprintf(x->routine, sizeof x->routine, "%s", or_str((const char *) sqlite3_column_text(st, 5), ""));
                snprintf(x->reason, sizeof x->reason, "%s", or_str((const char *) sqlite3_column_text(st, 6), ""));
                snprintf(x->activity, sizeof x->activity, "%s",
                         or_str((const char *) sqlite3_column_text(st, 13), ""));
                snprintf(x->replaces, sizeof x->replaces, "%s",
                         or_str((const char *) sqlite3_column_text(st, 14), ""));
        }
        if (r == 0 && rc != SQLITE_DONE)
                r = failure(rc);
        sqlite3_finalize(st);
        if (r < 0) {
                free(list);
                return r;
        }
        *ret = list;
        *ret_n = n;
        return 0;
}

int limber_store_save_sessions(struct limber_store *s, const struct limber_plan_session *sessions, size_t n,
                               const char *(*title_of)(const struct limber_session *, void *), void *userdata,
                               usec_t now) {
        sqlite3_stmt *st = NULL, *missed = NULL;
        int rc;

        rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        if (rc != SQLITE_OK)
                return failure(rc);

        rc = sqlite3_prepare_v2(s->db,
                                "INSERT INTO sessions (id, kind, rule, day, slot, routine, title, reason, start_us, "
                                "end_us, status, sequence, last_modified_us, created_us, local_day, activity, "
                                "replaces) "
                                "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17) "
                                "ON CONFLICT (id) DO UPDATE SET kind = ?2, rule = ?3, day = ?4, slot = ?5, "
                                "routine = ?6, title = ?7, reason = ?8, start_us = ?9, end_us = ?10, status = ?11, "
                                "sequence = ?12, last_modified_us = ?13, local_day = ?15, activity = ?16, "
                                "replaces = ?17",
                                -1, &st, NULL);
        /* Missed is an outcome too, the one nobody gave: recorded once, when the planner
         * marks it. */
        if (rc == SQLITE_OK)
                rc = sqlite3_prepare_v2(s->db,
                                        "INSERT INTO outcomes (session_id, outcome, at_us) SELECT ?1, 'missed', ?2 "
                                        "WHERE NOT EXISTS (SELECT 1 FROM outcomes WHERE session_id = ?1 AND "
                                        "outcome = 'missed')", -1, &missed, NULL);
        for (size_t i = 0; rc == SQLITE_OK && i < n; i++) {
                const struct limber_session *x = &sessions[i].session;
                if (!sessions[i].changed)
                        continue;
                sqlite3_reset(st);
                sqlite3_bind_text(st, 1, x->id, -1, SQLITE_STATIC);
                sqlite3_bind_text(st, 2, limber_session_kind_to_string(x->kind), -1, SQLITE_STATIC);
                sqlite3_bind_text(st, 3, limber_rule_to_string(x->rule), -1, SQLITE_STATIC);
                sqlite3_bind_int(st, 4, x->day);
                sqlite3_bind_int(st, 5, (int) x->slot);
                sqlite3_bind_text(st, 6, x->routine, -1, SQLITE_STATIC);
                bind_text_or_null(st, 7, title_of ? title_of(x, userdata) : NULL);
                sqlite3_bind_text(st, 8, x->reason, -1, SQLITE_STATIC);
                sqlite3_bind_int64(st, 9, (sqlite3_int64) x->start);
                sqlite3_bind_int64(st, 10, (sqlite3_int64) x->end);
                sqlite3_bind_text(st, 11, limber_session_status_to_string(x->status), -1, SQLITE_STATIC);
                sqlite3_bind_int(st, 12, (int) x->sequence);
                sqlite3_bind_int64(st, 13, (sqlite3_int64) x->last_modified);
                sqlite3_bind_int64(st, 14, (sqlite3_int64) now);
                if (x->local_day != 0)
                        sqlite3_bind_int(st, 15, x->local_day);
                else
                        sqlite3_bind_null(st, 15);
                sqlite3_bind_text(st, 16, x->activity, -1, SQLITE_STATIC);
                sqlite3_bind_text(st, 17, x->replaces, -1, SQLITE_STATIC);
                rc = sqlite3_step(st);
                if (rc == SQLITE_DONE && x->status == LIMBER_STATUS_MISSED) {
                        sqlite3_reset(missed);
                        sqlite3_bind_text(missed, 1, x->id, -1, SQLITE_STATIC);
                        sqlite3_bind_int64(missed, 2, (sqlite3_int64) x->last_modified);
                        rc = sqlite3_step(missed);
                }
                if (rc == SQLITE_DONE)
                        rc = SQLITE_OK;
        }
        sqlite3_finalize(st);
        sqlite3_finalize(missed);

        if (rc == SQLITE_OK)
                rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
        if (rc != SQLITE_OK) {
                int r = failure(rc);
                sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
                return r;
        }
        return 0;
}

int limber_store_get_meta(struct limber_store *s, const char *key, char *ret, size_t size) {
        sqlite3_stmt *st = NULL;
        int rc, r;

        rc = sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = ?", -1, &st, NULL);
        if (rc != SQLITE_OK)
                return failure(rc);
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
                snprintf(ret, size, "%s", or_str((const char *) sqlite3_column_text(st, 0), ""));
                r = 0;
        } else
                r = rc == SQLITE_DONE ? -ENOENT : failure(rc);
        sqlite3_finalize(st);
        return r;
}

int limber_store_set_meta(struct limber_store *s, const char *key, const char *value) {
        sqlite3_stmt *st = NULL;
        int rc;

        rc = sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", -1, &st, NULL);
        if (rc == SQLITE_OK) {
                sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
                sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
                rc = sqlite3_step(st);
        }
        sqlite3_finalize(st);
        return rc == SQLITE_DONE ? 0 : failure(rc);
}

/* The value kept under key in meta, or on first use the one make() writes into buf,
 * which is kept from then on. One transaction, so that two processes agree on it. */
static int meta_value(struct limber_store *s, const char *key,
                      int (*make)(struct limber_store *, void *, char *, size_t), void *userdata,
                      char *buf, size_t size) {
        int r, rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        if (rc != SQLITE_OK)
                return failure(rc);

        r = limber_store_get_meta(s, key, buf, size);
        if (r == -ENOENT) {
                r = make(s, userdata, buf, size);
                if (r >= 0)
                        r = limber_store_set_meta(s, key, buf);
        }
        if (r >= 0) {
                rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
                if (rc == SQLITE_OK)
                        return 0;
                r = failure(rc);
        }
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return r;
}

static int make_random(struct limber_store *s, void *userdata, char *buf, size_t size) {
        sd_id128_t id;
        int r = sd_id128_randomize(&id);
        if (r < 0)
                return r;
        char hex[SD_ID128_STRING_MAX];
        snprintf(buf, size, "%s", sd_id128_to_string(id, hex));
        return 0;
}

int limber_store_random_value(struct limber_store *s, const char *key, char ret[static LIMBER_ID_LEN + 1]) {
        return meta_value(s, key, make_random, NULL, ret, LIMBER_ID_LEN + 1);
}

/* A database that a limber which kept no first run wrote: its first record is when limber
 * first ran. Else this is the first run, and it is now. */
static int make_first_run(struct limber_store *s, void *userdata, char *buf, size_t size) {
        usec_t now = *(const usec_t *) userdata;
        sqlite3_stmt *st;
        int rc = sqlite3_prepare_v2(s->db,
                                    "SELECT min(t) FROM (SELECT min(created_us) AS t FROM sessions "
                                    "UNION ALL SELECT min(created_us) FROM activities "
                                    "UNION ALL SELECT min(start_us) FROM desk_spans)", -1, &st, NULL);
        if (rc != SQLITE_OK)
                return failure(rc);
        rc = sqlite3_step(st);
        bool stored = rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL;
        sqlite3_int64 earliest = stored ? sqlite3_column_int64(st, 0) : 0;
        sqlite3_finalize(st);
        if (rc != SQLITE_ROW)
                return failure(rc);

        usec_t t = stored && earliest > 0 && (usec_t) earliest < now ? (usec_t) earliest : now;
        snprintf(buf, size, "%llu", (unsigned long long) t);
        return 0;
}

int limber_store_first_run(struct limber_store *s, usec_t now, usec_t *ret) {
        char buf[32];
        int r = meta_value(s, "first-run", make_first_run, &now, buf, sizeof buf);
        if (r < 0)
                return r;

        char *end;
        errno = 0;
        unsigned long long t = strtoull(buf, &end, 10);
        /* A value this limber did not write: the first run is unknown, and no week is
         * the first. */
        *ret = errno == 0 && end != buf && *end == '\0' ? (usec_t) t : 0;
        return 0;
}

int limber_store_set_outcome(struct limber_store *s, const char *id, enum limber_session_status status,
                             usec_t at, usec_t new_start) {
        static const char *const outcome_names[_LIMBER_STATUS_MAX] = {
                [LIMBER_STATUS_COMPLETED] = "completed",
                [LIMBER_STATUS_SKIPPED] = "skipped",
                [LIMBER_STATUS_SNOOZED] = "snoozed",
                [LIMBER_STATUS_MISSED] = "missed",
        };
        sqlite3_stmt *st = NULL;
        int rc, r = 0;

        if ((unsigned) status >= _LIMBER_STATUS_MAX || !outcome_names[status])
                return -EINVAL;

        rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        if (rc != SQLITE_OK)
                return failure(rc);

        if (status == LIMBER_STATUS_SNOOZED)
                rc = sqlite3_prepare_v2(s->db,
                                        "UPDATE sessions SET status = ?2, last_modified_us = ?3, "
                                        "end_us = ?4 + (end_us - start_us), start_us = ?4, sequence = sequence + 1 "
                                        "WHERE id = ?1", -1, &st, NULL);
        else
                rc = sqlite3_prepare_v2(s->db,
                                        "UPDATE sessions SET status = ?2, last_modified_us = ?3 WHERE id = ?1",
                                        -1, &st, NULL);
        if (rc == SQLITE_OK) {
                sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
                sqlite3_bind_text(st, 2, limber_session_status_to_string(status), -1, SQLITE_STATIC);
                sqlite3_bind_int64(st, 3, (sqlite3_int64) at);
                if (status == LIMBER_STATUS_SNOOZED)
                        sqlite3_bind_int64(st, 4, (sqlite3_int64) new_start);
                rc = sqlite3_step(st);
                if (rc == SQLITE_DONE && sqlite3_changes(s->db) == 0)
                        r = -ENOENT;
        }
        sqlite3_finalize(st);
        st = NULL;

        if (r == 0 && rc == SQLITE_DONE) {
                rc = sqlite3_prepare_v2(s->db,
                                        "INSERT INTO outcomes (session_id, outcome, at_us, snooze_us) VALUES (?, ?, ?, ?)",
                                        -1, &st, NULL);
                if (rc == SQLITE_OK) {
                        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
                        sqlite3_bind_text(st, 2, outcome_names[status], -1, SQLITE_STATIC);
                        sqlite3_bind_int64(st, 3, (sqlite3_int64) at);
                        if (status == LIMBER_STATUS_SNOOZED)
                                sqlite3_bind_int64(st, 4, (sqlite3_int64) new_start);
                        else
                                sqlite3_bind_null(st, 4);
                        rc = sqlite3_step(st);
                }
                sqlite3_finalize(st);
        }

        if (r == 0 && rc == SQLITE_DONE)
                rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
        if (r < 0 || rc != SQLITE_OK) {
                if (r == 0)
                        r = failure(rc);
                sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        }
        return r;
}

static const char *given_title(const struct limber_session *session, void *userdata) {
        return userdata;
}

int limber_store_add_session(struct limber_store *s, const struct limber_session *session, const char *title,
                             usec_t now) {
        struct limber_plan_session one = { .session = *session, .changed = true };
        return limber_store_save_sessions(s, &one, 1, given_title, (void *) title, now);
}
