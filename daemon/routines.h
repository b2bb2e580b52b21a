/* Routines: what a session asks the body to do, read from INI files, so users can
 * change them without touching code. */
#pragma once

#include <stddef.h>

struct limber_routine {
        char *name;             /* the file name without .ini */
        char *title;
        char *regions;
        unsigned minutes;       /* a guide; a session's length comes from limber.conf */
        char **steps;           /* NULL-terminated */
        size_t n_steps;
};

struct limber_routines {
        struct limber_routine *items;
        size_t n;
};

/* Reads one routine file. On a bad file returns negative errno and *ret_error says
 * where ("FILE:LINE: ..."; caller frees). */
int limber_routine_load_file(const char *path, struct limber_routine *ret, char **ret_error);

/* Reads *.ini from each folder (NULL-terminated list) in order; a later file of the
 * same name replaces an earlier one, so the user's folder goes last. Missing folders
 * are fine; bad files are logged and skipped. */
int limber_routines_load(const char *const *dirs, struct limber_routines *ret);

const struct limber_routine *limber_routines_find(const struct limber_routines *r, const char *name);

void limber_routine_clear(struct limber_routine *r);
void limber_routines_clear(struct limber_routines *r);
