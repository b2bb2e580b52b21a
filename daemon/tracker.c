/* The sitting tracker: folds idle/active reports into the current sitting streak. Pure. */
#include "tracker.h"

const char *limber_desk_state_to_string(enum limber_desk_state s) {
        switch (s) {
        case LIMBER_DESK_ACTIVE: return "active";
        case LIMBER_DESK_IDLE: return "idle";
        case LIMBER_DESK_UNKNOWN: break;
        }
        return "unknown";
}

bool limber_tracker_advance(struct limber_tracker *t, usec_t now, usec_t natural_break) {
        if (t->state != LIMBER_DESK_IDLE || t->sitting_since == 0)
                return false;
        if (now < t->state_since + natural_break)
                return false;
        t->sitting_since = 0;
        return true;
}

bool limber_tracker_report(struct limber_tracker *t, bool idle, usec_t now, usec_t natural_break) {
        enum limber_desk_state s = idle ? LIMBER_DESK_IDLE : LIMBER_DESK_ACTIVE;

        /* A break that was long enough ends the streak even if no timer ran for it. */
        limber_tracker_advance(t, now, natural_break);

        if (t->state == s)
                return false;

        if (s == LIMBER_DESK_ACTIVE && t->sitting_since == 0)
                t->sitting_since = now;
        t->state = s;
        t->state_since = now;
        return true;
}

usec_t limber_tracker_deadline(const struct limber_tracker *t, usec_t natural_break) {
        if (t->state != LIMBER_DESK_IDLE || t->sitting_since == 0)
                return 0;
        return t->state_since + natural_break;
}

bool limber_tracker_break(struct limber_tracker *t, usec_t now) {
        bool changed = t->state != LIMBER_DESK_IDLE || t->sitting_since != 0;
        if (t->state != LIMBER_DESK_IDLE)
                t->state_since = now;
        t->state = LIMBER_DESK_IDLE;
        t->sitting_since = 0;
        return changed;
}
