/* status.h - the clerk statuses of store.h (store_statuses) in German: the
 * one place for their words, for the clerk's pages and the citizen's
 * application page alike. */
#ifndef INBOX_STATUS_H
#define INBOX_STATUS_H

/* "Neu", "In Bearbeitung", "Abgeschlossen", "Abgelehnt"; an unknown slug
 * comes back as it is. */
const char *status_label(const char *slug);
/* What the citizen's timeline says under the label; NULL for "neu". */
const char *status_citizen_text(const char *slug);
#endif
