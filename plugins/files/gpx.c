/* The GPX parser: a GPX 1.0 or 1.1 file's tracks as one activity.
 *
 * - start: the earliest <time> of any trk/trkseg/trkpt; duration: from it to the
 *   latest, so pauses (gaps in time, new segments) count: it is the elapsed time;
 * - distance: the haversine distance between consecutive points that have lat and
 *   lon, summed within each segment (nothing is counted between segments or tracks);
 * - sport: the first trk/<type>; failing that, an element named type, activity or
 *   sport (any namespace, any case) under trk, metadata or gpx <extensions>, where
 *   Gadgetbridge and others put it in namespaces of their own.
 * Waypoints, routes and metadata times are not the activity and are ignored. A file
 * whose track points carry no time cannot be placed in time and is refused.
 *
 * The file streams past (import-xml.h): each element's role follows from its parent's
 * and its own name, and the values are taken as their elements end. */
#include "import-xml.h"

#define GPX_NS_11 "http://www.topografix.com/GPX/1/1"
#define GPX_NS_10 "http://www.topografix.com/GPX/1/0"

/* How many sport-named elements inside one another an <extensions> may hold and still
 * be read all; deeper ones are passed over. */
#define GPX_SPORT_NESTING 4

enum gpx_role {
        GPX_OTHER,                      /* nothing read from it or what it holds */
        GPX_DOCUMENT,                   /* above the root */
        GPX_ROOT,
        GPX_METADATA,
        GPX_TRK,
        GPX_TRK_TYPE,
        GPX_TRKSEG,
        GPX_TRKPT,
        GPX_TIME,                       /* a trkpt's first <time> */
        /* an <extensions>, or anything in it, of a trk, the metadata or the gpx: in this
         * order of preference, where to look for the sport */
        GPX_EXT_TRK,
        GPX_EXT_METADATA,
        GPX_EXT_ROOT,
};

struct gpx_state {
        struct limber_xml xml;          /* first: the callbacks get &xml */
        const char *ns;                 /* the root's namespace, as libxml2 interned it */
        unsigned char role[LIMBER_XML_MAX_DEPTH + 1];   /* by depth */

        bool have_time;
        uint64_t first, last;
        double distance;

        bool have_prev;                 /* in this segment */
        double prev_lat, prev_lon;
        bool point_has_time;            /* this trkpt's <time> was seen */

        struct limber_xml_text text;    /* of a <time> or <type> */
        char type[LIMBER_XML_TEXT_MAX];  /* from trk/<type> */

        /* The open sport-named elements in an <extensions>, outermost first. An outer
         * one comes first even when its text follows an inner one's, and so wins. */
        struct limber_xml_text candidates[GPX_SPORT_NESTING];
        unsigned n_candidates;
        char ext_type[GPX_EXT_ROOT - GPX_EXT_TRK + 1][LIMBER_XML_TEXT_MAX];      /* by role - GPX_EXT_TRK */
};

static bool is_sport_name(const char *name) {
        static const char *const names[] = { "type", "activity", "sport" };

        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
                if (strcasecmp(name, names[i]) == 0)
                        return true;
        return false;
}

static void check_root(struct gpx_state *st, const struct limber_xml_element *e) {
        if (strcmp(e->name, "gpx") != 0)
                limber_xml_refuse(&st->xml, "not a GPX file: the root element is <%s>%s%s", e->name,
                                  e->ns ? " in namespace " : " without namespace", e->ns ? e->ns : "");
        else if (!e->ns)
                limber_xml_refuse(&st->xml, "not a GPX 1.0 or 1.1 file: <gpx> has no namespace (expected "
                                  GPX_NS_11 " or " GPX_NS_10 ")");
        else if (strcmp(e->ns, GPX_NS_11) != 0 && strcmp(e->ns, GPX_NS_10) != 0)
                limber_xml_refuse(&st->xml, "not a GPX 1.0 or 1.1 file: <gpx> is in namespace %s (expected "
                                  GPX_NS_11 " or " GPX_NS_10 ")", e->ns);
        else
                st->ns = e->ns;
}

static enum gpx_role role_of(const struct gpx_state *st, enum gpx_role parent, const struct limber_xml_element *e) {
        switch (parent) {
        case GPX_DOCUMENT:
                return GPX_ROOT;
        case GPX_ROOT:
                return limber_xml_is(e, st->ns, "trk") ? GPX_TRK :
                       limber_xml_is(e, st->ns, "metadata") ? GPX_METADATA :
                       limber_xml_is(e, st->ns, "extensions") ? GPX_EXT_ROOT : GPX_OTHER;
        case GPX_METADATA:
                return limber_xml_is(e, st->ns, "extensions") ? GPX_EXT_METADATA : GPX_OTHER;
        case GPX_TRK:
                return limber_xml_is(e, st->ns, "trkseg") ? GPX_TRKSEG :
                       limber_xml_is(e, st->ns, "type") ? GPX_TRK_TYPE :
                       limber_xml_is(e, st->ns, "extensions") ? GPX_EXT_TRK : GPX_OTHER;
        case GPX_TRKSEG:
                return limber_xml_is(e, st->ns, "trkpt") ? GPX_TRKPT : GPX_OTHER;
        case GPX_TRKPT:
                return !st->point_has_time && limber_xml_is(e, st->ns, "time") ? GPX_TIME : GPX_OTHER;
        case GPX_EXT_TRK:
        case GPX_EXT_METADATA:
        case GPX_EXT_ROOT:
                return parent;
        default:
                return GPX_OTHER;
        }
}

static void start_point(struct gpx_state *st, const struct limber_xml_element *e) {
        char lat_s[LIMBER_XML_VALUE_MAX], lon_s[LIMBER_XML_VALUE_MAX];
        int r_lat = limber_xml_attr(e, "lat", lat_s, sizeof lat_s);
        int r_lon = limber_xml_attr(e, "lon", lon_s, sizeof lon_s);
        double lat, lon;

        st->point_has_time = false;
        /* Both are required by the schema; a point without them still has its time. */
        if (r_lat == -ENOENT || r_lon == -ENOENT)
                return;
        if (r_lat < 0 || limber_parse_double(lat_s, &lat) < 0 || lat < -90.0 || lat > 90.0) {
                limber_xml_refuse(&st->xml, "line %d: invalid latitude '%s'", e->line, lat_s);
                return;
        }
        if (r_lon < 0 || limber_parse_double(lon_s, &lon) < 0 || lon < -180.0 || lon > 180.0) {
                limber_xml_refuse(&st->xml, "line %d: invalid longitude '%s'", e->line, lon_s);
                return;
        }
        if (st->have_prev)
                st->distance += limber_haversine_m(st->prev_lat, st->prev_lon, lat, lon);
        st->have_prev = true;
        st->prev_lat = lat;
        st->prev_lon = lon;
}

static void end_time(struct gpx_state *st) {
        uint64_t t;

        if (!st->text.fits || limber_parse_time(st->text.buf, &t) < 0) {
                limber_xml_refuse(&st->xml, "line %d: invalid time '%s' (expected RFC 3339, such as "
                                  "2024-05-12T06:30:00Z)", st->text.line, st->text.buf);
                return;
        }
        if (!st->have_time || t < st->first)
                st->first = t;
        if (!st->have_time || t > st->last)
                st->last = t;
        st->have_time = true;
}

static void on_start(struct limber_xml *x, const struct limber_xml_element *e) {
        struct gpx_state *st = (struct gpx_state *) x;
        enum gpx_role role = role_of(st, st->role[e->depth - 1], e);

        st->role[e->depth] = (unsigned char) role;
        switch (role) {
        case GPX_ROOT:
                check_root(st, e);
                break;
        case GPX_TRK_TYPE:
                /* a later <type> counts when the first is empty */
                if (!st->type[0])
                        limber_xml_text_start(&st->text, e, sizeof st->type);
                break;
        case GPX_TRKSEG:
                st->have_prev = false;
                break;
        case GPX_TRKPT:
                start_point(st, e);
                break;
        case GPX_TIME:
                st->point_has_time = true;
                limber_xml_text_start(&st->text, e, LIMBER_XML_VALUE_MAX);
                break;
        case GPX_EXT_TRK:
        case GPX_EXT_METADATA:
        case GPX_EXT_ROOT:
                /* Once a sport is found, no element that starts later can come first. */
                if (!st->ext_type[role - GPX_EXT_TRK][0] && st->n_candidates < GPX_SPORT_NESTING &&
                    is_sport_name(e->name))
                        limber_xml_text_start(&st->candidates[st->n_candidates++], e, sizeof st->ext_type[0]);
                break;
        default:
                break;
        }
}

static void on_end(struct limber_xml *x, unsigned depth) {
        struct gpx_state *st = (struct gpx_state *) x;
        enum gpx_role role = st->role[depth];
        struct limber_xml_text *top;

        switch (role) {
        case GPX_TIME:
                if (limber_xml_text_end(&st->text, depth))
                        end_time(st);
                break;
        case GPX_TRK_TYPE:
                if (limber_xml_text_end(&st->text, depth))
                        memcpy(st->type, st->text.buf, sizeof st->type);
                break;
        case GPX_EXT_TRK:
        case GPX_EXT_METADATA:
        case GPX_EXT_ROOT:
                top = st->n_candidates > 0 ? &st->candidates[st->n_candidates - 1] : NULL;
                if (!top || !limber_xml_text_end(top, depth))
                        break;
                st->n_candidates--;
                /* Whatever was found meanwhile was inside it: it comes first. */
                if (top->buf[0])
                        memcpy(st->ext_type[role - GPX_EXT_TRK], top->buf, sizeof st->ext_type[0]);
                break;
        default:
                break;
        }
}

static void on_text(struct limber_xml *x, unsigned depth, const char *s, size_t n) {
        struct gpx_state *st = (struct gpx_state *) x;

        limber_xml_text_add(&st->text, depth, s, n);
        if (st->n_candidates > 0)
                limber_xml_text_add(&st->candidates[st->n_candidates - 1], depth, s, n);
}

int limber_parse_gpx(const char *data, size_t size, struct limber_import *ret, char *why, size_t why_size) {
        static const struct limber_xml_format format = {
                .name = "GPX",
                .start = on_start,
                .end = on_end,
                .text = on_text,
        };
        struct gpx_state st = { .role[0] = GPX_DOCUMENT };
        struct limber_import imp = { 0 };
        const char *sport;
        int r;

        r = limber_xml_parse(&st.xml, &format, data, size, why, why_size);
        if (r < 0)
                return r;
        if (!st.have_time) {
                limber_why(why, why_size, "no track points with a time");
                return -EINVAL;
        }

        sport = st.type;
        for (size_t i = 0; i < sizeof st.ext_type / sizeof st.ext_type[0] && !sport[0]; i++)
                sport = st.ext_type[i];
        limber_import_set_sport(&imp, sport);
        imp.start_usec = st.first;
        imp.duration_usec = st.last - st.first;
        imp.distance_m = st.distance;
        *ret = imp;
        return 0;
}
