/* Aligned columns for limberctl's listings. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define CTL_TABLE_MAX_COLUMNS 8

struct ctl_table;

/* A table with a header row; NULL when out of memory. */
struct ctl_table *ctl_table_new(const char *const *headers, size_t n_columns);
void ctl_table_align_right(struct ctl_table *t, size_t column);
/* Appends the next cell, row by row; color is an ANSI sequence or NULL. 0, or -1. */
int ctl_table_cell(struct ctl_table *t, const char *color, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
size_t ctl_table_rows(const struct ctl_table *t);
/* Colours only when color is true. */
void ctl_table_print(const struct ctl_table *t, FILE *f, bool color);
void ctl_table_free(struct ctl_table *t);
