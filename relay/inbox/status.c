/* status.c - see status.h. */
#include "status.h"
#include <string.h>

static const struct {
	const char *slug, *label, *citizen;
} words[] = {
	{ "neu", "Neu", NULL },
	{ "in_bearbeitung", "In Bearbeitung",
	  "Die zuständige Stelle bearbeitet Ihren Antrag." },
	{ "abgeschlossen", "Abgeschlossen",
	  "Die zuständige Stelle hat Ihren Antrag abgeschlossen." },
	{ "abgelehnt", "Abgelehnt",
	  "Die zuständige Stelle hat Ihren Antrag abgelehnt. Die Begründung "
	  "erhalten Sie von ihr." },
};

const char *status_label(const char *slug)
{
	for (size_t i = 0; slug && i < sizeof words / sizeof *words; i++)
		if (!strcmp(slug, words[i].slug))
			return words[i].label;
	return slug ? slug : "";
}

const char *status_citizen_text(const char *slug)
{
	for (size_t i = 0; slug && i < sizeof words / sizeof *words; i++)
		if (!strcmp(slug, words[i].slug))
			return words[i].citizen;
	return NULL;
}
