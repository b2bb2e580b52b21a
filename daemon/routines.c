/* Routines: what a session asks the body to do, read from INI files with libinih. */
#include "routines.h"

#include <dirent.h>
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "parse.h"

/* The longest line a routine may have, in bytes without its newline: a step is one
 * line, and a careful one can run to a paragraph. */
#define ROUTINE_MAX_LINE 4096
#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)
#define TOO_LONG "line longer than " STRINGIFY(ROUTINE_MAX_LINE) " bytes"

/* Stands for a value too long for inih's line buffer (200 bytes in most builds): inih
 * parses "key = MARK" and the handler takes the real value from long_value. */
#define LONG_VALUE_MARK "\x1f"

struct parse_state {
        struct limber_routine *r;
        FILE *file;
        unsigned line;          /* the line the reader returned last */
        char *buf;              /* that line, whole */
        size_t buf_size;
        char *long_value;       /* the value of that line, when inih got LONG_VALUE_MARK */
        const char *error;      /* what was refused first, and on which line */
        unsigned error_line;
};

static void refuse(struct parse_state *st, const char *error) {
        if (!st->error) {
                st->error = error;
                st->error_line = st->line;
        }
}

static int set_string(char **field, const char *value) {
        char *copy = strdup(value);
        if (!copy)
                return 0;
        free(*field);
        *field = copy;
        return 1;
}

static int handle(struct parse_state *st, const char *section, const char *name, const char *value);

static int handler(void *user, const char *section, const char *name, const char *value) {
        struct parse_state *st = user;

        if (st->long_value && strcmp(value, LONG_VALUE_MARK) == 0)
                value = st->long_value;
        int ok = handle(st, section, name, value);
        /* inih refuses the line too, and returns its number; the reason is ours. */
        if (!ok)
                refuse(st, "out of memory");
        return ok;
}

static int handle(struct parse_state *st, const char *section, const char *name, const char *value) {
        struct limber_routine *r = st->r;

        if (strcmp(section, "routine") == 0) {
                if (strcmp(name, "title") == 0)
                        return set_string(&r->title, value);
                if (strcmp(name, "regions") == 0)
                        return set_string(&r->regions, value);
                if (strcmp(name, "minutes") == 0) {
                        const char *why;
                        if (limber_parse_uint(value, 1, 240, &r->minutes, &why) < 0) {
                                refuse(st, "'minutes' must be a whole number from 1 to 240");
                                return 0;
                        }
                        return 1;
                }
                refuse(st, "unknown key in [routine] (known: title, regions, minutes)");
                return 0;
        }
        if (strcmp(section, "steps") == 0) {
                if (strcmp(name, "step") != 0) {
                        refuse(st, "unknown key in [steps] (each step is a 'step = ...' line)");
                        return 0;
                }
                /* Kept NULL-terminated, as a strv for the bus. */
                char **steps = realloc(r->steps, (r->n_steps + 2) * sizeof *steps);
                if (!steps)
                        return 0;
                r->steps = steps;
                steps[r->n_steps + 1] = NULL;
                if (!(steps[r->n_steps] = strdup(value)))
                        return 0;
                r->n_steps++;
                return 1;
        }
        refuse(st, "unknown section (known: [routine], [steps])");
        return 0;
}

/* What inih does to a value: the inline comment (" ;") off, then the blanks around. */
static char *value_of(const char *p) {
        p += strspn(p, " \t");
        size_t n = strlen(p);
        for (size_t i = 1; i < n; i++)
                if (p[i] == ';' && (p[i - 1] == ' ' || p[i - 1] == '\t')) {
                        n = i;
                        break;
                }
        while (n > 0 && strchr(" \t\r\n", p[n - 1]))
                n--;
        return strndup(p, n);
}

/* Reads one line for inih, counting lines. A line longer than inih's buffer would
 * reach it in pieces, the rest read as a line of its own; so it is read whole here,
 * and inih gets "key = MARK" in its place, the value kept for the handler. A line
 * longer than ROUTINE_MAX_LINE is refused at its own number. */
static char *reader(char *str, int num, void *stream) {
        struct parse_state *st = stream;

        free(st->long_value);
        st->long_value = NULL;

        ssize_t len = getline(&st->buf, &st->buf_size, st->file);
        if (len < 0)
                return NULL;
        st->line++;
        if (len > 0 && st->buf[len - 1] == '\n')
                st->buf[--len] = '\0';
        if (len > 0 && st->buf[len - 1] == '\r')
                st->buf[--len] = '\0';

        const char *line = st->buf, *start = line + strspn(line, " \t");
        if ((size_t) len + 2 <= (size_t) num) {
                snprintf(str, (size_t) num, "%s\n", line);
                return str;
        }
        if (strchr(";#", *start)) {
                snprintf(str, (size_t) num, ";\n");    /* a long comment is still a comment */
                return str;
        }
        if (len > ROUTINE_MAX_LINE) {
                refuse(st, TOO_LONG);
                snprintf(str, (size_t) num, "\n");
                return str;
        }

        const char *equals = *start == '[' ? NULL : strpbrk(start, "=:");
        size_t prefix = 0;
        if (equals)
                prefix = (size_t) (equals - line) + 1;          /* key = value */
        else if (start > line)
                prefix = (size_t) (start - line);               /* the last value, continued */
        if (prefix == 0 || prefix + sizeof LONG_VALUE_MARK + 1 > (size_t) num) {
                refuse(st, "syntax error: expected [section] or key = value");
                snprintf(str, (size_t) num, "\n");
                return str;
        }
        st->long_value = value_of(line + prefix);
        if (!st->long_value)
                return NULL;
        snprintf(str, (size_t) num, "%.*s" LONG_VALUE_MARK "\n", (int) prefix, line);
        return str;
}

int limber_routine_load_file(const char *path, struct limber_routine *ret, char **ret_error) {
        struct limber_routine r = { 0 };
        struct parse_state st = { .r = &r };
        int e;

        *ret_error = NULL;

        const char *base = strrchr(path, '/');
        base = base ? base + 1 : path;
        size_t len = strlen(base);
        if (len > 4 && strcmp(base + len - 4, ".ini") == 0)
                len -= 4;
        r.name = strndup(base, len);
        if (!r.name)
                return -ENOMEM;

        st.file = fopen(path, "re");
        e = st.file ? ini_parse_stream(reader, &st, handler, &st) : -1;
        if (st.file)
                fclose(st.file);
        free(st.buf);
        free(st.long_value);
        if (e < 0) {
                if (asprintf(ret_error, "%s: %s", path, e == -1 ? "cannot read the file" : "out of memory") < 0)
                        *ret_error = NULL;
                limber_routine_clear(&r);
                return e == -1 ? -EIO : -ENOMEM;
        }
        /* inih returns the first line it refused: a syntax error, unless the handler or
         * the reader refused that line, or one before it, with a reason of their own. */
        const char *what = st.error;
        unsigned line = st.error_line;
        if (e > 0 && (!st.error || (unsigned) e < st.error_line)) {
                what = "syntax error: expected [section] or key = value";
                line = (unsigned) e;
        }
        if (!what && (!r.title || r.n_steps == 0))
                what = !r.title ? "no 'title' in [routine]" : "no 'step' in [steps]";
        if (what) {
                /* A missing key has no line. */
                if ((line > 0 ? asprintf(ret_error, "%s:%u: %s", path, line, what)
                              : asprintf(ret_error, "%s: %s", path, what)) < 0)
                        *ret_error = NULL;
                limber_routine_clear(&r);
                return -EINVAL;
        }

        *ret = r;
        return 0;
}

static int add_or_replace(struct limber_routines *rs, struct limber_routine *r) {
        for (size_t i = 0; i < rs->n; i++)
                if (strcmp(rs->items[i].name, r->name) == 0) {
                        limber_routine_clear(&rs->items[i]);
                        rs->items[i] = *r;
                        return 0;
                }
        struct limber_routine *items = realloc(rs->items, (rs->n + 1) * sizeof *items);
        if (!items)
                return -ENOMEM;
        rs->items = items;
        rs->items[rs->n++] = *r;
        return 0;
}

static int is_ini(const struct dirent *de) {
        size_t len = strlen(de->d_name);
        return de->d_name[0] != '.' && len > 4 && strcmp(de->d_name + len - 4, ".ini") == 0;
}

int limber_routines_load(const char *const *dirs, struct limber_routines *ret) {
        struct limber_routines rs = { 0 };

        for (const char *const *dir = dirs; *dir; dir++) {
                struct dirent **names;
                int n = scandir(*dir, &names, is_ini, alphasort);
                if (n < 0) {
                        if (errno != ENOENT)
                                log_warning_errno(errno, "Cannot read routines from %s", *dir);
                        continue;
                }
                for (int i = 0; i < n; i++) {
                        char *path = NULL, *error = NULL;
                        struct limber_routine r;
                        int k = asprintf(&path, "%s/%s", *dir, names[i]->d_name);
                        free(names[i]);
                        if (k < 0)
                                continue;
                        if (limber_routine_load_file(path, &r, &error) < 0)
                                log_warning("%s; routine skipped", error ? error : path);
                        else if (add_or_replace(&rs, &r) < 0)
                                limber_routine_clear(&r);
                        free(error);
                        free(path);
                }
                free(names);
        }

        *ret = rs;
        return 0;
}

const struct limber_routine *limber_routines_find(const struct limber_routines *r, const char *name) {
        for (size_t i = 0; i < r->n; i++)
                if (strcmp(r->items[i].name, name) == 0)
                        return &r->items[i];
        return NULL;
}

void limber_routine_clear(struct limber_routine *r) {
        free(r->name);
        free(r->title);
        free(r->regions);
        for (size_t i = 0; i < r->n_steps; i++)
                free(r->steps[i]);
        free(r->steps);
        *r = (struct limber_routine) { 0 };
}

void limber_routines_clear(struct limber_routines *r) {
        for (size_t i = 0; i < r->n; i++)
                limber_routine_clear(&r->items[i]);
        free(r->items);
        *r = (struct limber_routines) { 0 };
}
