/* catalog.h - the service catalogue: region, cities, categories, services,
 * per-city overrides, forms and Bund/Land links. Loaded from content/ by
 * load/catalog_load.c; shared, as compiled code, by sitegen and relayd.
 * Everything lives in the catalogue's arena; strings are UTF-8, never NULL
 * unless documented ("" when empty). */
#ifndef CATALOG_H
#define CATALOG_H
#include <stdbool.h>
#include <stddef.h>
#include "../util/arena.h"
#include "../util/diag.h"

/* Where an element came from, for errors found after loading and for the
 * per-page "Stand" date computed from git history. */
struct srcpos {
	const char *file;       /* path relative to the content root's parent,
				 * e.g. "content/services/hundeanmeldung.yml" */
	int line, col;
};

struct office {                 /* a city's responsible office, by role */
	const char *id;         /* role key, e.g. "standesamt" */
	const char *name, *address, *phone, *email, *hours, *url;
	const char *appointment;    /* online booking (https://) or "" */
	const char *appointment_phone;  /* booking by phone, or "" */
	const char *recipient;  /* where form mails go; never published */
	struct srcpos pos;
};

/* A body's data protection officer (Datenschutzbeauftragte/r), only as the
 * body itself publishes it: where (source, an https:// page of the body)
 * and when it was checked are required. Absent (NULL) when no such
 * publication was found: the Datenschutz page then says so. */
struct privacy_officer {
	const char *name;           /* as published, e.g. "Stadt Dorsten,
				     * Datenschutzbeauftragter, Rechtsamt 32/4" */
	const char *address, *phone, *email;    /* "" when not published */
	const char *source;         /* https:// */
	const char *checked;        /* YYYY-MM-DD */
	const char *caveat;         /* "" or why the source is not the body's
				     * main website or may be dated: shown
				     * next to the contact as "ohne Gewähr" */
	struct srcpos pos;
};

struct city {
	const char *slug, *name;    /* "dorsten", "Dorsten" */
	const char *kind;           /* "Kreisfreie Stadt", "Kreis", "Stadt" */
	const char *parent;         /* slug of the Kreis, or "" */
	const char *website;        /* official website, https:// */
	const char *ref_prefix;     /* 3 letters for reference numbers: "DOR" */
	const char *intro;          /* Markdown */
	const char *contact_address, *contact_phone, *contact_email, *contact_hours;
	const char *launch;         /* portal launch date YYYY-MM-DD or "" */
	const char **postcodes;     /* five digits each; may be none */
	size_t n_postcodes;
	const char **districts;     /* Ortsteile as the city names them
				     * ("Wulfen"), for the umbrella's finder;
				     * may be none */
	size_t n_districts;
	const struct privacy_officer *privacy_officer;  /* or NULL */
	const char *color_primary, *color_accent;   /* "#rrggbb" */
	const char *logo;           /* path below themes/<theme>/ or city dir, or "" */
	const char *theme;          /* theme directory name, default "default" */
	struct office *offices;
	size_t n_offices;
	struct srcpos pos;
};

struct lebenslage {
	const char *slug, *name;
};

struct category {
	const char *slug, *name;    /* portal label, e.g. "Familie und Kind" */
	const char *themenfeld;     /* OZG slug, e.g. "familie_kind" */
	const char *description;    /* plain text */
	struct lebenslage *lebenslagen;
	size_t n_lebenslagen;
	struct srcpos pos;
};

enum field_type {
	FT_TEXT, FT_TEXTAREA, FT_EMAIL, FT_TEL, FT_DATE, FT_NUMBER,
	FT_SELECT, FT_RADIO, FT_CHECKBOX, FT_FILE, FT_TIME, FT_COUNT
};
/* What each type means (names, lengths, checks): model/facts.h. */

struct value_format;            /* model/facts.h */
struct fee;                     /* model/fee.h */

/* responsible: on a Kreis, "the towns of the Kreis offer it" */
#define RESPONSIBLE_TOWNS "staedte"

struct field_option {
	const char *value, *label;
	const char *service;        /* a service this answer leads to (slug,
				     * e.g. "grosser-hund-anzeigen"), or NULL:
				     * the form then points to its page */
};

/* A conditional field: shown (with JavaScript), validated and kept only
 * when the earlier field `field` has one of the values (a checkbox: "ja").
 * Without JavaScript the field is always shown, with a hint naming the
 * answer it belongs to; the relay drops its value when the answer differs. */
struct field_condition {
	const char *field;
	const char **values;
	size_t n_values;
};

/* A repeatable group of fields ("several dogs in one Hundeanmeldung"):
 * the loader repeats its fields max times. Part 1 keeps the names of the
 * catalogue ("rasse"), part k > 1 gets "_k" appended ("rasse_2"). Part 1
 * is required as declared; a later part is optional as a whole: its
 * fields are checked (required ones too) and kept only when the citizen
 * filled in at least one of them. */
struct field_group {
	const char *name;           /* "hunde" */
	const char *legend;         /* "Hund": the parts are "1. Hund", "2. Hund" */
	const char *add_label;      /* form.js's button: "Weiteren Hund hinzufügen" */
	const char *hint;           /* shown in every later part */
	size_t max;                 /* parts, 2 to FIELD_GROUP_MAX */
	size_t n_fields;            /* fields per part */
	struct srcpos pos;
};
#define FIELD_GROUP_MAX 10

struct field {
	const char *name;           /* [a-z0-9_]+, unique within a form */
	const struct field_group *group;    /* or NULL */
	size_t part;                /* in a group: 1 to group->max, else 0 */
	const char *long_label;     /* in a group "2. Hund: Rasse" (errors,
				     * the stored answer), else the label */
	const char *label, *help;   /* help may be "" */
	enum field_type type;
	bool required;
	size_t max_length;          /* 0 = type default */
	bool has_min, has_max;      /* number: value range */
	double min, max;
	const char *autocomplete;   /* HTML autocomplete token or "" */
	/* prefill: the ID token claim (a path, "address.locality") whose
	 * verified value relayd puts in the field, read-only, for a logged-in
	 * citizen; "" = none (prefill_claims below) */
	const char *prefill;
	const struct value_format *format;  /* text: "plz", "iban" (facts.h), or NULL */
	const struct field_condition *when;     /* or NULL: always */
	const char *after;          /* a city's added field: the shared field it
				     * follows, or NULL: before the closing
				     * declarations (see catalog_resolve) */
	struct field_option *options;   /* select/radio */
	size_t n_options;
	/* file fields */
	const char **accept;        /* MIME types: application/pdf, image/jpeg, image/png */
	size_t n_accept;
	size_t max_size;            /* bytes per file */
	size_t max_files;           /* >= 1 */
	struct srcpos pos;
};

struct form {
	const char *intro;          /* Markdown shown above the fields, or "" */
	struct field *fields;
	size_t n_fields;
	const char *applicant_email_field;  /* name of the email field for
					     * Reply-To/receipt, or "" */
};

struct service {
	const char *slug, *title;
	const char *leika;          /* 14 digits or "" */
	const char *category;       /* category slug */
	const char **lebenslagen;   /* lebenslage slugs */
	size_t n_lebenslagen;
	const char *summary;        /* one sentence, plain text */
	const char *description;    /* Markdown */
	const char *requirements;   /* Markdown or "" (Voraussetzungen) */
	const char **documents;     /* Erforderliche Unterlagen */
	size_t n_documents;
	const char *costs;          /* Kosten, plain text */
	const char *deadlines;      /* Fristen or "" */
	const char *duration;       /* Bearbeitungsdauer or "" */
	const char *next_steps;     /* after an online application: what the
				     * citizen receives and when, plain text, or "" */
	const char **legal_basis;
	size_t n_legal_basis;
	const char *office;         /* office role that handles it */
	const char *keywords;       /* extra search words or "" */
	const char *available_from, *available_until;   /* YYYY-MM-DD or "" */
	struct form *form;          /* NULL when there is no online form */
	const struct fee *fee;      /* NULL: nothing to pay online (fee.h) */
	/* identification: the trust level a citizen's login must have
	 * before relayd takes a post (enum ident_level; 0 = none) */
	unsigned identification;
	struct srcpos pos;
};

/* The trust levels of a login (eIDAS-like, as BundID names them), in
 * order: a session of a higher level satisfies a lower requirement. */
enum ident_level { IDENT_NONE, IDENT_BASIS, IDENT_SUBSTANTIELL, IDENT_HOCH };
/* "none", "basis", "substantiell", "hoch"; NULL-ended */
extern const char *const ident_level_names[];
/* The claims a field may be prefilled from (OpenID Connect standard
 * claims, as BundID hands them out); NULL-ended */
extern const char *const prefill_claims[];

/* A city's difference from the shared service. Only set fields apply. */
struct override {
	const char *city, *service;     /* slugs */
	bool has_offered;
	bool offered;
	const char *costs;              /* NULL = unchanged */
	const char *office;             /* office role, NULL = unchanged */
	const char *recipient;          /* NULL = office's recipient */
	const char *note;               /* Markdown "Hinweis für <city>", or NULL */
	const char *responsible;        /* offered: false: the city (slug) whose
					 * portal offers it instead, e.g. the Kreis;
					 * RESPONSIBLE_TOWNS on a Kreis: its towns
					 * do; or NULL */
	const char *deadlines;          /* NULL = unchanged */
	const char **remove_fields;
	size_t n_remove_fields;
	struct field *add_fields;
	size_t n_add_fields;
	const char *available_from, *available_until;   /* NULL = unchanged */
	const struct fee *fee;          /* NULL = unchanged */
	struct srcpos pos;
};

struct extlink {                /* a Bund/Land online service */
	const char *title, *url, *level;    /* level: "Bund" or "Land NRW" */
	const char *category;       /* category slug */
	const char *description, *provider;
	struct srcpos pos;
};

struct region {
	const char *name;           /* "Serviceportal Emscher-Lippe" */
	const char *short_name;     /* "Emscher-Lippe" */
	const char *base_url;       /* absolute, no trailing slash; sitemap */
	const char *relay_url;      /* form action for every form */
	const char *intro;          /* Markdown */
	const char *contact_name, *contact_address, *contact_email, *contact_phone;
	const struct privacy_officer *privacy_officer;  /* the operator's, or NULL */
	const char *color_primary, *color_accent;
	const char **city_order;    /* city slugs in display order */
	size_t n_city_order;
	struct srcpos pos;
};

/* content/search.yml: words that mean the same to a citizen, folded
 * (model/search.h), one word each. */
struct synonym_group {
	const char **words;
	size_t n;
	struct srcpos pos;
};

struct catalog {
	struct arena arena;
	struct region region;
	struct city *cities;        /* in region.city_order order */
	size_t n_cities;
	struct category *categories;
	size_t n_categories;
	struct service *services;   /* sorted by slug */
	size_t n_services;
	struct override *overrides;
	size_t n_overrides;
	struct extlink *links;
	size_t n_links;
	struct synonym_group *synonyms;     /* search.yml; none when absent */
	size_t n_synonyms;
	const char **stopwords;     /* folded; ignored in queries */
	size_t n_stopwords;
	/* Built by catalog_index() (the loader calls it): the override of
	 * every city x service, [city * n_services + service] or NULL, and
	 * the city indices sorted by slug for lookups by halves. */
	const struct override **ov_at;
	size_t *city_by_slug;
	/* Built by catalog_resolve_all() for relayd, which looks a service
	 * up per request: every city x service resolved, [city * n_services
	 * + service]; NULL before. A site build resolves only the page it
	 * renders (catalog_resolve_at): at 6,000 services the table is
	 * 9.4 MB. */
	struct city_service *cs;
};

/* ---- effective view: a service as one city offers it ---- */
struct city_service {
	const struct city *city;
	const struct service *service;
	const struct override *ov;  /* NULL when none */
	bool offered;
	const char *costs, *deadlines, *note;   /* note may be NULL */
	const struct office *office;    /* NULL when the city has no such office */
	const char *recipient;      /* never published */
	const struct city *responsible; /* not offered here: who does, or NULL */
	bool towns_responsible;     /* a Kreis: its towns offer it instead */
	const char *available_from, *available_until;
	const struct fee *fee;      /* the override's, else the service's, or NULL */
	/* Effective form fields: shared fields minus removed plus added.
	 * NULL/0 when the service has no form. Allocated in the catalogue arena. */
	const struct field **fields;
	size_t n_fields;
};

const struct city     *catalog_city(const struct catalog *c, const char *slug);
const struct category *catalog_category(const struct catalog *c, const char *slug);
const struct service  *catalog_service(const struct catalog *c, const char *slug);
const struct override *catalog_override(const struct catalog *c,
					const char *city, const char *service);
const struct office   *city_office(const struct city *city, const char *id);
/* Fills *out for city x service; returns 0, or -1 when either is unknown.
 * Allocates the field list in the catalogue's arena: use the table of
 * catalog_resolve_all() rather than calling this per request. */
int catalog_resolve(struct catalog *c, const struct city *city,
		    const struct service *svc, struct city_service *out);
/* Indexes the cities by slug and the overrides by city x service (an
 * override of an unknown city or service applies nowhere); later calls
 * return at once. Not thread-safe: the loader calls it before the
 * catalogue is shared. */
void catalog_index(struct catalog *c);
/* Fills *out for the city and the service at these indices, with the
 * field list in a, or without fields (NULL, 0) when a is NULL. After
 * catalog_index(); reads the catalogue only, so threads may call it. */
void catalog_resolve_at(const struct catalog *c, size_t city, size_t svc,
			struct arena *a, struct city_service *out);
/* The override of a city x service by indices, or NULL (also before
 * catalog_index()). */
static inline const struct override *catalog_override_at(const struct catalog *c,
							 size_t city, size_t svc)
{
	return c->ov_at ? c->ov_at[city * c->n_services + svc] : NULL;
}
/* Does a city with this override (or none) offer the service? */
static inline bool ov_offered(const struct override *ov)
{
	return !(ov && ov->has_offered && !ov->offered);
}
/* Resolves every city x service once into c->cs (and indexes the
 * catalogue first); later calls return 0 at once. Not thread-safe: call
 * before sharing the catalogue (relayd does). 0 (-1 is kept for a
 * catalogue that cannot be resolved). */
int catalog_resolve_all(struct catalog *c);
/* The resolved service of a city by slugs, found by halves; NULL when
 * either slug is unknown or catalog_resolve_all() has not run. */
const struct city_service *catalog_city_service(const struct catalog *c,
						const char *city, const char *service);
static inline const struct city_service *catalog_cs_at(const struct catalog *c,
						       size_t city, size_t svc)
{
	return &c->cs[city * c->n_services + svc];
}
const struct field *cs_field(const struct city_service *cs, const char *name);
/* The label that names a field on its own: "2. Hund: Rasse" in a group. */
static inline const char *field_long_label(const struct field *f)
{
	return f->long_label ? f->long_label : f->label;
}
const struct field *cs_field_in_form(const struct form *f, const char *name);
/* Is the date (YYYY-MM-DD) within [from, until]? Empty bounds are open. */
bool date_in_window(const char *date, const char *from, const char *until);

void catalog_free(struct catalog *c);
#endif
