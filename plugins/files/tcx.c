/* The TCX parser: the first Activity of a Garmin Training Center file as one activity.
 *
 * - only the first <Activity> counts: a file is one activity to limber, and a watch
 *   writes one per file; the others are ignored without a word;
 * - sport: Activity@Sport (Running, Biking, Other);
 * - start: the earliest Lap@StartTime or Trackpoint <Time>;
 * - duration: elapsed, from the start to the latest of every Trackpoint <Time> and
 *   every lap's StartTime + TotalTimeSeconds. TotalTimeSeconds is the watch's timer
 *   time, which stops during pauses, so summing it would leave them out; elapsed time
 *   is what the other formats give (see import.h) and what gpsbabel reports for the
 *   same file (first to last trackpoint);
 * - distance: the sum of the laps' DistanceMeters when every lap has one; otherwise
 *   the largest Trackpoint DistanceMeters (the watch's running total); otherwise the
 *   haversine length of the trackpoints' positions, summed per <Track>; otherwise 0.
 *
 * The file streams past (import-xml.h): each element's role follows from its parent's
 * and its own name, and the values are taken as their elements end. */
#include "import-xml.h"

#define TCX_NS "http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"

/* Bounds that no real activity reaches, so that a broken value is refused, not summed. */
#define TCX_MAX_SECONDS 1e7             /* 115 days */
#define TCX_MAX_METERS 1e8              /* 100 000 km */

enum tcx_role {
        TCX_OTHER,                      /* nothing read from it or what it holds */
        TCX_DOCUMENT,                   /* above the root */
        TCX_ROOT,
        TCX_ACTIVITIES,
        TCX_ACTIVITY,                   /* the first */
        TCX_LAP,
        TCX_LAP_SECONDS,
        TCX_LAP_METERS,
        TCX_TRACK,
        TCX_TRACKPOINT,
        TCX_TIME,
        TCX_METERS,                     /* a trackpoint's running total */
        TCX_POSITION,
        TCX_LATITUDE,
        TCX_LONGITUDE,
};

struct tcx_state {
        struct limber_xml xml;          /* first: the callbacks get &xml */
        const char *ns;                 /* TCX_NS, as libxml2 interned it */
        unsigned char role[LIMBER_XML_MAX_DEPTH + 1];   /* by depth */
        struct limber_xml_text text;    /* of the value element being read */

        bool have_activity;
        char sport[LIMBER_XML_TEXT_MAX];

        bool have_time;
        uint64_t first, last;
        uint64_t lap_start;
        unsigned laps, laps_with_distance;
        double lap_distance;
        bool have_point_distance;
        double point_distance;
        double track_distance;

        bool have_prev;                 /* in this track */
        double prev_lat, prev_lon;
        bool have_lat, have_lon;        /* in this position */
        double lat, lon;
};

static void saw_time(struct tcx_state *st, uint64_t t) {
        if (!st->have_time || t < st->first)
                st->first = t;
        if (!st->have_time || t > st->last)
                st->last = t;
        st->have_time = true;
}

static bool text_number(struct tcx_state *st, double min, double max, double *ret) {
        if (!st->text.fits || limber_parse_double(st->text.buf, ret) < 0 || *ret < min || *ret > max) {
                limber_xml_refuse(&st->xml, "line %d: invalid <%s> '%s'", st->text.line, st->text.name, st->text.buf);
                return false;
        }
        return true;
}

static bool text_time(struct tcx_state *st, uint64_t *ret) {
        if (!st->text.fits || limber_parse_time(st->text.buf, ret) < 0) {
                limber_xml_refuse(&st->xml, "line %d: invalid <%s> '%s' (expected RFC 3339, such as "
                                  "2024-05-12T06:30:00Z)", st->text.line, st->text.name, st->text.buf);
                return false;
        }
        return true;
}

static void check_root(struct tcx_state *st, const struct limber_xml_element *e) {
        if (strcmp(e->name, "TrainingCenterDatabase") != 0 || !e->ns || strcmp(e->ns, TCX_NS) != 0)
                limber_xml_refuse(&st->xml, "not a TCX file: the root element is <%s>%s%s (expected "
                                  "<TrainingCenterDatabase> in namespace " TCX_NS ")", e->name,
                                  e->ns ? " in namespace " : " without namespace", e->ns ? e->ns : "");
        else
                st->ns = e->ns;
}

static enum tcx_role role_of(const struct tcx_state *st, enum tcx_role parent, const struct limber_xml_element *e) {
        switch (parent) {
        case TCX_DOCUMENT:
                return TCX_ROOT;
        case TCX_ROOT:
                return limber_xml_is(e, st->ns, "Activities") ? TCX_ACTIVITIES : TCX_OTHER;
        case TCX_ACTIVITIES:
                return !st->have_activity && limber_xml_is(e, st->ns, "Activity") ? TCX_ACTIVITY : TCX_OTHER;
        case TCX_ACTIVITY:
                return limber_xml_is(e, st->ns, "Lap") ? TCX_LAP : TCX_OTHER;
        case TCX_LAP:
                return limber_xml_is(e, st->ns, "Track") ? TCX_TRACK :
                       limber_xml_is(e, st->ns, "TotalTimeSeconds") ? TCX_LAP_SECONDS :
                       limber_xml_is(e, st->ns, "DistanceMeters") ? TCX_LAP_METERS : TCX_OTHER;
        case TCX_TRACK:
                return limber_xml_is(e, st->ns, "Trackpoint") ? TCX_TRACKPOINT : TCX_OTHER;
        case TCX_TRACKPOINT:
                return limber_xml_is(e, st->ns, "Time") ? TCX_TIME :
                       limber_xml_is(e, st->ns, "Position") ? TCX_POSITION :
                       limber_xml_is(e, st->ns, "DistanceMeters") ? TCX_METERS : TCX_OTHER;
        case TCX_POSITION:
                return limber_xml_is(e, st->ns, "LatitudeDegrees") ? TCX_LATITUDE :
                       limber_xml_is(e, st->ns, "LongitudeDegrees") ? TCX_LONGITUDE : TCX_OTHER;
        default:
                return TCX_OTHER;
        }
}

static void start_lap(struct tcx_state *st, const struct limber_xml_element *e) {
        char text[LIMBER_XML_VALUE_MAX];
        int r;

        r = limber_xml_attr(e, "StartTime", text, sizeof text);
        if (r == -ENOENT) {
                limber_xml_refuse(&st->xml, "line %d: <Lap> without StartTime", e->line);
                return;
        }
        if (r < 0 || limber_parse_time(text, &st->lap_start) < 0) {
                limber_xml_refuse(&st->xml, "line %d: invalid Lap StartTime '%s' (expected RFC 3339, such as "
                                  "2024-05-12T06:30:00Z)", e->line, text);
                return;
        }
        saw_time(st, st->lap_start);
        st->laps++;
}

static void end_position(struct tcx_state *st) {
        if (!st->have_lat || !st->have_lon)
                return;
        if (st->have_prev)
                st->track_distance += limber_haversine_m(st->prev_lat, st->prev_lon, st->lat, st->lon);
        st->have_prev = true;
        st->prev_lat = st->lat;
        st->prev_lon = st->lon;
}

static void on_start(struct limber_xml *x, const struct limber_xml_element *e) {
        struct tcx_state *st = (struct tcx_state *) x;
        enum tcx_role role = role_of(st, st->role[e->depth - 1], e);

        st->role[e->depth] = (unsigned char) role;
        switch (role) {
        case TCX_ROOT:
                check_root(st, e);
                break;
        case TCX_ACTIVITY:
                st->have_activity = true;
                /* a name too long is cut, as it is only shown */
                (void) limber_xml_attr(e, "Sport", st->sport, sizeof st->sport);
                break;
        case TCX_LAP:
                start_lap(st, e);
                break;
        case TCX_TRACK:
                st->have_prev = false;
                break;
        case TCX_POSITION:
                st->have_lat = st->have_lon = false;
                break;
        case TCX_LAP_SECONDS:
        case TCX_LAP_METERS:
        case TCX_TIME:
        case TCX_METERS:
        case TCX_LATITUDE:
        case TCX_LONGITUDE:
                limber_xml_text_start(&st->text, e, LIMBER_XML_VALUE_MAX);
                break;
        default:
                break;
        }
}

static void on_end(struct limber_xml *x, unsigned depth) {
        struct tcx_state *st = (struct tcx_state *) x;
        enum tcx_role role = st->role[depth];
        uint64_t t;
        double v;

        if (role == TCX_POSITION) {
                end_position(st);
                return;
        }
        if (!limber_xml_text_end(&st->text, depth))
                return;
        switch (role) {
        case TCX_LAP_SECONDS:
                if (text_number(st, 0, TCX_MAX_SECONDS, &v))
                        saw_time(st, st->lap_start + (uint64_t) llround(v * 1e6));
                break;
        case TCX_LAP_METERS:
                if (text_number(st, 0, TCX_MAX_METERS, &v)) {
                        st->lap_distance += v;
                        st->laps_with_distance++;
                }
                break;
        case TCX_TIME:
                if (text_time(st, &t))
                        saw_time(st, t);
                break;
        case TCX_METERS:
                if (text_number(st, 0, TCX_MAX_METERS, &v) && (!st->have_point_distance || v > st->point_distance)) {
                        st->point_distance = v;
                        st->have_point_distance = true;
                }
                break;
        case TCX_LATITUDE:
                st->have_lat = text_number(st, -90.0, 90.0, &st->lat);
                break;
        case TCX_LONGITUDE:
                st->have_lon = text_number(st, -180.0, 180.0, &st->lon);
                break;
        default:
                break;
        }
}

static void on_text(struct limber_xml *x, unsigned depth, const char *s, size_t n) {
        struct tcx_state *st = (struct tcx_state *) x;

        limber_xml_text_add(&st->text, depth, s, n);
}

int limber_parse_tcx(const char *data, size_t size, struct limber_import *ret, char *why, size_t why_size) {
        static const struct limber_xml_format format = {
                .name = "TCX",
                .start = on_start,
                .end = on_end,
                .text = on_text,
        };
        struct tcx_state st = { .role[0] = TCX_DOCUMENT };
        struct limber_import imp = { 0 };
        int r;

        r = limber_xml_parse(&st.xml, &format, data, size, why, why_size);
        if (r < 0)
                return r;
        if (!st.have_activity) {
                limber_why(why, why_size, "no <Activity> in the file");
                return -EINVAL;
        }
        if (!st.have_time) {
                limber_why(why, why_size, "no laps or track points with a time");
                return -EINVAL;
        }

        limber_import_set_sport(&imp, st.sport);
        imp.start_usec = st.first;
        imp.duration_usec = st.last - st.first;
        if (st.laps > 0 && st.laps_with_distance == st.laps)
                imp.distance_m = st.lap_distance;
        else if (st.have_point_distance)
                imp.distance_m = st.point_distance;
        else
                imp.distance_m = st.track_distance;
        *ret = imp;
        return 0;
}
