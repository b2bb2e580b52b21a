/* Routines: every shipped file loads with a title and steps, a user's file of the same
 * name replaces the shipped one, and a bad file is refused with FILE:LINE. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "routines.h"

static const char *const shipped[] = {
        "after-ride", "after-run", "after-workout", "brisk-walk", "desk-break", "spike", "weekly",
};

static char *write_file(const char *dir, const char *name, const char *text) {
        char *path;
        if (asprintf(&path, "%s/%s", dir, name) < 0)
                return NULL;
        FILE *f = fopen(path, "we");
        if (f) {
                fputs(text, f);
                fclose(f);
        }
        return path;
}

static void test_shipped(const char *conf) {
        const char *dirs[] = { conf, NULL };
        struct limber_routines r;

        CHECK_INT(limber_routines_load(dirs, &r), 0);
        CHECK_INT(r.n, sizeof shipped / sizeof shipped[0]);
        for (size_t i = 0; i < sizeof shipped / sizeof shipped[0]; i++) {
                CHECK_CONTEXT("%s", shipped[i]);
                const struct limber_routine *x = limber_routines_find(&r, shipped[i]);
                CHECK(x != NULL);
                if (!x)
                        continue;
                CHECK(x->title && x->title[0]);
                CHECK(x->regions && x->regions[0]);
                CHECK(x->n_steps >= 3);
                CHECK(x->steps[x->n_steps] == NULL);
                CHECK(x->minutes > 0);
        }
        CHECK_CONTEXT("%s", "");
        /* The design's erectors advice: two balls beside the spine, never on it. */
        const struct limber_routine *spike = limber_routines_find(&r, "spike");
        bool found = false;
        for (size_t i = 0; spike && i < spike->n_steps; i++)
                found = found || (strstr(spike->steps[i], "two balls") && strstr(spike->steps[i], "never on"));
        CHECK(found);
        CHECK(limber_routines_find(&r, "nonexistent") == NULL);
        limber_routines_clear(&r);
}

static void test_override_and_errors(const char *conf) {
        char tmpl[] = "/tmp/limber-test-routines-XXXXXX";
        char *dir = mkdtemp(tmpl);
        CHECK(dir != NULL);
        if (!dir)
                return;

        char *mine = write_file(dir, "weekly.ini",
                                "[routine]\ntitle = My evening rolling\nregions = back\n[steps]\nstep = Roll.\n");
        char *bad_key = write_file(dir, "bad-key.ini", "[routine]\ntitle = X\ncolour = red\n[steps]\nstep = a\n");
        char *no_steps = write_file(dir, "no-steps.ini", "[routine]\ntitle = X\n");
        char *syntax = write_file(dir, "syntax.ini", "[routine]\ntitle = X\n[steps]\nstep = a\njunk\n");
        char *ignored = write_file(dir, "notes.txt", "not a routine\n");

        const char *dirs[] = { conf, dir, NULL };
        struct limber_routines r;
        CHECK_INT(limber_routines_load(dirs, &r), 0);
        const struct limber_routine *w = limber_routines_find(&r, "weekly");
        CHECK(w && strcmp(w->title, "My evening rolling") == 0);
        CHECK(w && w->n_steps == 1);
        CHECK(limber_routines_find(&r, "bad-key") == NULL);
        CHECK(limber_routines_find(&r, "notes") == NULL);
        CHECK_INT(r.n, sizeof shipped / sizeof shipped[0]);
        limber_routines_clear(&r);

        static const struct {
                const char *file, *line, *message;
        } bad[] = {
                { "bad-key.ini", "3", "unknown key in [routine] (known: title, regions, minutes)" },
                { "no-steps.ini", NULL, "no 'step' in [steps]" },
                { "syntax.ini", "5", "syntax error: expected [section] or key = value" },
        };
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
                char *path, *expected, *error = NULL;
                struct limber_routine x;
                CHECK_CONTEXT("%s", bad[i].file);
                if (asprintf(&path, "%s/%s", dir, bad[i].file) < 0 ||
                    (bad[i].line ? asprintf(&expected, "%s:%s: %s", path, bad[i].line, bad[i].message)
                                 : asprintf(&expected, "%s: %s", path, bad[i].message)) < 0)
                        continue;
                CHECK_INT(limber_routine_load_file(path, &x, &error), -EINVAL);
                CHECK_STR(error, expected);
                free(error);
                free(expected);
                free(path);
        }
        CHECK_CONTEXT("%s", "");

        char *paths[] = { mine, bad_key, no_steps, syntax, ignored };
        for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
                if (paths[i])
                        unlink(paths[i]);
                free(paths[i]);
        }
        rmdir(dir);
}

static char *repeat(char c, size_t n) {
        char *s = malloc(n + 1);
        if (s) {
                memset(s, c, n);
                s[n] = '\0';
        }
        return s;
}

/* A step longer than inih's 200-byte line is one step, whole; a line past the limit is
 * refused at its own number, and the lines after it keep theirs. */
static void test_long_lines(void) {
        char tmpl[] = "/tmp/limber-test-routines-XXXXXX";
        char *dir = mkdtemp(tmpl);
        char *step = repeat('x', 3000), *huge = repeat('y', 5000), *comment = repeat('c', 400);
        char *text = NULL, *path = NULL, *expected = NULL, *error = NULL;
        struct limber_routine x = { 0 };

        CHECK(dir && step && huge && comment);
        if (!dir || !step || !huge || !comment)
                return;

        /* Accepted: the long step and its inline comment dropped, as inih does for short ones. */
        if (asprintf(&text, "[routine]\ntitle = Long\n; %s\n[steps]\nstep =  %s ; a note\nstep = short\n"
                            "  %s\n", comment, step, step) >= 0)
                path = write_file(dir, "long.ini", text);
        CHECK_INT(limber_routine_load_file(path, &x, &error), 0);
        CHECK_STR(error, NULL);
        CHECK_INT(x.n_steps, 3);
        if (x.n_steps == 3) {
                CHECK_STR(x.steps[0], step);
                CHECK_STR(x.steps[1], "short");
                CHECK_STR(x.steps[2], step);  /* an indented line continues the last key */
        }
        limber_routine_clear(&x);
        free(error);
        error = NULL;
        unlink(path);
        free(path);
        free(text);

        static const struct {
                const char *name, *format, *line, *message;
        } bad[] = {
                { "huge.ini", "[routine]\ntitle = X\n[steps]\nstep = a\nstep = %s\nstep = b\n", "5",
                  "line longer than 4096 bytes" },
                { "after.ini", "[routine]\ntitle = X\n[steps]\nstep = %.3000s\njunk\n", "5",
                  "syntax error: expected [section] or key = value" },
                { "key.ini", "[routine]\ntitle = X\n[steps]\nstep = a\n%.3000s\n", "5",
                  "syntax error: expected [section] or key = value" },
                { "colour.ini", "[routine]\ntitle = X\n[steps]\nstep = a\ncolour = %.300s\n", "5",
                  "unknown key in [steps] (each step is a 'step = ...' line)" },
        };
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
                CHECK_CONTEXT("%s", bad[i].name);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
                if (asprintf(&text, bad[i].format, huge) < 0)
                        continue;
#pragma GCC diagnostic pop
                path = write_file(dir, bad[i].name, text);
                if (path && asprintf(&expected, "%s:%s: %s", path, bad[i].line, bad[i].message) >= 0) {
                        CHECK_INT(limber_routine_load_file(path, &x, &error), -EINVAL);
                        CHECK_STR(error, expected);
                }
                free(error);
                error = NULL;
                free(expected);
                expected = NULL;
                if (path)
                        unlink(path);
                free(path);
                free(text);
        }
        CHECK_CONTEXT("%s", "");
        free(step);
        free(huge);
        free(comment);
        rmdir(dir);
}

int main(void) {
        const char *src = getenv("LIMBER_SOURCE_ROOT");
        char *conf;
        if (!src || asprintf(&conf, "%s/conf/routines", src) < 0) {
                fprintf(stderr, "test-routines: LIMBER_SOURCE_ROOT is not set\n");
                return 1;
        }
        test_shipped(conf);
        test_override_and_errors(conf);
        test_long_lines();
        free(conf);
        return check_summary("test-routines");
}
