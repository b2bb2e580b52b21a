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
 * whose track points carry no time cannot be placed in time and is refused. */
#include "import-xml.h"

#define GPX_NS_11 "http://www.topografix.com/GPX/1/1"
#define GPX_NS_10 "http://www.topografix.com/GPX/1/0"

struct gpx_state {
        const char *ns;
        bool have_time;
        uint64_t first, last;
        double distance;
        char type[256];                 /* from trk/<type> */
        char ext_type[256];             /* from an extension */
};

static bool is_sport_name(const xmlChar *name) {
        static const char *const names[] = { "type", "activity", "sport" };

        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
                if (strcasecmp((const char *) name, names[i]) == 0)
                        return true;
        return false;
}

/* The first element with a sport name and some text under an <extensions>, in document
 * order. libxml2 has already bounded the depth. */
static void find_extension_sport(const xmlNode *n, char *buf, size_t size) {
        for (const xmlNode *c = n->children; c && !buf[0]; c = c->next) {
                if (c->type != XML_ELEMENT_NODE)
                        continue;
                if (is_sport_name(c->name)) {
                        (void) limber_xml_text(c, buf, size);
                        if (buf[0])
                                return;
                }
                find_extension_sport(c, buf, size);
        }
}

static void look_for_extension_sport(struct gpx_state *st, const xmlNode *parent) {
        for (const xmlNode *c = parent->children; c && !st->ext_type[0]; c = c->next)
                if (limber_xml_is(c, st->ns, "extensions"))
                        find_extension_sport(c, st->ext_type, sizeof st->ext_type);
}

static int parse_trkpt(struct gpx_state *st, const xmlNode *pt, bool *have_prev, double *prev_lat, double *prev_lon,
                       char *why, size_t why_size) {
        char lat_s[64], lon_s[64], text[64];
        int r_lat = limber_xml_attr(pt, "lat", lat_s, sizeof lat_s);
        int r_lon = limber_xml_attr(pt, "lon", lon_s, sizeof lon_s);
        double lat, lon;

        /* Both are required by the schema; a point without them still has its time. */
        if (r_lat != -ENOENT && r_lon != -ENOENT) {
                if (r_lat < 0 || limber_parse_double(lat_s, &lat) < 0 || lat < -90.0 || lat > 90.0) {
                        limber_why(why, why_size, "line %ld: invalid latitude '%s'", xmlGetLineNo(pt), lat_s);
                        return -EINVAL;
                }
                if (r_lon < 0 || limber_parse_double(lon_s, &lon) < 0 || lon < -180.0 || lon > 180.0) {
                        limber_why(why, why_size, "line %ld: invalid longitude '%s'", xmlGetLineNo(pt), lon_s);
                        return -EINVAL;
                }
                if (*have_prev)
                        st->distance += limber_haversine_m(*prev_lat, *prev_lon, lat, lon);
                *have_prev = true;
                *prev_lat = lat;
                *prev_lon = lon;
        }

        for (const xmlNode *c = pt->children; c; c = c->next) {
                uint64_t t;

                if (!limber_xml_is(c, st->ns, "time"))
                        continue;
                if (!limber_xml_text(c, text, sizeof text) || limber_parse_time(text, &t) < 0) {
                        limber_why(why, why_size, "line %ld: invalid time '%s' (expected RFC 3339, such as "
                                   "2024-05-12T06:30:00Z)", xmlGetLineNo(c), text);
                        return -EINVAL;
                }
                if (!st->have_time || t < st->first)
                        st->first = t;
                if (!st->have_time || t > st->last)
                        st->last = t;
                st->have_time = true;
                break;
        }
        return 0;
}

static int parse_trk(struct gpx_state *st, const xmlNode *trk, char *why, size_t why_size) {
        for (const xmlNode *c = trk->children; c; c = c->next) {
                if (limber_xml_is(c, st->ns, "type") && !st->type[0])
                        (void) limber_xml_text(c, st->type, sizeof st->type);
                else if (limber_xml_is(c, st->ns, "trkseg")) {
                        bool have_prev = false;
                        double prev_lat = 0, prev_lon = 0;

                        for (const xmlNode *pt = c->children; pt; pt = pt->next) {
                                if (!limber_xml_is(pt, st->ns, "trkpt"))
                                        continue;
                                int r = parse_trkpt(st, pt, &have_prev, &prev_lat, &prev_lon, why, why_size);
                                if (r < 0)
                                        return r;
                        }
                }
        }
        look_for_extension_sport(st, trk);
        return 0;
}

static int check_root(const xmlNode *root, const char **ret_ns, char *why, size_t why_size) {
        const char *ns = root->ns && root->ns->href ? (const char *) root->ns->href : NULL;

        if (strcmp((const char *) root->name, "gpx") != 0) {
                limber_why(why, why_size, "not a GPX file: the root element is <%s>%s%s", root->name,
                           ns ? " in namespace " : " without namespace", ns ? ns : "");
                return -EINVAL;
        }
        if (!ns) {
                limber_why(why, why_size, "not a GPX 1.0 or 1.1 file: <gpx> has no namespace (expected "
                           GPX_NS_11 " or " GPX_NS_10 ")");
                return -EINVAL;
        }
        if (strcmp(ns, GPX_NS_11) != 0 && strcmp(ns, GPX_NS_10) != 0) {
                limber_why(why, why_size, "not a GPX 1.0 or 1.1 file: <gpx> is in namespace %s (expected "
                           GPX_NS_11 " or " GPX_NS_10 ")", ns);
                return -EINVAL;
        }
        *ret_ns = ns;
        return 0;
}

int limber_parse_gpx(const char *data, size_t size, struct limber_import *ret, char *why, size_t why_size) {
        struct gpx_state st = { 0 };
        struct limber_import imp = { 0 };
        xmlDoc *doc = NULL;
        const xmlNode *root;
        int r;

        r = limber_xml_load(data, size, "GPX", &doc, why, why_size);
        if (r < 0)
                return r;
        root = xmlDocGetRootElement(doc);
        r = check_root(root, &st.ns, why, why_size);
        if (r < 0)
                goto finish;

        for (const xmlNode *c = root->children; c; c = c->next)
                if (limber_xml_is(c, st.ns, "trk")) {
                        r = parse_trk(&st, c, why, why_size);
                        if (r < 0)
                                goto finish;
                }
        for (const xmlNode *c = root->children; c && !st.ext_type[0]; c = c->next)
                if (limber_xml_is(c, st.ns, "metadata"))
                        look_for_extension_sport(&st, c);
        look_for_extension_sport(&st, root);

        if (!st.have_time) {
                limber_why(why, why_size, "no track points with a time");
                r = -EINVAL;
                goto finish;
        }

        limber_import_set_sport(&imp, st.type[0] ? st.type : st.ext_type);
        imp.start_usec = st.first;
        imp.duration_usec = st.last - st.first;
        imp.distance_m = st.distance;
        *ret = imp;
        r = 0;
finish:
        xmlFreeDoc(doc);
        return r;
}
