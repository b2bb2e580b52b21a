/* Parses an iCalendar file with libical and counts what it objects to: X-LIC-ERROR
 * properties from the parser, and from icalrestriction_check on a clone. Prints each
 * and exits 1 when there is any. */
#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>

static int count_errors(icalcomponent *c, const char *stage) {
        int n = 0;
        for (icalproperty *p = icalcomponent_get_first_property(c, ICAL_XLICERROR_PROPERTY); p;
             p = icalcomponent_get_next_property(c, ICAL_XLICERROR_PROPERTY)) {
                fprintf(stderr, "%s: %s: %s\n", stage, icalcomponent_kind_to_string(icalcomponent_isa(c)),
                        icalproperty_get_xlicerror(p));
                n++;
        }
        for (icalcomponent *s = icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT); s;
             s = icalcomponent_get_next_component(c, ICAL_ANY_COMPONENT))
                n += count_errors(s, stage);
        return n;
}

int main(int argc, char **argv) {
        if (argc != 2) {
                fprintf(stderr, "usage: ical-lint FILE\n");
                return 2;
        }
        FILE *f = fopen(argv[1], "re");
        if (!f) {
                perror(argv[1]);
                return 2;
        }
        char *text = NULL;
        size_t size = 0;
        FILE *m = open_memstream(&text, &size);
        char buf[4096];
        size_t k;
        while ((k = fread(buf, 1, sizeof buf, f)) > 0)
                fwrite(buf, 1, k, m);
        fclose(f);
        fclose(m);

        icalcomponent *cal = icalparser_parse_string(text);
        free(text);
        if (!cal || icalcomponent_isa(cal) != ICAL_VCALENDAR_COMPONENT) {
                fprintf(stderr, "%s: not one VCALENDAR\n", argv[1]);
                return 1;
        }
        int errors = count_errors(cal, "parse");

        icalcomponent *clone = icalcomponent_new_clone(cal);
        icalrestriction_check(clone);
        errors += count_errors(clone, "restrictions");
        icalcomponent_free(clone);

        int events = icalcomponent_count_components(cal, ICAL_VEVENT_COMPONENT);
        icalcomponent_free(cal);
        icaltimezone_free_builtin_timezones();
        printf("%d events, %d errors\n", events, errors);
        return errors == 0 ? 0 : 1;
}
