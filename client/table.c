/* Aligned columns for limberctl's listings: a header row, cells filled row by row,
 * widths from the widest cell, two spaces between columns and none after the last. */
#include "table.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct cell {
        char *text;
        const char *color;
};

struct ctl_table {
        size_t n_columns;
        struct cell *cells;
        size_t n_cells, allocated;
        bool right[CTL_TABLE_MAX_COLUMNS];
};

#define ANSI_BOLD "\x1b[1m"
#define ANSI_RESET "\x1b[0m"

struct ctl_table *ctl_table_new(const char *const *headers, size_t n_columns) {
        if (n_columns == 0 || n_columns > CTL_TABLE_MAX_COLUMNS)
                return NULL;
        struct ctl_table *t = calloc(1, sizeof *t);
        if (!t)
                return NULL;
        t->n_columns = n_columns;
        for (size_t i = 0; i < n_columns; i++)
                if (ctl_table_cell(t, ANSI_BOLD, "%s", headers[i]) < 0) {
                        ctl_table_free(t);
                        return NULL;
                }
        return t;
}

void ctl_table_align_right(struct ctl_table *t, size_t column) {
        if (column < t->n_columns)
                t->right[column] = true;
}

int ctl_table_cell(struct ctl_table *t, const char *color, const char *fmt, ...) {
        va_list ap;
        char *text;

        va_start(ap, fmt);
        int r = vasprintf(&text, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -1;

        if (t->n_cells == t->allocated) {
                size_t na = t->allocated ? t->allocated * 2 : 64;
                struct cell *p = realloc(t->cells, na * sizeof *p);
                if (!p) {
                        free(text);
                        return -1;
                }
                t->cells = p;
                t->allocated = na;
        }
        t->cells[t->n_cells++] = (struct cell) { text, color };
        return 0;
}

size_t ctl_table_rows(const struct ctl_table *t) {
        /* Not counting the header. */
        return t->n_cells / t->n_columns - 1;
}

/* Columns count bytes: every cell is ASCII but titles and sources, which sit last or
 * come from limberd's own vocabulary. */
void ctl_table_print(const struct ctl_table *t, FILE *f, bool color) {
        size_t width[CTL_TABLE_MAX_COLUMNS] = { 0 };

        for (size_t i = 0; i < t->n_cells; i++) {
                size_t len = strlen(t->cells[i].text);
                if (len > width[i % t->n_columns])
                        width[i % t->n_columns] = len;
        }

        for (size_t i = 0; i < t->n_cells; i++) {
                size_t c = i % t->n_columns;
                bool last = c == t->n_columns - 1;
                const struct cell *cell = &t->cells[i];
                int pad = (int) (width[c] - strlen(cell->text));

                if (t->right[c])
                        fprintf(f, "%*s", pad, "");
                if (color && cell->color)
                        fprintf(f, "%s%s%s", cell->color, cell->text, ANSI_RESET);
                else
                        fputs(cell->text, f);
                if (last)
                        fputc('\n', f);
                else
                        fprintf(f, "%*s  ", t->right[c] ? 0 : pad, "");
        }
}

void ctl_table_free(struct ctl_table *t) {
        if (!t)
                return;
        for (size_t i = 0; i < t->n_cells; i++)
                free(t->cells[i].text);
        free(t->cells);
        free(t);
}
