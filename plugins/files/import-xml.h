/* What the GPX and TCX parsers share: loading untrusted XML with libxml2 so that a file
 * can neither reach the network or the file system nor blow up in memory or time, and
 * reading the values both formats use (RFC 3339 times, decimals, great-circle
 * distances). Header-only, so that the limber-import library's sources stay one file
 * per format.
 *
 * The defences, in the order a hostile file meets them:
 *   - more than LIMBER_IMPORT_MAX_SIZE bytes: refused before libxml2 sees a byte;
 *   - any <!ENTITY> declaration (billion laughs, XXE, parameter entities): the parser
 *     stops at the declaration and the file is refused, so no entity is ever expanded
 *     or fetched. GPX and TCX files never declare one;
 *   - external DTDs: never loaded (no DTDLOAD/DTDATTR/DTDVALID, and no external-subset
 *     callback), and XML_PARSE_NONET forbids any network access in any case;
 *   - deep nesting: libxml2 refuses more than 256 levels, as XML_PARSE_HUGE stays off;
 *   - entity references left in the tree (undeclared ones, after an external DTD) are
 *     skipped by limber_xml_text(), which reads text and CDATA nodes only.
 * Each call has its own parser context; errors are collected through that context,
 * never through libxml2's global handlers. */
#pragma once

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "import.h"

#define LIMBER_IMPORT_MAX_SIZE ((size_t) 64 << 20)

/* The IUGG mean radius. gpsbabel uses the equatorial 6378137 m, which makes its
 * lengths 0.11% longer than ours. */
#define LIMBER_EARTH_RADIUS_M 6371008.8

#define LIMBER_USEC_PER_SEC UINT64_C(1000000)

static inline void limber_why(char *why, size_t why_size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static inline void limber_why(char *why, size_t why_size, const char *fmt, ...) {
        va_list ap;

        if (!why || why_size == 0)
                return;
        va_start(ap, fmt);
        vsnprintf(why, why_size, fmt, ap);
        va_end(ap);
}

struct limber_xml_state {
        int error_line;
        int error_level;
        char error[256];
        bool entity;            /* an <!ENTITY> was declared */
        int entity_line;
        char entity_name[64];
};

/* The most severe first error wins: a fatal error says more than an earlier
 * recoverable one (an undefined namespace prefix, say). Warnings are not errors. */
#if LIBXML_VERSION >= 21200
static inline void limber_xml_on_error(void *userdata, const xmlError *e) {
#else
static inline void limber_xml_on_error(void *userdata, xmlErrorPtr e) {
#endif
        xmlParserCtxt *ctxt = userdata;
        struct limber_xml_state *st = ctxt->_private;
        size_t n;

        if (!e || e->level < XML_ERR_ERROR || (int) e->level <= st->error_level)
                return;
        st->error_level = (int) e->level;
        st->error_line = e->line;
        snprintf(st->error, sizeof st->error, "%s", e->message ? e->message : "malformed XML");
        n = strlen(st->error);
        while (n > 0 && isspace((unsigned char) st->error[n - 1]))
                st->error[--n] = '\0';
}

static inline void limber_xml_on_entity_decl(void *userdata, const xmlChar *name, int type,
                                             const xmlChar *public_id, const xmlChar *system_id,
                                             xmlChar *content) {
        xmlParserCtxt *ctxt = userdata;
        struct limber_xml_state *st = ctxt->_private;

        if (!st->entity) {
                st->entity = true;
                st->entity_line = ctxt->input ? ctxt->input->line : 0;
                snprintf(st->entity_name, sizeof st->entity_name, "%s", name ? (const char *) name : "");
        }
        xmlStopParser(ctxt);
}

/* One per file including this header: xmlInitParser() returns at once after its first
 * run, and the once keeps two first calls from racing within a file. */
static pthread_once_t limber_xml_once = PTHREAD_ONCE_INIT;

static inline void limber_xml_init(void) {
        xmlInitParser();
}

/* Parses a whole file. On success *ret owns the document (xmlFreeDoc it). what names
 * the format in messages ("GPX"). */
static inline int limber_xml_load(const char *data, size_t size, const char *what, xmlDoc **ret,
                                  char *why, size_t why_size) {
        /* Never XML_PARSE_NOENT (substitutes entities), DTDLOAD, DTDATTR, DTDVALID (load
         * external DTDs), XINCLUDE or HUGE (lifts the depth and size limits). */
        const int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_BIG_LINES;
        struct limber_xml_state st = { 0 };
        xmlParserCtxt *ctxt;
        xmlDoc *doc;

        if (size == 0) {
                limber_why(why, why_size, "the file is empty");
                return -EINVAL;
        }
        if (size > LIMBER_IMPORT_MAX_SIZE) {
                limber_why(why, why_size, "the file is larger than %zu MiB", LIMBER_IMPORT_MAX_SIZE >> 20);
                return -EINVAL;
        }

        (void) pthread_once(&limber_xml_once, limber_xml_init);
        ctxt = xmlNewParserCtxt();
        if (!ctxt) {
                limber_why(why, why_size, "out of memory");
                return -ENOMEM;
        }
        /* The context's SAX handler is its own copy: these changes stay with this call. */
        ctxt->_private = &st;
        ctxt->sax->serror = limber_xml_on_error;
        ctxt->sax->entityDecl = limber_xml_on_entity_decl;
        ctxt->sax->externalSubset = NULL;

        doc = xmlCtxtReadMemory(ctxt, data, (int) size, NULL, NULL, options);
        if (doc && !st.entity && ctxt->wellFormed && xmlDocGetRootElement(doc)) {
                xmlFreeParserCtxt(ctxt);
                *ret = doc;
                return 0;
        }

        xmlFreeDoc(doc);
        xmlFreeParserCtxt(ctxt);
        if (st.entity)
                limber_why(why, why_size, "line %d: the file declares the XML entity '%s'; "
                           "%s files need none, so it is refused", st.entity_line, st.entity_name, what);
        else if (st.error[0])
                limber_why(why, why_size, "XML error at line %d: %s", st.error_line, st.error);
        else
                limber_why(why, why_size, "not well-formed XML");
        return -EINVAL;
}

static inline bool limber_xml_is(const xmlNode *n, const char *ns, const char *name) {
        return n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
               strcmp((const char *) n->ns->href, ns) == 0 && strcmp((const char *) n->name, name) == 0;
}

/* The text an element holds directly, from its text and CDATA children (entity
 * references are not expanded), with leading and trailing whitespace dropped.
 * Returns false, with a truncated copy, when it does not fit. */
static inline bool limber_xml_text(const xmlNode *element, char *buf, size_t size) {
        size_t n = 0, start = 0;
        bool fits = true;

        for (const xmlNode *c = element->children; c; c = c->next) {
                if ((c->type != XML_TEXT_NODE && c->type != XML_CDATA_SECTION_NODE) || !c->content)
                        continue;
                for (const xmlChar *p = c->content; *p; p++) {
                        if (n + 1 >= size) {
                                fits = false;
                                break;
                        }
                        buf[n++] = (char) *p;
                }
        }
        buf[n] = '\0';
        while (n > 0 && isspace((unsigned char) buf[n - 1]))
                buf[--n] = '\0';
        while (isspace((unsigned char) buf[start]))
                start++;
        memmove(buf, buf + start, n - start + 1);
        return fits;
}

/* An attribute without namespace, read as limber_xml_text() reads elements: 0, or
 * -ENOENT when absent, -E2BIG when too long for buf. */
static inline int limber_xml_attr(const xmlNode *element, const char *name, char *buf, size_t size) {
        for (const xmlAttr *a = element->properties; a; a = a->next)
                if (!a->ns && strcmp((const char *) a->name, name) == 0)
                        return limber_xml_text((const xmlNode *) a, buf, size) ? 0 : -E2BIG;
        buf[0] = '\0';
        return -ENOENT;
}

/* Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
static inline int64_t limber_days_from_civil(int64_t y, unsigned m, unsigned d) {
        y -= m <= 2;
        int64_t era = (y >= 0 ? y : y - 399) / 400;
        unsigned yoe = (unsigned) (y - era * 400);
        unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
        unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + (int64_t) doe - 719468;
}

static inline bool limber_digits(const char **p, unsigned n, unsigned *ret) {
        unsigned v = 0;

        for (unsigned i = 0; i < n; i++) {
                if (!isdigit((unsigned char) (*p)[i]))
                        return false;
                v = v * 10 + (unsigned) ((*p)[i] - '0');
        }
        *p += n;
        *ret = v;
        return true;
}

/* An RFC 3339 time (xsd:dateTime as GPX and TCX write it): 2024-05-12T06:30:00Z,
 * with optional fractional seconds (kept to the µs) and 'Z' or a ±HH:MM offset. A
 * time without a zone is taken as UTC, which both formats prescribe. */
static inline int limber_parse_time(const char *s, uint64_t *ret) {
        static const unsigned mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
        unsigned y, mo, d, h, mi, sec, oh = 0, om = 0, usec = 0;
        int sign = 0;
        const char *p = s;

        if (!limber_digits(&p, 4, &y) || *p++ != '-' || !limber_digits(&p, 2, &mo) || *p++ != '-' ||
            !limber_digits(&p, 2, &d) || (*p != 'T' && *p != 't' && *p != ' '))
                return -EINVAL;
        p++;
        if (!limber_digits(&p, 2, &h) || *p++ != ':' || !limber_digits(&p, 2, &mi) || *p++ != ':' ||
            !limber_digits(&p, 2, &sec))
                return -EINVAL;
        if (*p == '.') {
                unsigned scale = 100000;

                p++;
                if (!isdigit((unsigned char) *p))
                        return -EINVAL;
                for (; isdigit((unsigned char) *p); p++, scale /= 10)
                        usec += (unsigned) (*p - '0') * scale;
        }
        if (*p == 'Z' || *p == 'z')
                p++;
        else if (*p == '+' || *p == '-') {
                sign = *p++ == '+' ? 1 : -1;
                if (!limber_digits(&p, 2, &oh) || *p++ != ':' || !limber_digits(&p, 2, &om) || oh > 23 || om > 59)
                        return -EINVAL;
        }
        if (*p != '\0')
                return -EINVAL;

        bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] + (mo == 2 && leap) || h > 23 || mi > 59 || sec > 60)
                return -EINVAL;

        int64_t t = limber_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec -
                    sign * (int64_t) (oh * 3600 + om * 60);
        if (t < 0)
                return -EINVAL;
        *ret = (uint64_t) t * LIMBER_USEC_PER_SEC + usec;
        return 0;
}

/* A decimal as xsd:decimal or xsd:double write it: digits, sign, point, exponent;
 * never "nan", "inf" or hexadecimal, which strtod() would take. */
static inline int limber_parse_double(const char *s, double *ret) {
        char *end;
        double v;

        if (!*s || strspn(s, "0123456789+-.eE") != strlen(s))
                return -EINVAL;
        errno = 0;
        v = strtod(s, &end);
        if (errno != 0 || *end != '\0' || !isfinite(v))
                return -EINVAL;
        *ret = v;
        return 0;
}

/* Great-circle distance by the haversine formula, in metres. */
static inline double limber_haversine_m(double lat1, double lon1, double lat2, double lon2) {
        const double rad = M_PI / 180.0;
        double sdlat = sin((lat2 - lat1) * rad / 2.0);
        double sdlon = sin((lon2 - lon1) * rad / 2.0);
        double a = sdlat * sdlat + cos(lat1 * rad) * cos(lat2 * rad) * sdlon * sdlon;

        return 2.0 * LIMBER_EARTH_RADIUS_M * asin(sqrt(a < 1.0 ? a : 1.0));
}

/* Fills in kind and sport from what the file calls the sport: sport keeps it for
 * messages, cut at a character boundary and with control characters blanked. */
static inline void limber_import_set_sport(struct limber_import *imp, const char *sport) {
        size_t n = strlen(sport);

        if (n >= sizeof imp->sport) {
                n = sizeof imp->sport - 1;
                while (n > 0 && ((unsigned char) sport[n] & 0xC0) == 0x80)
                        n--;
        }
        for (size_t i = 0; i < n; i++)
                imp->sport[i] = iscntrl((unsigned char) sport[i]) ? ' ' : sport[i];
        imp->sport[n] = '\0';
        snprintf(imp->kind, sizeof imp->kind, "%s", limber_import_kind(sport));
}
