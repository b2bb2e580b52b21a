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

struct parse_state {
        struct limber_routine *r;
        const char *error;      /* what the handler refused; inih knows the line */
};

static int set_string(char **field, const char *value) {
        char *copy = strdup(value);
        if (!copy)
                return 0;
        free(*field);
        *field = copy;
        return 1;
}

static int handler(void *user, const char *section, const char *name, const char *value) {
        struct parse_state *st = user;
        struct limber_routine *r = st->r;

        if (strcmp(section, "routine") == 0) {
                if (strcmp(name, "title") == 0)
                        return set_string(&r->title, value);
                if (strcmp(name, "regions") == 0)
                        return set_string(&r->regions, value);
                if (strcmp(name, "minutes") == 0) {
                        const char *why;
                        if (limber_parse_uint(value, 1, 240, &r->minutes, &why) < 0) {
                                st->error = "'minutes' must be a whole number from 1 to 240";
                                return 0;
                        }
                        return 1;
                }
                st->error = "unknown key in [routine] (known: title, regions, minutes)";
                return 0;
        }
        if (strcmp(section, "steps") == 0) {
                if (strcmp(name, "step") != 0) {
                        st->error = "unknown key in [steps] (each step is a 'step = ...' line)";
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
        st->error = "unknown section (known: [routine], [steps])";
        return 0;
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

        e = ini_parse(path, handler, &st);
        if (e < 0) {
                if (asprintf(ret_error, "%s: %s", path, e == -1 ? "cannot read the file" : "out of memory") < 0)
                        *ret_error = NULL;
                limber_routine_clear(&r);
                return e == -1 ? -EIO : -ENOMEM;
        }
        if (e == 0 && (!r.title || r.n_steps == 0))
                st.error = !r.title ? "no 'title' in [routine]" : "no 'step' in [steps]";
        if (e > 0 || st.error) {
                const char *what = st.error ? st.error : "syntax error: expected [section] or key = value";
                /* inih names the line it refused; a missing key has none. */
                if ((e > 0 ? asprintf(ret_error, "%s:%d: %s", path, e, what)
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
