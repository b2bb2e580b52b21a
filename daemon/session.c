/* Sessions: names of kinds, rules and statuses, and session ids. Pure. */
#include "session.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "localtime.h"
#include "util.h"

static const char *const kind_names[_LIMBER_SESSION_KIND_MAX] = {
        [LIMBER_SESSION_SMR] = "smr",
        [LIMBER_SESSION_MOBILITY] = "mobility",
        [LIMBER_SESSION_CARDIO] = "cardio",
};

static const char *const rule_names[_LIMBER_RULE_MAX] = {
        [LIMBER_RULE_WEEKLY] = "weekly",
        [LIMBER_RULE_WORKOUT] = "workout",
        [LIMBER_RULE_SPIKE] = "spike",
        [LIMBER_RULE_SITTING] = "sitting",
        [LIMBER_RULE_CARDIO] = "cardio",
};

static const char *const status_names[_LIMBER_STATUS_MAX] = {
        [LIMBER_STATUS_PLANNED] = "planned",
        [LIMBER_STATUS_COMPLETED] = "completed",
        [LIMBER_STATUS_SKIPPED] = "skipped",
        [LIMBER_STATUS_SNOOZED] = "snoozed",
        [LIMBER_STATUS_MISSED] = "missed",
        [LIMBER_STATUS_CANCELLED] = "cancelled",
};

static int lookup(const char *const *names, int n, const char *s) {
        for (int i = 0; i < n; i++)
                if (strcmp(names[i], s) == 0)
                        return i;
        return -EINVAL;
}

const char *limber_session_kind_to_string(enum limber_session_kind k) {
        return (unsigned) k < _LIMBER_SESSION_KIND_MAX ? kind_names[k] : NULL;
}

int limber_session_kind_from_string(const char *s) {
        return lookup(kind_names, _LIMBER_SESSION_KIND_MAX, s);
}

const char *limber_rule_to_string(enum limber_rule r) {
        return (unsigned) r < _LIMBER_RULE_MAX ? rule_names[r] : NULL;
}

int limber_rule_from_string(const char *s) {
        return lookup(rule_names, _LIMBER_RULE_MAX, s);
}

const char *limber_session_status_to_string(enum limber_session_status s) {
        return (unsigned) s < _LIMBER_STATUS_MAX ? status_names[s] : NULL;
}

int limber_session_status_from_string(const char *s) {
        return lookup(status_names, _LIMBER_STATUS_MAX, s);
}

bool limber_session_status_is_final(enum limber_session_status s) {
        return s == LIMBER_STATUS_COMPLETED || s == LIMBER_STATUS_SKIPPED || s == LIMBER_STATUS_MISSED;
}

void limber_session_make_id(char id[LIMBER_SESSION_ID_MAX], enum limber_rule rule, int day, unsigned slot) {
        char date[9];
        limber_format_day(day, date);
        snprintf(id, LIMBER_SESSION_ID_MAX, "%s_%s_%u", limber_rule_to_string(rule), date, slot);
}

bool limber_session_id_valid(const char *s) {
        size_t n = strlen(s);
        if (n == 0 || n >= LIMBER_SESSION_ID_MAX)
                return false;
        for (; *s; s++)
                if (!isalnum((unsigned char) *s) && *s != '_')
                        return false;
        return true;
}

int limber_session_local_day(const struct limber_session *s) {
        return s->local_day != 0 ? s->local_day : limber_local_day(s->start);
}
