/* Merging idle sources: the most direct live source decides, a lock or a suspend from
 * any live source wins, a source that went away stops counting. */
#include "check.h"
#include "idlemerge.h"

enum { ACTIVE = LIMBER_IDLE_ACTIVE, IDLE = LIMBER_IDLE_IDLE, LOCKED = LIMBER_IDLE_LOCKED,
       SUSPENDED = LIMBER_IDLE_SUSPENDED, GONE = LIMBER_IDLE_GONE };
enum { SESSION = LIMBER_IDLE_RANK_SESSION, DESKTOP = LIMBER_IDLE_RANK_DESKTOP, DISPLAY = LIMBER_IDLE_RANK_DISPLAY };

static const struct step {
        const char *what;
        const char *source;
        unsigned rank;
        int state;
        usec_t since;
        int want;               /* merged state after the step */
        usec_t want_since;
} steps[] = {
        { "logind says idle: the only source", "logind", SESSION, IDLE, 100, IDLE, 100 },
        { "the compositor says active: more direct, it decides", "wayland", DISPLAY, ACTIVE, 200, ACTIVE, 200 },
        { "logind says active again: the compositor still decides", "logind", SESSION, ACTIVE, 250, ACTIVE, 200 },
        { "logind's IdleHint, which some desktops set late, loses", "logind", SESSION, IDLE, 260, ACTIVE, 200 },
        { "the compositor says idle", "wayland", DISPLAY, IDLE, 300, IDLE, 300 },
        { "logind says locked: a lock always counts", "logind", SESSION, LOCKED, 310, LOCKED, 310 },
        { "the compositor says active while locked: still locked", "wayland", DISPLAY, ACTIVE, 320, LOCKED, 310 },
        { "unlocked: the compositor decides again", "logind", SESSION, ACTIVE, 330, ACTIVE, 320 },
        { "ReportIdle from a swayidle hook, as direct: the newest wins a tie", "dbus", DISPLAY, IDLE, 340, IDLE, 340 },
        { "the compositor again, newer", "wayland", DISPLAY, ACTIVE, 350, ACTIVE, 350 },
        { "suspend from logind", "logind", SESSION, SUSPENDED, 360, SUSPENDED, 360 },
        { "resume", "logind", SESSION, ACTIVE, 370, ACTIVE, 350 },
        { "the compositor goes away: the D-Bus reports decide", "wayland", DISPLAY, GONE, 0, IDLE, 340 },
        { "so does the D-Bus source: logind is left", "dbus", DISPLAY, GONE, 0, ACTIVE, 370 },
        { "logind goes away too: nobody can tell", "logind", SESSION, GONE, 0, GONE, 0 },
        { "a locked source that went away no longer locks", "screensaver", DESKTOP, LOCKED, 400, LOCKED, 400 },
        { "...", "screensaver", DESKTOP, GONE, 0, GONE, 0 },
};

int main(void) {
        struct limber_idle_merge m = { 0 };

        for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
                const struct step *s = &steps[i];
                usec_t since = 0;
                CHECK_CONTEXT("step %zu: %s", i + 1, s->what);
                CHECK_INT(limber_idle_merge_report(&m, s->source, s->rank, (enum limber_idle_state) s->state,
                                                   s->since), 0);
                CHECK_INT(limber_idle_merge_state(&m, &since), s->want);
                if (s->want != GONE)
                        CHECK_U64(since, s->want_since);
        }
        CHECK_CONTEXT_CLEAR();
        CHECK_INT(m.n, 4);
        limber_idle_merge_clear(&m);
        return check_summary("test-idlemerge");
}
