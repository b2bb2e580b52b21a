/* Writing JSON, keys in snake_case, and escaping text for the Pango markup waybar reads. D-Bus strings are
 * valid UTF-8 already, so only quotes, backslashes and control characters need care. */
#include "limberctl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void ctl_json_string(FILE *f, const char *s) {
        fputc('"', f);
        for (const unsigned char *p = (const unsigned char *) s; *p; p++)
                switch (*p) {
                case '"':
                        fputs("\\\"", f);
                        break;
                case '\\':
                        fputs("\\\\", f);
                        break;
                case '\b':
                        fputs("\\b", f);
                        break;
                case '\f':
                        fputs("\\f", f);
                        break;
                case '\n':
                        fputs("\\n", f);
                        break;
                case '\r':
                        fputs("\\r", f);
                        break;
                case '\t':
                        fputs("\\t", f);
                        break;
                default:
                        if (*p < 0x20 || *p == 0x7f)
                                fprintf(f, "\\u%04x", *p);
                        else
                                fputc(*p, f);
                }
        fputc('"', f);
}

void ctl_json_key(FILE *f, const char *name) {
        fputc('"', f);
        for (const char *p = name; *p; p++) {
                bool upper = *p >= 'A' && *p <= 'Z';
                /* A word starts at a capital after a small letter or a digit, and at the last
                 * capital of a run that a small letter follows: "FeedURLPath" is feed_url_path. */
                if (upper && p > name &&
                    ((p[-1] >= 'a' && p[-1] <= 'z') || (p[-1] >= '0' && p[-1] <= '9') ||
                     (p[-1] >= 'A' && p[-1] <= 'Z' && p[1] >= 'a' && p[1] <= 'z')))
                        fputc('_', f);
                if (upper)
                        fputc(*p - 'A' + 'a', f);
                else if (*p == '"' || *p == '\\' || (unsigned char) *p < 0x20)
                        fputc('_', f);
                else
                        fputc(*p, f);
        }
        fputc('"', f);
}

void ctl_json_double(FILE *f, double d) {
        char buf[32];

        if (!isfinite(d)) {
                fputs("null", f);
                return;
        }
        /* The shortest of these that reads back as the same double. */
        for (int precision = 15; precision <= 17; precision++) {
                snprintf(buf, sizeof buf, "%.*g", precision, d);
                if (strtod(buf, NULL) == d)
                        break;
        }
        fputs(buf, f);
}

char *ctl_markup_escape(const char *s) {
        size_t n = 0;
        for (const char *p = s; *p; p++)
                n += *p == '&' ? 5 : (*p == '<' || *p == '>') ? 4 : 1;

        char *out = malloc(n + 1), *q = out;
        if (!out)
                return NULL;
        for (const char *p = s; *p; p++) {
                const char *e = *p == '&' ? "&amp;" : *p == '<' ? "&lt;" : *p == '>' ? "&gt;" : NULL;
                if (e) {
                        memcpy(q, e, strlen(e));
                        q += strlen(e);
                } else
                        *q++ = *p;
        }
        *q = '\0';
        return out;
}
