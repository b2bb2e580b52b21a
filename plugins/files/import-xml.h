/* What the GPX and TCX parsers share: reading untrusted XML with libxml2 so that a file
 * can neither reach the network or the file system nor blow up in memory or time, and
 * reading the values both formats use (RFC 3339 times, decimals, great-circle
 * distances). Header-only, so that the limber-import library's sources stay one file
 * per format.
 *
 * The XML streams past through libxml2's SAX2 interface: no tree is built, and a format
 * keeps only the few values it needs. Building the tree and freeing it again took
 * three quarters of the time of an import.
 *
 * The defences, in the order a hostile file meets them:
 *   - more than LIMBER_IMPORT_MAX_SIZE bytes: refused before libxml2 sees a byte;
 *   - any <!ENTITY> declaration (billion laughs, XXE, parameter entities): the parser
 *     stops at the declaration and the file is refused, so no entity is ever expanded
 *     or fetched. GPX and TCX files never declare one;
 *   - external DTDs: never loaded (no DTDLOAD/DTDATTR/DTDVALID, and the handler has no
 *     externalSubset or resolveEntity callback), and XML_PARSE_NONET forbids any
 *     network access in any case;
 *   - deep nesting: more than LIMBER_XML_MAX_DEPTH levels are refused here, whatever
 *     limit the libxml2 at hand enforces on a parse that builds no tree (XML_PARSE_HUGE,
 *     which would lift its limits, stays off);
 *   - references to undeclared entities (after an external DTD) are left out: the
 *     handler has no reference callback, and attribute values are read as libxml2's
 *     tree would give them.
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
#include <libxml/xmlerror.h>

#include "import.h"

#define LIMBER_IMPORT_MAX_SIZE ((size_t) 64 << 20)

/* libxml2's own limit when it builds a tree, without XML_PARSE_HUGE. */
#define LIMBER_XML_MAX_DEPTH 256

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

/* An element as its start tag is read. */
struct limber_xml_element {
        const char *name;               /* local name; "prefix:name" when the prefix is not
                                         * bound, as libxml2's tree names such an element */
        const char *ns;                 /* namespace name, NULL for none */
        unsigned depth;                 /* the root's is 1 */
        int line;                       /* where the start tag ends, as in libxml2's tree */
        int n_attributes;               /* those in the file: defaults from a DTD are left
                                         * out, as libxml2's tree leaves them out */
        const xmlChar **attributes;     /* libxml2's: local name, prefix, URI, value, end */
};

struct limber_xml;

/* What a format does with the elements as they stream past. None is called again once
 * the format has refused the file (limber_xml_refuse()). */
struct limber_xml_format {
        const char *name;               /* "GPX", for messages */
        void (*start)(struct limber_xml *x, const struct limber_xml_element *e);
        void (*end)(struct limber_xml *x, unsigned depth);
        /* Character data, CDATA or a character reference directly inside the element at
         * depth; an element's text may come in several pieces. */
        void (*text)(struct limber_xml *x, unsigned depth, const char *s, size_t n);
};

/* A format's parse state starts with this: its callbacks cast it back. */
struct limber_xml {
        const struct limber_xml_format *format;
        xmlParserCtxt *ctxt;
        unsigned depth;                 /* of the innermost open element */
        bool saw_root;
        bool refused;                   /* the format gave its reason in why */
        char *why;
        size_t why_size;

        /* what makes the file not XML: libxml2's errors, the depth limit */
        bool fatal;
        int error_line;
        int error_level;
        char error[256];

        bool entity;                    /* an <!ENTITY> was declared */
        int entity_line;
        char entity_name[64];
};

/* The most severe first error wins: a fatal error says more than an earlier
 * recoverable one (an undefined namespace prefix, say). Warnings are not errors. */
static inline void limber_xml_set_error(struct limber_xml *x, int level, int line, const char *message) {
        size_t n;

        if (level < XML_ERR_ERROR || level <= x->error_level)
                return;
        x->error_level = level;
        x->error_line = line;
        snprintf(x->error, sizeof x->error, "%s", message ? message : "malformed XML");
        n = strlen(x->error);
        while (n > 0 && isspace((unsigned char) x->error[n - 1]))
                x->error[--n] = '\0';
}

/* libxml2 hands each callback the context, which is the handler's userData unless
 * told otherwise; the context's _private leads to our state. */
static inline struct limber_xml *limber_xml_of(void *userdata) {
        xmlParserCtxt *ctxt = userdata;

        return ctxt->_private;
}

static inline int limber_xml_line(const struct limber_xml *x) {
        return x->ctxt->input ? x->ctxt->input->line : 0;
}

#if LIBXML_VERSION >= 21200
static inline void limber_xml_on_error(void *userdata, const xmlError *e) {
#else
static inline void limber_xml_on_error(void *userdata, xmlErrorPtr e) {
#endif
        if (e)
                limber_xml_set_error(limber_xml_of(userdata), (int) e->level, e->line, e->message);
}

static inline void limber_xml_on_entity(struct limber_xml *x, const xmlChar *name) {
        if (!x->entity) {
                x->entity = true;
                x->entity_line = limber_xml_line(x);
                snprintf(x->entity_name, sizeof x->entity_name, "%s", name ? (const char *) name : "");
        }
        xmlStopParser(x->ctxt);
}

static inline void limber_xml_on_entity_decl(void *userdata, const xmlChar *name, int type,
                                             const xmlChar *public_id, const xmlChar *system_id,
                                             xmlChar *content) {
        limber_xml_on_entity(limber_xml_of(userdata), name);
}

/* <!ENTITY name SYSTEM "..." NDATA notation> comes here rather than to entityDecl. */
static inline void limber_xml_on_unparsed_entity_decl(void *userdata, const xmlChar *name,
                                                      const xmlChar *public_id, const xmlChar *system_id,
                                                      const xmlChar *notation) {
        limber_xml_on_entity(limber_xml_of(userdata), name);
}

/* Stops the parser on what makes the file unreadable as XML, as libxml2's fatal
 * errors do. */
static inline void limber_xml_fail(struct limber_xml *x, int line, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static inline void limber_xml_fail(struct limber_xml *x, int line, const char *fmt, ...) {
        char message[128];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(message, sizeof message, fmt, ap);
        va_end(ap);
        x->fatal = true;
        limber_xml_set_error(x, XML_ERR_FATAL, line, message);
        xmlStopParser(x->ctxt);
}

static inline void limber_xml_on_start(void *userdata, const xmlChar *localname, const xmlChar *prefix,
                                       const xmlChar *uri, int n_namespaces, const xmlChar **namespaces,
                                       int n_attributes, int n_defaulted, const xmlChar **attributes) {
        struct limber_xml *x = limber_xml_of(userdata);
        struct limber_xml_element e = {
                .name = (const char *) localname,
                .ns = (const char *) uri,
                .depth = ++x->depth,
                .line = limber_xml_line(x),
                .n_attributes = n_attributes - n_defaulted,
                .attributes = attributes,
        };

        x->saw_root = true;
        if (x->depth > LIMBER_XML_MAX_DEPTH) {
                limber_xml_fail(x, e.line, "Excessive depth in document: %d levels at most", LIMBER_XML_MAX_DEPTH);
                return;
        }
        if (x->refused)
                return;
        if (prefix && !uri) {
                e.name = (const char *) xmlDictQLookup(x->ctxt->dict, prefix, localname);
                if (!e.name) {
                        limber_xml_fail(x, e.line, "out of memory");
                        return;
                }
        }
        x->format->start(x, &e);
}

static inline void limber_xml_on_end(void *userdata, const xmlChar *localname, const xmlChar *prefix,
                                     const xmlChar *uri) {
        struct limber_xml *x = limber_xml_of(userdata);

        if (!x->refused)
                x->format->end(x, x->depth);
        x->depth--;
}

static inline void limber_xml_on_text(void *userdata, const xmlChar *s, int n) {
        struct limber_xml *x = limber_xml_of(userdata);

        if (!x->refused && x->depth > 0 && n > 0)
                x->format->text(x, x->depth, (const char *) s, (size_t) n);
}

/* Refuses the file for what it says, in limber's words. The first reason stands, and the
 * format hears no more of the file; libxml2 reads on, as a file that is not XML at all
 * is refused for that rather than for the first odd value in it. */
static inline void limber_xml_refuse(struct limber_xml *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static inline void limber_xml_refuse(struct limber_xml *x, const char *fmt, ...) {
        va_list ap;

        if (x->refused)
                return;
        x->refused = true;
        if (!x->why || x->why_size == 0)
                return;
        va_start(ap, fmt);
        vsnprintf(x->why, x->why_size, fmt, ap);
        va_end(ap);
}

/* One per file including this header: xmlInitParser() returns at once after its first
 * run, and the once keeps two first calls from racing within a file. */
static pthread_once_t limber_xml_once = PTHREAD_ONCE_INIT;

static inline void limber_xml_init(void) {
        xmlInitParser();
}

/* Streams a whole file past format's callbacks, with x (the start of the format's
 * state) reset first. Returns 0 when the file is XML and the format did not refuse it;
 * -EINVAL with the reason in why, or -ENOMEM. */
static inline int limber_xml_parse(struct limber_xml *x, const struct limber_xml_format *format,
                                   const char *data, size_t size, char *why, size_t why_size) {
        /* Nothing builds a tree or reads a DTD: no internalSubset, externalSubset,
         * resolveEntity, getEntity or reference callback. */
        static const xmlSAXHandler handler = {
                .initialized = XML_SAX2_MAGIC,
                .startElementNs = limber_xml_on_start,
                .endElementNs = limber_xml_on_end,
                .characters = limber_xml_on_text,
                .ignorableWhitespace = limber_xml_on_text,
                .cdataBlock = limber_xml_on_text,
                .entityDecl = limber_xml_on_entity_decl,
                .unparsedEntityDecl = limber_xml_on_unparsed_entity_decl,
                .serror = limber_xml_on_error,
        };
        /* Never XML_PARSE_NOENT (substitutes entities), DTDLOAD, DTDATTR, DTDVALID (load
         * external DTDs), XINCLUDE or HUGE (lifts the size limits). */
        const int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
        xmlParserCtxt *ctxt;
        xmlDoc *doc;
        bool well_formed;

        *x = (struct limber_xml) { .format = format, .why = why, .why_size = why_size };
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
        /* The context's handler is its own copy, freed with it. */
        *ctxt->sax = handler;
        ctxt->_private = x;
        x->ctxt = ctxt;

        doc = xmlCtxtReadMemory(ctxt, data, (int) size, NULL, NULL, options);
        /* There is no tree, but libxml2 makes a stub document to hold a declared entity
         * when no callback builds one. */
        xmlFreeDoc(doc);
        well_formed = ctxt->wellFormed;
        xmlFreeParserCtxt(ctxt);
        x->ctxt = NULL;

        if (x->entity) {
                limber_why(why, why_size, "line %d: the file declares the XML entity '%s'; "
                           "%s files need none, so it is refused", x->entity_line, x->entity_name, format->name);
                return -EINVAL;
        }
        if (!well_formed || x->fatal || !x->saw_root) {
                if (x->error[0])
                        limber_why(why, why_size, "XML error at line %d: %s", x->error_line, x->error);
                else
                        limber_why(why, why_size, "not well-formed XML");
                return -EINVAL;
        }
        return x->refused ? -EINVAL : 0;
}

static inline bool limber_xml_is(const struct limber_xml_element *e, const char *ns, const char *name) {
        /* libxml2 interns namespace names, so the pointers mostly match */
        return e->ns && (e->ns == ns || strcmp(e->ns, ns) == 0) && strcmp(e->name, name) == 0;
}

/* Appends n bytes to buf, which holds *len of its size: false, and a truncated copy,
 * when they do not all fit. */
static inline bool limber_xml_append(char *buf, size_t size, size_t *len, const char *s, size_t n) {
        size_t room = size - 1 - *len;
        bool fits = n <= room;

        if (!fits)
                n = room;
        memcpy(buf + *len, s, n);
        *len += n;
        return fits;
}

/* Ends buf at len, without the leading and trailing whitespace, which xsd:dateTime,
 * xsd:decimal and sport names do not keep. */
static inline void limber_xml_trim(char *buf, size_t len) {
        size_t start = 0;

        while (len > 0 && isspace((unsigned char) buf[len - 1]))
                len--;
        while (start < len && isspace((unsigned char) buf[start]))
                start++;
        if (start > 0)
                memmove(buf, buf + start, len - start);
        buf[len - start] = '\0';
}

/* Room for a time or a number as text: anything longer is neither. */
#define LIMBER_XML_VALUE_MAX 64
/* Room for a sport name as text, and the most any text is kept to. */
#define LIMBER_XML_TEXT_MAX 256

/* The text an element holds directly (not its children's), gathered as it streams
 * past, with leading and trailing whitespace dropped: at most size - 1 bytes of it,
 * the rest cut. */
struct limber_xml_text {
        unsigned depth;                 /* of the element; 0 when gathering nothing */
        int line;
        const char *name;               /* the element's, for messages (libxml2 keeps it
                                         * for the whole parse) */
        size_t size, len;
        bool fits;
        char buf[LIMBER_XML_TEXT_MAX];
};

static inline void limber_xml_text_start(struct limber_xml_text *t, const struct limber_xml_element *e,
                                         size_t size) {
        t->depth = e->depth;
        t->line = e->line;
        t->name = e->name;
        t->size = size < sizeof t->buf ? size : sizeof t->buf;
        t->len = 0;
        t->fits = true;
}

static inline void limber_xml_text_add(struct limber_xml_text *t, unsigned depth, const char *s, size_t n) {
        if (depth == t->depth && t->fits)
                t->fits = limber_xml_append(t->buf, t->size, &t->len, s, n);
}

/* Whether the element was the one being gathered; if so, t->buf holds its text, and
 * t->fits says whether all of it. */
static inline bool limber_xml_text_end(struct limber_xml_text *t, unsigned depth) {
        if (depth != t->depth)
                return false;
        limber_xml_trim(t->buf, t->len);
        t->depth = 0;
        return true;
}

/* An attribute without namespace, read as limber_xml_text reads an element: 0, or
 * -ENOENT when absent, -E2BIG when too long for buf (which gets what fits). */
static inline int limber_xml_attr(const struct limber_xml_element *e, const char *name, char *buf, size_t size) {
        for (int i = 0; i < e->n_attributes; i++) {
                const xmlChar *const *a = e->attributes + 5 * i;
                const char *s = (const char *) a[3], *end = (const char *) a[4];
                size_t len = 0;
                bool fits = true;

                if (a[1] || a[2] || strcmp((const char *) a[0], name) != 0)
                        continue;
                /* Without entity substitution, libxml2 leaves &amp; as "&#38;" for the
                 * tree to decode; nothing else is left escaped. */
                while (s < end && fits) {
                        const char *amp = memchr(s, '&', (size_t) (end - s));
                        size_t n = (size_t) ((amp ? amp : end) - s);

                        fits = limber_xml_append(buf, size, &len, s, n);
                        s += n;
                        if (fits && amp) {
                                bool escaped = end - amp >= 5 && memcmp(amp, "&#38;", 5) == 0;

                                fits = limber_xml_append(buf, size, &len, "&", 1);
                                s += escaped ? 5 : 1;
                        }
                }
                limber_xml_trim(buf, len);
                return fits ? 0 : -E2BIG;
        }
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

/* Plain decimals such as "48.1374532" the quick way, or false: with at most 2^53 as
 * the digits' integer and at most 22 of them after the point, both that integer and
 * the power of ten are exact doubles, so their quotient is rounded once, correctly,
 * and is what strtod() returns (Clinger's fast path). Coordinates are all like this. */
static inline bool limber_parse_plain_decimal(const char *s, double *ret) {
        static const double pow10[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
                                        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22 };
        const uint64_t max = UINT64_C(1) << 53;
        bool negative = *s == '-', point = false;
        unsigned digits = 0, decimals = 0;
        uint64_t m = 0;

        if (*s == '-' || *s == '+')
                s++;
        for (; *s; s++) {
                if (*s == '.' && !point) {
                        point = true;
                        continue;
                }
                if (!isdigit((unsigned char) *s))
                        return false;
                m = m * 10 + (uint64_t) (*s - '0');
                digits++;
                decimals += point;
                if (m > max || decimals >= sizeof pow10 / sizeof pow10[0])
                        return false;
        }
        if (digits == 0)
                return false;
        *ret = (double) m / pow10[decimals];
        if (negative)
                *ret = -*ret;
        return true;
}

/* A decimal as xsd:decimal or xsd:double write it: digits, sign, point, exponent;
 * never "nan", "inf" or hexadecimal, which strtod() would take. */
static inline int limber_parse_double(const char *s, double *ret) {
        char *end;
        double v;

        if (limber_parse_plain_decimal(s, ret))
                return 0;
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
