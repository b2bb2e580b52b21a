/* Tests for desktop notifications (notify.h) against a real server: Debian's dunst on an
 * Xvfb display and a private dbus-daemon, all started here, with the notifier in a real
 * sd-event loop. The user's side is dunstctl. A button is pressed the way dunst offers
 * from the command line: `dunstctl action N` opens the notification's context menu in
 * dmenu, and the dmenu here is a script that picks a line as a user would.
 *
 * Skipped (77) only when dbus-daemon, Xvfb, dunst or dunstctl cannot run here. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "check.h"
#include "log.h"
#include "notify.h"
#include "parse.h"
#include "util.h"

#define EXIT_SKIP 77
#define WAIT_USEC (10 * USEC_PER_SEC)

#define DUNST_NAME  "org.freedesktop.Notifications"
#define DUNST_PATH  "/org/freedesktop/Notifications"
#define DUNST_IFACE "org.dunstproject.cmd0"

static char tmpdir[] = "/tmp/limber-test-notify-XXXXXX";
static char bus_conf[300], rc_markup[300], rc_plain[300], pick_script[300], pick_path[300], menu_path[300];
static char server_log[300], limber_log_path[300];
static pid_t bus_pid = -1, x_pid = -1, dunst_pid = -1;
static sigset_t original_mask;
static const char *skip_reason;

/* What the notifier told the test. */
static struct {
        char session[64];
        char action[16];
        unsigned actions;
        unsigned resumed;
} got;

static void on_action(const char *session_id, const char *action, void *userdata) {
        snprintf(got.session, sizeof got.session, "%s", session_id);
        snprintf(got.action, sizeof got.action, "%s", action);
        got.actions++;
}

static void on_resumed(void *userdata) {
        got.resumed++;
}

static usec_t mono(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (usec_t) ts.tv_sec * USEC_PER_SEC + (usec_t) ts.tv_nsec / 1000;
}

/* Runs the loop a little; false once the deadline has passed. */
static bool tick(sd_event *e, usec_t deadline) {
        if (mono() > deadline)
                return false;
        return sd_event_run(e, 20 * USEC_PER_MSEC) >= 0;
}

/* Runs the loop until cond holds or WAIT_USEC pass; the CHECK after it tells which. */
#define WAIT_FOR(e, cond)                                               \
        do {                                                            \
                usec_t end_ = mono() + WAIT_USEC;                       \
                while (!(cond) && tick((e), end_))                      \
                        ;                                               \
        } while (0)

/* Runs the loop until nothing happens for 300 ms: every call answered, every signal in. */
static bool settle(sd_event *e) {
        for (int i = 0; i < 100; i++) {
                int r = sd_event_run(e, 300 * USEC_PER_MSEC);
                if (r < 0)
                        return false;
                if (r == 0)
                        return true;
        }
        return false;
}

static char *read_file(const char *path) {
        FILE *f = fopen(path, "re");
        char *buf = NULL;
        size_t size = 0;

        if (!f)
                return strdup("");
        if (getdelim(&buf, &size, '\0', f) < 0) {
                free(buf);
                buf = strdup("");
        }
        fclose(f);
        return buf;
}

static void write_file(const char *path, const char *text, mode_t mode) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

        if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t) strlen(text) || fchmod(fd, mode) < 0)
                abort();
        close(fd);
}

/* Starts argv with stdout and stderr appended to the servers' log; keep_fd stays open
 * in the child (an address or display pipe). The child dies with the test. */
static pid_t spawn(const char *const *argv, int keep_fd) {
        pid_t pid = fork();

        if (pid < 0)
                abort();
        if (pid == 0) {
                int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
                int out = open(server_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

                /* SIGCHLD is blocked for sd-event here; dunst's GLib needs it to reap dmenu. */
                sigprocmask(SIG_SETMASK, &original_mask, NULL);
                (void) prctl(PR_SET_PDEATHSIG, SIGTERM);
                if (in < 0 || out < 0 || dup2(in, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 ||
                    dup2(out, STDERR_FILENO) < 0)
                        _exit(127);
                if (keep_fd >= 0 && fcntl(keep_fd, F_SETFD, 0) < 0)
                        _exit(127);
                execvp(argv[0], (char **) argv);
                _exit(127);
        }
        return pid;
}

static void stop(pid_t *pid) {
        if (*pid <= 0)
                return;
        kill(*pid, SIGTERM);
        waitpid(*pid, NULL, 0);
        *pid = -1;
}

/* One line from a server's startup pipe, or false after 10 s or at EOF. */
static bool read_line(int fd, char *buf, size_t size) {
        size_t n = 0;
        usec_t end = mono() + WAIT_USEC;

        while (n + 1 < size) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                usec_t now = mono();
                if (now >= end || poll(&p, 1, (int) ((end - now) / USEC_PER_MSEC) + 1) <= 0)
                        return false;
                ssize_t k = read(fd, buf + n, 1);
                if (k <= 0)
                        return false;
                if (buf[n] == '\n')
                        break;
                n++;
        }
        buf[n] = '\0';
        return n > 0;
}

/* A session bus of its own, so neither the host's bus nor its service files matter. */
static bool start_bus(void) {
        char address[512], arg[64], config[1024];
        int fds[2];

        snprintf(config, sizeof config,
                 "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
                 " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
                 "<busconfig>\n"
                 "  <type>session</type>\n"
                 "  <listen>unix:tmpdir=%s</listen>\n"
                 "  <auth>EXTERNAL</auth>\n"
                 "  <policy context=\"default\">\n"
                 "    <allow user=\"*\"/>\n"
                 "    <allow send_destination=\"*\" eavesdrop=\"true\"/>\n"
                 "    <allow eavesdrop=\"true\"/>\n"
                 "    <allow own=\"*\"/>\n"
                 "  </policy>\n"
                   "</busconfig>\n", tmpdir);
        write_file(bus_conf, config, 0600);
        if (pipe2(fds, O_CLOEXEC) < 0)
                abort();
        snprintf(arg, sizeof arg, "--print-address=%d", fds[1]);
        char config_arg[400];
        snprintf(config_arg, sizeof config_arg, "--config-file=%s", bus_conf);
        bus_pid = spawn((const char *[]) { "dbus-daemon", config_arg, "--nofork", "--nopidfile", arg, NULL }, fds[1]);
        close(fds[1]);
        bool ok = read_line(fds[0], address, sizeof address);
        close(fds[0]);
        if (!ok)
                return false;
        setenv("DBUS_SESSION_BUS_ADDRESS", address, 1);
        return true;
}

/* Xvfb picks a free display itself (-displayfd) and writes its number once ready. */
static bool start_x(void) {
        char display[32], number[16], arg[16];
        int fds[2];

        if (pipe2(fds, O_CLOEXEC) < 0)
                abort();
        snprintf(arg, sizeof arg, "%d", fds[1]);
        x_pid = spawn((const char *[]) { "Xvfb", "-displayfd", arg, "-nolisten", "tcp", "-screen", "0",
                                         "800x600x24", NULL }, fds[1]);
        close(fds[1]);
        bool ok = read_line(fds[0], number, sizeof number);
        close(fds[0]);
        if (!ok)
                return false;
        snprintf(display, sizeof display, ":%s", number);
        setenv("DISPLAY", display, 1);
        return true;
}

static char *name_owner(sd_bus *u) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *owner;

        if (sd_bus_call_method(u, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                               "GetNameOwner", NULL, &reply, "s", DUNST_NAME) < 0 ||
            sd_bus_message_read(reply, "s", &owner) < 0)
                return NULL;
        return strdup(owner);
}

/* Starts dunst and waits until it owns org.freedesktop.Notifications (the loop runs
 * meanwhile, so the notifier sees it come). */
static bool start_dunst(sd_event *e, sd_bus *u, const char *config) {
        char *owner = NULL;
        usec_t end = mono() + WAIT_USEC;

        dunst_pid = spawn((const char *[]) { "dunst", "-config", config, NULL }, -1);
        while (!(owner = name_owner(u))) {
                if (waitpid(dunst_pid, NULL, WNOHANG) == dunst_pid) {
                        dunst_pid = -1;
                        return false;
                }
                if (!tick(e, end))
                        return false;
        }
        free(owner);
        return true;
}

static unsigned dunst_count(sd_bus *u, const char *which) {
        char property[32];
        uint32_t v = 9999;

        snprintf(property, sizeof property, "%sLength", which);
        if (sd_bus_get_property_trivial(u, DUNST_NAME, DUNST_PATH, DUNST_IFACE, property, NULL, 'u', &v) < 0)
                return 9999;
        return v;
}

static int on_child(sd_event_source *s, const siginfo_t *si, void *userdata) {
        int *status = userdata;

        *status = si->si_code == CLD_EXITED ? si->si_status : -1;
        return 0;
}

/* Runs dunstctl ARGS as a user would, with the loop running until it exits. */
static int dunstctl(sd_event *e, const char *a, const char *b) {
        _cleanup_(sd_event_source_unrefp) sd_event_source *s = NULL;
        int status = -2;
        pid_t pid = spawn((const char *[]) { "dunstctl", a, b, NULL }, -1);

        if (sd_event_add_child(e, &s, pid, WEXITED, on_child, &status) < 0)
                abort();
        while (status == -2)
                if (sd_event_run(e, UINT64_MAX) < 0)
                        abort();
        return status;
}

/* Presses the button for key on the notification at position (dunst's order) through
 * its context menu, and returns the menu dunst offered. */
static char *press(sd_event *e, unsigned position, const char *key) {
        char pos[16];

        write_file(pick_path, key, 0600);
        unlink(menu_path);
        snprintf(pos, sizeof pos, "%u", position);
        CHECK_INT(dunstctl(e, "action", pos), 0);
        WAIT_FOR(e, access(menu_path, F_OK) == 0);
        return read_file(menu_path);
}

/* Whether the context menu offered exactly Done, Snooze and Skip for summary. */
static bool menu_has_buttons(const char *menu, const char *summary) {
        static const char *const buttons[][2] = { { "Done", "done" }, { "Snooze", "snooze" }, { "Skip", "skip" } };
        const char *bracket = strrchr(menu, '[');
        unsigned id, lines = 0;
        char line[256];

        if (!bracket || sscanf(bracket, "[%u,", &id) != 1)
                return false;
        for (const char *p = menu; *p; p++)
                lines += *p == '\n';
        if (menu[0] && menu[strlen(menu) - 1] != '\n')
                lines++;
        if (lines != ELEMENTSOF(buttons))
                return false;
        for (size_t i = 0; i < ELEMENTSOF(buttons); i++) {
                snprintf(line, sizeof line, "#%s (%s) [%u,%s]", buttons[i][0], summary, id, buttons[i][1]);
                if (!strstr(menu, line))
                        return false;
        }
        return true;
}

/* The summary a menu line names: "#Done (SUMMARY) [3,done]". */
static void menu_summary(const char *menu, char *buf, size_t size) {
        const char *open = strchr(menu, '('), *close = strstr(menu, ") [");

        buf[0] = '\0';
        if (open && close && close > open)
                snprintf(buf, size, "%.*s", (int) (close - open - 1), open + 1);
}

/* A string field of the history entry with that summary (the newest such), from
 * dunst's own NotificationListHistory. */
static bool history_field(sd_bus *u, const char *summary, const char *field, char *buf, size_t size) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        bool found = false;
        int r;

        buf[0] = '\0';
        r = sd_bus_call_method(u, DUNST_NAME, DUNST_PATH, DUNST_IFACE, "NotificationListHistory", NULL, &reply, NULL);
        if (r < 0 || sd_bus_message_enter_container(reply, 'a', "a{sv}") < 0)
                return false;
        while (!found && sd_bus_message_enter_container(reply, 'a', "{sv}") > 0) {
                char this_summary[256] = "", value[1024] = "";
                const char *key, *s;

                while (sd_bus_message_enter_container(reply, 'e', "sv") > 0) {
                        if (sd_bus_message_read(reply, "s", &key) < 0)
                                return false;
                        if (strcmp(key, "summary") == 0 || strcmp(key, field) == 0) {
                                if (sd_bus_message_read(reply, "v", "s", &s) < 0)
                                        return false;
                                if (strcmp(key, "summary") == 0)
                                        snprintf(this_summary, sizeof this_summary, "%s", s);
                                if (strcmp(key, field) == 0)
                                        snprintf(value, sizeof value, "%s", s);
                        } else if (sd_bus_message_skip(reply, "v") < 0)
                                return false;
                        if (sd_bus_message_exit_container(reply) < 0)
                                return false;
                }
                if (sd_bus_message_exit_container(reply) < 0)
                        return false;
                if (strcmp(this_summary, summary) == 0) {
                        snprintf(buf, size, "%s", value);
                        found = true;
                }
        }
        return found;
}

static unsigned count_occurrences(const char *text, const char *what) {
        unsigned n = 0;

        for (const char *p = strstr(text, what); p; p = strstr(p + 1, what))
                n++;
        return n;
}

/* Redirects stderr (the notifier's log) to a file, and back. */
static int saved_stderr = -1;

static void capture_log(void) {
        int fd = open(limber_log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

        fflush(stderr);
        saved_stderr = dup(STDERR_FILENO);
        if (fd < 0 || saved_stderr < 0 || dup2(fd, STDERR_FILENO) < 0)
                abort();
        close(fd);
        limber_log_set_verbose(true);
}

static char *end_capture(void) {
        fflush(stderr);
        dup2(saved_stderr, STDERR_FILENO);
        close(saved_stderr);
        limber_log_set_verbose(false);
        return read_file(limber_log_path);
}

static const struct {
        const char *session;
        const char *summary;
        const char *body;
        const char *body_markup;        /* as a server that reads markup must get it */
} sessions[] = {
        { "weekly_20261123_0", "Foam rolling: erectors", "Two balls either side of the spine & breathe",
          "Two balls either side of the spine &amp; breathe" },
        { "sitting_20261123_1", "Mobility break", "Cat-cow: hips < knees > nothing",
          "Cat-cow: hips &lt; knees &gt; nothing" },
};

static void test_bad_arguments(struct limber_notifier *n) {
        CHECK_CONTEXT("bad arguments");
        CHECK_INT(limber_notifier_show(n, "", "s", "b"), -EINVAL);
        CHECK_INT(limber_notifier_show(n, NULL, "s", "b"), -EINVAL);
        CHECK_INT(limber_notifier_show(n, "x", NULL, "b"), -EINVAL);
        CHECK_INT(limber_notifier_show(n, "x", "s", NULL), -EINVAL);
        CHECK_INT(limber_notifier_show(n, "x", "caf\xc3", "b"), -EINVAL);              /* cut short */
        CHECK_INT(limber_notifier_show(n, "x", "s", "\xc0\xaf"), -EINVAL);             /* overlong '/' */
        CHECK_INT(limber_notifier_show(n, "x", "s", "\xed\xa0\x80"), -EINVAL);         /* a surrogate */
        CHECK_INT(limber_notifier_show(NULL, "x", "s", "b"), -EINVAL);
        limber_notifier_close(n, "never-shown");
        limber_notifier_close(NULL, "x");
        CHECK(!limber_notifier_inhibited(NULL));
        CHECK_CONTEXT_CLEAR();
}

static void run(sd_event *e, sd_bus *b, sd_bus *u) {
        _cleanup_(limber_notifier_freep) struct limber_notifier *n = NULL;
        char *menu, *log, summary[256], value[1024];
        const char *expected_session;
        unsigned before;

        CHECK_CONTEXT("no notification server on the bus");
        capture_log();
        int r = limber_notifier_new(b, on_action, on_resumed, NULL, &n);
        CHECK_INT(r, 0);
        if (r < 0) {
                free(end_capture());
                return;
        }
        CHECK(settle(e));
        for (size_t i = 0; i < ELEMENTSOF(sessions); i++)
                CHECK_INT(limber_notifier_show(n, sessions[i].session, sessions[i].summary, sessions[i].body), 0);
        CHECK(settle(e));
        /* Asked again while still absent: said once only. */
        CHECK_INT(limber_notifier_show(n, sessions[0].session, sessions[0].summary, sessions[0].body), 0);
        CHECK(settle(e));
        CHECK(!limber_notifier_inhibited(n));
        log = end_capture();
        CHECK_INT(count_occurrences(log, "No notification server"), 1);
        CHECK(strstr(log, "<7>") != NULL);
        CHECK(strstr(log, "<4>") == NULL && strstr(log, "<3>") == NULL);
        free(log);
        test_bad_arguments(n);

        CHECK_CONTEXT("a server that appears later shows what waited");
        if (!start_dunst(e, u, rc_markup)) {
                skip_reason = "dunst did not take org.freedesktop.Notifications";
                return;
        }
        WAIT_FOR(e, dunst_count(u, "displayed") == 2);
        CHECK_INT(dunst_count(u, "displayed"), 2);

        CHECK_CONTEXT("Done pressed in dunst's menu reaches the right session");
        menu = press(e, 0, "done");
        menu_summary(menu, summary, sizeof summary);
        CHECK(menu_has_buttons(menu, summary));
        expected_session = strcmp(summary, sessions[0].summary) == 0 ? sessions[0].session :
                           strcmp(summary, sessions[1].summary) == 0 ? sessions[1].session : "(unknown summary)";
        WAIT_FOR(e, got.actions == 1);
        CHECK_INT(got.actions, 1);
        CHECK_STR(got.session, expected_session);
        CHECK_STR(got.action, "done");
        free(menu);

        CHECK_CONTEXT("answered: limber closes it (dunst would leave it up)");
        WAIT_FOR(e, dunst_count(u, "displayed") == 1);
        CHECK_INT(dunst_count(u, "displayed"), 1);
        CHECK(history_field(u, summary, "appname", value, sizeof value));
        CHECK_STR(value, "limber");
        CHECK(history_field(u, summary, "category", value, sizeof value));
        CHECK_STR(value, "x-limber.reminder");
        CHECK(history_field(u, summary, "body", value, sizeof value));
        CHECK_STR(value, strcmp(summary, sessions[0].summary) == 0 ? sessions[0].body_markup : sessions[1].body_markup);

        CHECK_CONTEXT("Skip on the other one");
        char first[256];
        snprintf(first, sizeof first, "%s", summary);
        menu = press(e, 0, "skip");
        menu_summary(menu, summary, sizeof summary);
        CHECK(menu_has_buttons(menu, summary));
        CHECK(strcmp(summary, first) != 0);
        expected_session = strcmp(summary, sessions[0].summary) == 0 ? sessions[0].session :
                           strcmp(summary, sessions[1].summary) == 0 ? sessions[1].session : "(unknown summary)";
        WAIT_FOR(e, got.actions == 2);
        CHECK_INT(got.actions, 2);
        CHECK_STR(got.session, expected_session);
        CHECK_STR(got.action, "skip");
        free(menu);
        WAIT_FOR(e, dunst_count(u, "displayed") == 0);
        CHECK_INT(dunst_count(u, "displayed"), 0);

        CHECK_CONTEXT("shown again for the same session: replaced, even while the first is in flight");
        CHECK_INT(limber_notifier_show(n, "cardio_20261124_0", "Brisk walk", "30 min"), 0);
        CHECK_INT(limber_notifier_show(n, "cardio_20261124_0", "Brisk walk, now", "30 min, midday"), 0);
        CHECK(settle(e));
        CHECK_INT(limber_notifier_show(n, "cardio_20261124_0", "Brisk walk, really now", "30 min"), 0);
        CHECK(settle(e));
        CHECK_INT(dunst_count(u, "displayed"), 1);
        menu = press(e, 0, "snooze");
        CHECK(menu_has_buttons(menu, "Brisk walk, really now"));
        WAIT_FOR(e, got.actions == 3);
        CHECK_STR(got.session, "cardio_20261124_0");
        CHECK_STR(got.action, "snooze");
        free(menu);
        WAIT_FOR(e, dunst_count(u, "displayed") == 0);
        CHECK_INT(dunst_count(u, "displayed"), 0);

        CHECK_CONTEXT("closed after an outcome given elsewhere, also before Notify was answered");
        CHECK_INT(limber_notifier_show(n, "weekly_20261125_0", "Closed later", "x"), 0);
        CHECK(settle(e));
        CHECK_INT(dunst_count(u, "displayed"), 1);
        limber_notifier_close(n, "weekly_20261125_0");
        WAIT_FOR(e, dunst_count(u, "displayed") == 0);
        CHECK_INT(dunst_count(u, "displayed"), 0);
        CHECK(history_field(u, "Closed later", "summary", value, sizeof value));
        CHECK_INT(limber_notifier_show(n, "weekly_20261125_1", "Closed at once", "x"), 0);
        limber_notifier_close(n, "weekly_20261125_1");
        CHECK(settle(e));
        CHECK_INT(dunst_count(u, "displayed"), 0);
        CHECK_INT(got.actions, 3);

        CHECK_CONTEXT("dismissed by the user, then shown again: the new one answers");
        CHECK_INT(limber_notifier_show(n, "sitting_20261125_0", "Dismissed", "x"), 0);
        CHECK(settle(e));
        CHECK_INT(dunst_count(u, "displayed"), 1);
        CHECK_INT(dunstctl(e, "close", NULL), 0);
        WAIT_FOR(e, dunst_count(u, "displayed") == 0);
        CHECK(settle(e));
        CHECK_INT(got.actions, 3);
        CHECK_INT(limber_notifier_show(n, "sitting_20261125_0", "Dismissed, back", "x"), 0);
        CHECK(settle(e));
        CHECK_INT(dunst_count(u, "displayed"), 1);
        menu = press(e, 0, "done");
        CHECK(menu_has_buttons(menu, "Dismissed, back"));
        WAIT_FOR(e, got.actions == 4);
        CHECK_STR(got.session, "sitting_20261125_0");
        CHECK_STR(got.action, "done");
        free(menu);
        WAIT_FOR(e, dunst_count(u, "displayed") == 0);

        CHECK_CONTEXT("a stopped server: show() returns at once and the loop runs on");
        kill(dunst_pid, SIGSTOP);
        usec_t t0 = mono();
        CHECK_INT(limber_notifier_show(n, "sitting_20261125_1", "Slow server", "x"), 0);
        CHECK(mono() - t0 < 100 * USEC_PER_MSEC);
        t0 = mono();
        CHECK(settle(e));
        CHECK(mono() - t0 < 2 * USEC_PER_SEC);
        kill(dunst_pid, SIGCONT);
        WAIT_FOR(e, dunst_count(u, "displayed") == 1);
        CHECK_INT(dunst_count(u, "displayed"), 1);
        limber_notifier_close(n, "sitting_20261125_1");
        WAIT_FOR(e, dunst_count(u, "displayed") == 0);
        CHECK_INT(dunst_count(u, "displayed"), 0);

        CHECK_CONTEXT("dunst paused: inhibited; resumed when un-paused");
        CHECK(!limber_notifier_inhibited(n));
        CHECK_INT(dunstctl(e, "set-paused", "true"), 0);
        WAIT_FOR(e, limber_notifier_inhibited(n));
        CHECK(limber_notifier_inhibited(n));
        CHECK_INT(got.resumed, 0);
        CHECK_INT(limber_notifier_show(n, "sitting_20261126_0", "Held by dunst", "x"), 0);
        CHECK(settle(e));
        CHECK_INT(dunst_count(u, "waiting"), 1);
        CHECK_INT(dunst_count(u, "displayed"), 0);
        CHECK_INT(dunstctl(e, "set-paused", "false"), 0);
        WAIT_FOR(e, got.resumed == 1);
        CHECK_INT(got.resumed, 1);
        CHECK(!limber_notifier_inhibited(n));
        WAIT_FOR(e, dunst_count(u, "displayed") == 1);
        CHECK_INT(dunst_count(u, "displayed"), 1);

        CHECK_CONTEXT("a notifier started while dunst is paused reads it at once");
        CHECK_INT(dunstctl(e, "set-paused", "true"), 0);
        WAIT_FOR(e, limber_notifier_inhibited(n));
        {
                _cleanup_(limber_notifier_freep) struct limber_notifier *n2 = NULL;
                CHECK_INT(limber_notifier_new(b, NULL, NULL, NULL, &n2), 0);
                WAIT_FOR(e, limber_notifier_inhibited(n2));
                CHECK(limber_notifier_inhibited(n2));
        }

        CHECK_CONTEXT("the paused server goes away: not inhibited any more");
        before = got.resumed;
        stop(&dunst_pid);
        WAIT_FOR(e, !limber_notifier_inhibited(n));
        CHECK(!limber_notifier_inhibited(n));
        CHECK_INT(got.resumed, before + 1);
        CHECK_INT(limber_notifier_show(n, "weekly_20261126_1", "Markup check", "a & b < c"), 0);
        CHECK(settle(e));

        CHECK_CONTEXT("a new server (without markup) gets what is still wanted, with its own ids");
        if (!CHECK(start_dunst(e, u, rc_plain)))
                return;
        WAIT_FOR(e, dunst_count(u, "displayed") == 2);
        CHECK_INT(dunst_count(u, "displayed"), 2);
        CHECK(!limber_notifier_inhibited(n));
        limber_notifier_close(n, "weekly_20261126_1");
        WAIT_FOR(e, dunst_count(u, "displayed") == 1);
        CHECK(history_field(u, "Markup check", "body", value, sizeof value));
        CHECK_STR(value, "a & b < c");
        menu = press(e, 0, "done");
        CHECK(menu_has_buttons(menu, "Held by dunst"));
        WAIT_FOR(e, got.actions == 5);
        CHECK_STR(got.session, "sitting_20261126_0");
        CHECK_STR(got.action, "done");
        free(menu);
        WAIT_FOR(e, dunst_count(u, "displayed") == 0);
        CHECK_INT(dunst_count(u, "displayed"), 0);

        CHECK_CONTEXT("freed with a notification up: it is closed, its buttons would reach no one");
        CHECK_INT(limber_notifier_show(n, "weekly_20261127_0", "Left up", "x"), 0);
        CHECK(settle(e));
        CHECK_INT(dunst_count(u, "displayed"), 1);
        limber_notifier_free(n);
        n = NULL;
        WAIT_FOR(e, dunst_count(u, "displayed") == 0);
        CHECK_INT(dunst_count(u, "displayed"), 0);

        CHECK_CONTEXT("idle: nothing wakes the loop");
        CHECK(settle(e));
        CHECK_INT(sd_event_run(e, 500 * USEC_PER_MSEC), 0);
        CHECK_CONTEXT_CLEAR();
}

static bool have(const char *program) {
        const char *path = getenv("PATH");
        char buf[4096];

        if (!path)
                path = "/usr/bin:/bin";
        for (const char *p = path; *p;) {
                size_t len = strcspn(p, ":");
                snprintf(buf, sizeof buf, "%.*s/%s", (int) len, p, program);
                if (access(buf, X_OK) == 0)
                        return true;
                p += len + (p[len] == ':');
        }
        return false;
}

/* Everything in tmpdir: the files written here and dbus-daemon's socket. */
static void cleanup_files(void) {
        DIR *d = opendir(tmpdir);
        struct dirent *de;

        while (d && (de = readdir(d)))
                if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
                        (void) unlinkat(dirfd(d), de->d_name, 0);
        if (d)
                closedir(d);
        rmdir(tmpdir);
}

int main(void) {
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        sd_bus *b = NULL, *u = NULL;
        sigset_t mask;
        char text[2048];

        static const char *const programs[] = { "dbus-daemon", "Xvfb", "dunst", "dunstctl", "dbus-send" };
        for (size_t i = 0; i < ELEMENTSOF(programs); i++)
                if (!have(programs[i])) {
                        printf("test-notify: SKIP: %s not found (Debian: dunst, xvfb, dbus-daemon, dbus-bin)\n",
                               programs[i]);
                        return EXIT_SKIP;
                }

        /* sd_event_add_child wants SIGCHLD blocked before any child exists. */
        sigemptyset(&mask);
        sigaddset(&mask, SIGCHLD);
        sigprocmask(SIG_BLOCK, &mask, &original_mask);

        if (!mkdtemp(tmpdir) || sd_event_new(&e) < 0) {
                perror("test-notify: setup");
                return 1;
        }
        snprintf(bus_conf, sizeof bus_conf, "%s/bus.conf", tmpdir);
        snprintf(rc_markup, sizeof rc_markup, "%s/dunstrc-markup", tmpdir);
        snprintf(rc_plain, sizeof rc_plain, "%s/dunstrc-plain", tmpdir);
        snprintf(pick_script, sizeof pick_script, "%s/pick", tmpdir);
        snprintf(pick_path, sizeof pick_path, "%s/picked-key", tmpdir);
        snprintf(menu_path, sizeof menu_path, "%s/menu", tmpdir);
        snprintf(server_log, sizeof server_log, "%s/servers.log", tmpdir);
        snprintf(limber_log_path, sizeof limber_log_path, "%s/limber.log", tmpdir);

        /* dunst's context menu (dunstctl action) pipes one line per action to dmenu,
         * "#Label (summary) [id,key]", and invokes the line dmenu prints. This dmenu keeps
         * what it was offered and picks the line whose key the test wrote. The menu is
         * written under another name and renamed, so the test never reads half of it. */
        snprintf(text, sizeof text,
                 "#!/bin/sh\n"
                 "cat > '%s.tmp'\n"
                 "grep -m1 \",$(cat '%s')]\\$\" '%s.tmp'\n"
                 "mv '%s.tmp' '%s'\n", menu_path, pick_path, menu_path, menu_path, menu_path);
        write_file(pick_script, text, 0700);
        /* As Debian's /etc/xdg/dunst/dunstrc: markup = full, so dunst announces body-markup. */
        snprintf(text, sizeof text, "[global]\n    markup = full\n    dmenu = %s\n", pick_script);
        write_file(rc_markup, text, 0600);
        /* dunst's built-in default: no markup, and no body-markup capability. */
        snprintf(text, sizeof text, "[global]\n    markup = no\n    dmenu = %s\n", pick_script);
        write_file(rc_plain, text, 0600);

        /* dunst would take a Wayland compositor over the X display. */
        unsetenv("WAYLAND_DISPLAY");
        if (!start_bus())
                skip_reason = "dbus-daemon did not start";
        else if (!start_x())
                skip_reason = "Xvfb did not start";
        else if (sd_bus_open_user(&b) < 0 || sd_bus_attach_event(b, e, 0) < 0 || sd_bus_open_user(&u) < 0) {
                fprintf(stderr, "test-notify: cannot connect to the private bus\n");
                return 1;
        } else
                run(e, b, u);

        if (b) {
                sd_bus_flush(b);
                sd_bus_detach_event(b);
        }
        sd_bus_flush_close_unref(b);
        sd_bus_flush_close_unref(u);
        stop(&dunst_pid);
        stop(&x_pid);
        stop(&bus_pid);

        if (skip_reason) {
                char *servers = read_file(server_log);
                printf("test-notify: SKIP: %s\n%s", skip_reason, servers);
                free(servers);
                cleanup_files();
                return EXIT_SKIP;
        }
        if (check_failures) {
                char *servers = read_file(server_log);
                printf("----- dbus-daemon, Xvfb and dunst output -----\n%s", servers);
                free(servers);
        }
        cleanup_files();
        return check_summary("test-notify");
}
