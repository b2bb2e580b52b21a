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
 *   haversine length of the trackpoints' positions, summed per <Track>; otherwise 0. */
#include "import-xml.h"

#define TCX_NS "http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"

/* Bounds that no real activity reaches, so that a broken value is refused, not summed. */
#define TCX_MAX_SECONDS 1e7             /* 115 days */
#define TCX_MAX_METERS 1e8              /* 100 000 km */

struct tcx_state {
        bool have_time;
        uint64_t first, last;
        unsigned laps, laps_with_distance;
        double lap_distance;
        bool have_point_distance;
        double point_distance;
        double track_distance;
};

static void saw_time(struct tcx_state *st, uint64_t t) {
        if (!st->have_time || t < st->first)
                st->first = t;
        if (!st->have_time || t > st->last)
                st->last = t;
        st->have_time = true;
}

static int element_number(const xmlNode *n, double max, double *ret, char *why, size_t why_size) {
        char text[64];

        if (!limber_xml_text(n, text, sizeof text) || limber_parse_double(text, ret) < 0 || *ret < 0 || *ret > max) {
                limber_why(why, why_size, "line %ld: invalid <%s> '%s'", xmlGetLineNo(n), n->name, text);
                return -EINVAL;
        }
        return 0;
}

static int element_time(const xmlNode *n, uint64_t *ret, char *why, size_t why_size) {
        char text[64];

        if (!limber_xml_text(n, text, sizeof text) || limber_parse_time(text, ret) < 0) {
                limber_why(why, why_size, "line %ld: invalid <%s> '%s' (expected RFC 3339, such as "
                           "2024-05-12T06:30:00Z)", xmlGetLineNo(n), n->name, text);
                return -EINVAL;
        }
        return 0;
}

/* A <Position>'s latitude and longitude; *ok is false when either is missing. */
static int position(const xmlNode *pos, double *lat, double *lon, bool *ok, char *why, size_t why_size) {
        bool have_lat = false, have_lon = false;
        char text[64];

        for (const xmlNode *c = pos->children; c; c = c->next) {
                bool is_lat = limber_xml_is(c, TCX_NS, "LatitudeDegrees");

                if (!is_lat && !limber_xml_is(c, TCX_NS, "LongitudeDegrees"))
                        continue;
                double *v = is_lat ? lat : lon, bound = is_lat ? 90.0 : 180.0;
                if (!limber_xml_text(c, text, sizeof text) || limber_parse_double(text, v) < 0 || fabs(*v) > bound) {
                        limber_why(why, why_size, "line %ld: invalid <%s> '%s'", xmlGetLineNo(c), c->name, text);
                        return -EINVAL;
                }
                *(is_lat ? &have_lat : &have_lon) = true;
        }
        *ok = have_lat && have_lon;
        return 0;
}

static int parse_track(struct tcx_state *st, const xmlNode *track, char *why, size_t why_size) {
        bool have_prev = false;
        double prev_lat = 0, prev_lon = 0;
        int r;

        for (const xmlNode *pt = track->children; pt; pt = pt->next) {
                if (!limber_xml_is(pt, TCX_NS, "Trackpoint"))
                        continue;
                for (const xmlNode *c = pt->children; c; c = c->next) {
                        if (limber_xml_is(c, TCX_NS, "Time")) {
                                uint64_t t;

                                r = element_time(c, &t, why, why_size);
                                if (r < 0)
                                        return r;
                                saw_time(st, t);
                        } else if (limber_xml_is(c, TCX_NS, "DistanceMeters")) {
                                double d;

                                r = element_number(c, TCX_MAX_METERS, &d, why, why_size);
                                if (r < 0)
                                        return r;
                                if (!st->have_point_distance || d > st->point_distance)
                                        st->point_distance = d;
                                st->have_point_distance = true;
                        } else if (limber_xml_is(c, TCX_NS, "Position")) {
                                double lat = 0, lon = 0;
                                bool ok;

                                r = position(c, &lat, &lon, &ok, why, why_size);
                                if (r < 0)
                                        return r;
                                if (!ok)
                                        continue;
                                if (have_prev)
                                        st->track_distance += limber_haversine_m(prev_lat, prev_lon, lat, lon);
                                have_prev = true;
                                prev_lat = lat;
                                prev_lon = lon;
                        }
                }
        }
        return 0;
}

static int parse_lap(struct tcx_state *st, const xmlNode *lap, char *why, size_t why_size) {
        char text[64];
        uint64_t start;
        int r;

        r = limber_xml_attr(lap, "StartTime", text, sizeof text);
        if (r == -ENOENT) {
                limber_why(why, why_size, "line %ld: <Lap> without StartTime", xmlGetLineNo(lap));
                return -EINVAL;
        }
        if (r < 0 || limber_parse_time(text, &start) < 0) {
                limber_why(why, why_size, "line %ld: invalid Lap StartTime '%s' (expected RFC 3339, such as "
                           "2024-05-12T06:30:00Z)", xmlGetLineNo(lap), text);
                return -EINVAL;
        }
        saw_time(st, start);
        st->laps++;

        for (const xmlNode *c = lap->children; c; c = c->next) {
                double v;

                if (limber_xml_is(c, TCX_NS, "TotalTimeSeconds")) {
                        r = element_number(c, TCX_MAX_SECONDS, &v, why, why_size);
                        if (r < 0)
                                return r;
                        saw_time(st, start + (uint64_t) llround(v * 1e6));
                } else if (limber_xml_is(c, TCX_NS, "DistanceMeters")) {
                        r = element_number(c, TCX_MAX_METERS, &v, why, why_size);
                        if (r < 0)
                                return r;
                        st->lap_distance += v;
                        st->laps_with_distance++;
                } else if (limber_xml_is(c, TCX_NS, "Track")) {
                        r = parse_track(st, c, why, why_size);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

static const xmlNode *first_activity(const xmlNode *root) {
        for (const xmlNode *a = root->children; a; a = a->next)
                if (limber_xml_is(a, TCX_NS, "Activities"))
                        for (const xmlNode *c = a->children; c; c = c->next)
                                if (limber_xml_is(c, TCX_NS, "Activity"))
                                        return c;
        return NULL;
}

int limber_parse_tcx(const char *data, size_t size, struct limber_import *ret, char *why, size_t why_size) {
        struct tcx_state st = { 0 };
        struct limber_import imp = { 0 };
        xmlDoc *doc = NULL;
        const xmlNode *root, *activity;
        const char *ns;
        char sport[256];
        int r;

        r = limber_xml_load(data, size, "TCX", &doc, why, why_size);
        if (r < 0)
                return r;
        root = xmlDocGetRootElement(doc);
        ns = root->ns && root->ns->href ? (const char *) root->ns->href : NULL;
        if (strcmp((const char *) root->name, "TrainingCenterDatabase") != 0 || !ns || strcmp(ns, TCX_NS) != 0) {
                limber_why(why, why_size, "not a TCX file: the root element is <%s>%s%s (expected "
                           "<TrainingCenterDatabase> in namespace " TCX_NS ")", root->name,
                           ns ? " in namespace " : " without namespace", ns ? ns : "");
                r = -EINVAL;
                goto finish;
        }
        activity = first_activity(root);
        if (!activity) {
                limber_why(why, why_size, "no <Activity> in the file");
                r = -EINVAL;
                goto finish;
        }

        for (const xmlNode *c = activity->children; c; c = c->next)
                if (limber_xml_is(c, TCX_NS, "Lap")) {
                        r = parse_lap(&st, c, why, why_size);
                        if (r < 0)
                                goto finish;
                }
        if (!st.have_time) {
                limber_why(why, why_size, "no laps or track points with a time");
                r = -EINVAL;
                goto finish;
        }

        if (limber_xml_attr(activity, "Sport", sport, sizeof sport) == -ENOENT)
                sport[0] = '\0';
        limber_import_set_sport(&imp, sport);
        imp.start_usec = st.first;
        imp.duration_usec = st.last - st.first;
        if (st.laps > 0 && st.laps_with_distance == st.laps)
                imp.distance_m = st.lap_distance;
        else if (st.have_point_distance)
                imp.distance_m = st.point_distance;
        else
                imp.distance_m = st.track_distance;
        *ret = imp;
        r = 0;
finish:
        xmlFreeDoc(doc);
        return r;
}
