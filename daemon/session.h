/* Sessions: what limber plans and publishes. The model shared by the planner, the
 * store, the feed and the bus. Pure data. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "activity.h"
#include "parse.h"

enum limber_session_kind {
        LIMBER_SESSION_SMR,             /* self-myofascial release: foam rolling */
        LIMBER_SESSION_MOBILITY,        /* a short break from sitting */
        LIMBER_SESSION_CARDIO,          /* a brisk walk */
        _LIMBER_SESSION_KIND_MAX,
};

/* Which rule planned a session; part of its id. */
enum limber_rule {
        LIMBER_RULE_WEEKLY,             /* rule 1: n SMR sessions per ISO week */
        LIMBER_RULE_WORKOUT,            /* rule 2: SMR the evening after a training load */
        LIMBER_RULE_SPIKE,              /* rule 3: one more SMR in a week with a load spike */
        LIMBER_RULE_SITTING,            /* rule 4: a mobility break after long sitting */
        LIMBER_RULE_CARDIO,             /* rule 5: brisk walks to reach the weekly minutes */
        _LIMBER_RULE_MAX,
};

enum limber_session_status {
        LIMBER_STATUS_PLANNED,
        LIMBER_STATUS_COMPLETED,
        LIMBER_STATUS_SKIPPED,
        LIMBER_STATUS_SNOOZED,          /* planned again, later, by the user */
        LIMBER_STATUS_MISSED,           /* ended with no outcome */
        LIMBER_STATUS_CANCELLED,        /* no longer planned; leaves the feed */
        _LIMBER_STATUS_MAX,
};

/* rule_YYYYMMDD_slot: letters, digits and '_', so it also names a D-Bus object. */
#define LIMBER_SESSION_ID_MAX 40
#define LIMBER_ROUTINE_NAME_MAX 64
#define LIMBER_REASON_MAX 256

struct limber_session {
        char id[LIMBER_SESSION_ID_MAX];
        enum limber_session_kind kind;
        enum limber_rule rule;
        int day;                        /* the planned day (for weekly rules, the week's Monday), days since 1970-01-01 */
        unsigned slot;
        usec_t start;
        usec_t end;
        enum limber_session_status status;
        unsigned sequence;              /* iCalendar SEQUENCE: rises each time the time moves */
        usec_t last_modified;           /* iCalendar LAST-MODIFIED and DTSTAMP */
        char routine[LIMBER_ROUTINE_NAME_MAX];
        char reason[LIMBER_REASON_MAX];
        /* The local day it was placed on, kept when the time zone changes so that a
         * session stays on its evening; 0 when unknown: then the local day of start. */
        int local_day;
        /* Rule 2: the id of the workout it follows, so the same workout never gets a
         * second session, whatever day the time zone now puts it on. */
        char activity[LIMBER_ID_LEN + 1];
        /* The id of the missed or skipped session it stands in for; empty for one the
         * rules asked for in the first place. A stand-in is never replaced itself. */
        char replaces[LIMBER_SESSION_ID_MAX];
};

const char *limber_session_kind_to_string(enum limber_session_kind k);
int limber_session_kind_from_string(const char *s);
const char *limber_rule_to_string(enum limber_rule r);
int limber_rule_from_string(const char *s);
const char *limber_session_status_to_string(enum limber_session_status s);
int limber_session_status_from_string(const char *s);

/* Whether the status is an outcome the user gave (or missed): such a session never moves. */
bool limber_session_status_is_final(enum limber_session_status s);

/* Writes the id for (rule, day, slot). */
void limber_session_make_id(char id[LIMBER_SESSION_ID_MAX], enum limber_rule rule, int day, unsigned slot);
/* Whether s has the form of a session id, for checking D-Bus arguments. */
bool limber_session_id_valid(const char *s);

/* The local day s belongs to: the day it was placed on. */
int limber_session_local_day(const struct limber_session *s);
