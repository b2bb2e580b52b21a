/* Writing JSON, and escaping text for the Pango markup waybar reads. D-Bus strings are
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
