/* relayd - receives the portals' form posts, validates them against the
 * catalogue, stores them durably (SQLite, group commit) and lets the
 * delivery worker mail them to the responsible office.
 *
 *   relayd --config relay.yml [--no-store]
 *   relayd --config relay.yml --dump-forms
 *   relayd --config-keys       every key of relay.yml: type, default, help
 *
 * Signals: SIGHUP reloads catalogue and templates (on error the old ones
 * stay); SIGTERM/SIGINT stop accepting, finish requests in flight, commit
 * and exit 0. */
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <unistd.h>
#include "admin/admin.h"
#include "config/config.h"
#include "model/catalog.h"
#include "util/url.h"
#include "receive/forms.h"
#include "receive/log.h"
#include "receive/server.h"
#include "deliver/worker.h"
#include "store/store.h"

static void usage(void)
{
	fprintf(stderr, "usage: relayd --config relay.yml [--no-store | --dump-forms]\n"
			"       relayd --config-keys\n");
	exit(2);
}

static void wake_worker(void *ctx)
{
	deliver_worker_wake(ctx);
}

/* The office role of city x service in the catalogue relayd started with
 * (store_fill_offices): "" when the city names none, NULL when the pair is
 * gone from the catalogue. */
static const char *office_of(void *ctx, const char *city, const char *service)
{
	const struct city_service *cs = forms_find(ctx, city, service);
	if (!cs)
		return NULL;
	return cs->office ? cs->office->id : "";
}

/* Rows stored before schema version 4 have no office yet: the clerks'
 * inbox would never show them. Filled once from the catalogue; a failure
 * costs only their visibility in the inbox, so relayd runs on. */
static void fill_offices(struct store *store, struct forms *f)
{
	long long filled = 0;
	if (store_fill_offices(store, office_of, f, &filled) < 0)
		relay_log("error", "offices_fill_failed", "error=\"%s\"",
			  store_errmsg(store));
	else if (filled)
		relay_log("info", "offices_filled", "rows=%lld", filled);
}

/* The form that relayd shows again after errors posts back to relayd
 * itself ({public_url}/submit), not to region.yml's relay_url: the two
 * differ on a staging or test relay, and a post must never leave for
 * another relay. */
static struct forms *load_forms(const struct relay_config *cfg)
{
	char action[1024];
	int n = snprintf(action, sizeof action, "%s/submit", cfg->public_url);
	if (n < 0 || (size_t)n >= sizeof action) {
		fprintf(stderr, "relayd: public_url is too long\n");
		return NULL;
	}
	struct forms *f = forms_load(cfg->content_dir, cfg->themes_dir, action, stderr);
	/* "Jetzt bezahlen" posts to relayd, which redirects to the provider:
	 * the pages' form-action must allow its origin */
	if (f && cfg->payment.page_url && *cfg->payment.page_url) {
		struct arena a;
		arena_init(&a);
		forms_add_form_target(f, url_origin(&a, cfg->payment.page_url));
		arena_free(&a);
	}
	return f;
}

/* In this order: the admin socket (it uses the store), the store, the
 * lock, the forms (dropping the "current" reference frees them), the
 * configuration. Each may be absent. */
/* A service with a fee in a city without a payment account takes its
 * applications as before, without online payment: said once per pair at
 * start and reload, so the operator sees what is not paid online. */
static void warn_unpaid_fees(const struct relay_config *cfg, const struct catalog *cat)
{
	for (size_t ci = 0; ci < cat->n_cities; ci++)
		for (size_t si = 0; si < cat->n_services; si++) {
			const struct city_service *cs = catalog_cs_at(cat, ci, si);
			if (cs && cs->offered && cs->fee && cs->n_fields &&
			    !config_pay_city(cfg, cs->city->slug))
				relay_log("warn", "payment_not_configured", "city=%s service=%s "
					  "msg=\"a fee, but no payment account for the city: "
					  "taken without online payment\"", cs->city->slug,
					  cs->service->slug);
		}
}

static void release_all(struct admin_server *admin, struct store *store,
			int lock_fd, struct relay_config *cfg)
{
	admin_stop(admin);
	store_close(store);
	if (lock_fd >= 0)
		close(lock_fd);
	struct forms *cur = forms_acquire();
	forms_release(cur);
	forms_release(cur);
	config_free(cfg);
}

int main(int argc, char **argv)
{
	const char *cfgpath = NULL;
	bool no_store = false, dump = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--config") && i + 1 < argc)
			cfgpath = argv[++i];
		else if (!strcmp(argv[i], "--no-store"))
			no_store = true;
		else if (!strcmp(argv[i], "--dump-forms"))
			dump = true;
		else if (!strcmp(argv[i], "--config-keys") && argc == 2)
			return config_print_keys(stdout) < 0 ? 1 : 0;
		else
			usage();
	}
	if (!cfgpath)
		usage();
	/* Few malloc arenas: one per thread (glibc's default, up to 8 per
	 * core) keeps freed request memory scattered and RSS high. */
	mallopt(M_ARENA_MAX, 2);
	/* Request arenas take 64 KiB blocks of which a request touches a few
	 * KiB; as mmap'ed chunks only the touched pages are resident and
	 * they go back to the kernel when the request ends. */
	mallopt(M_MMAP_THRESHOLD, 32 * 1024);

	struct relay_config *cfg = config_load_or_report(cfgpath, stderr);
	if (!cfg)
		return 1;
	struct forms *f = load_forms(cfg);
	if (!f) {
		config_free(cfg);
		return 1;
	}
	struct diags d;
	diags_init(&d);
	if (config_check_notify(cfg, f->cat, &d) + config_check_payment(cfg, f->cat, &d) > 0) {
		diags_print(&d, stderr);
		diags_free(&d);
		forms_free(f);
		config_free(cfg);
		return 1;
	}
	diags_free(&d);
	warn_unpaid_fees(cfg, f->cat);
	if (dump) {
		int rc = forms_dump_json(f, stdout);
		forms_free(f);
		config_free(cfg);
		return rc < 0 ? 1 : 0;
	}
	forms_set_current(f);

	/* every thread inherits this mask; only sigwait below sees them */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* A database at its file size limit must fail the commit (EFBIG: the
	 * posts of that batch get 503), not kill the daemon with every post in
	 * flight. */
	signal(SIGXFSZ, SIG_IGN);
	/* Request bodies of up to max_body live in one growing buffer each:
	 * from 128 KiB on they get their own mapping, returned to the kernel
	 * when the request ends. (glibc otherwise raises this threshold after
	 * the first large free and keeps later bodies in its heaps.) */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);

	/* relayd is the database's only writer: it holds the lock while it
	 * runs (relayctl writes itself only when it can take it) and takes
	 * relayctl's resend and purge through the admin socket. A relayctl
	 * writing directly holds the lock for a moment: wait for it. */
	struct store *store = NULL;
	struct admin_server *admin = NULL;
	int lock_fd = -1;
	char dbname[512];           /* for log lines: no password in them */
	store_masked(cfg->database, dbname, sizeof dbname);
	if (!no_store) {
		char err[512];
		lock_fd = admin_lock(cfg->lock_file, 10000, err, sizeof err);
		if (lock_fd == -2)
			relay_log("error", "locked", "lock=%s msg=\"another relayd (or a "
				  "relayctl writing) uses database %s\"", cfg->lock_file,
				  dbname);
		else if (lock_fd < 0)
			relay_log("error", "lock", "error=\"%s\"", err);
		if (lock_fd >= 0 && !(admin = admin_listen(cfg->admin_socket, err,
							  sizeof err)))
			relay_log("error", "admin_socket", "error=\"%s\"", err);
		if (admin && !(store = store_open(cfg->database, err, sizeof err)))
			relay_log("error", "store_open", "error=\"%s\"", err);
		if (!store) {
			release_all(admin, NULL, lock_fd, cfg);
			return 1;
		}
	}
	void (*after)(void *) = NULL;
	void *after_ctx = NULL;
	struct deliver_worker *worker = NULL;
	if (store)
		fill_offices(store, f);
	if (store) {
		worker = deliver_worker_start(store, cfg);
		if (!worker) {
			release_all(admin, store, lock_fd, cfg);
			return 1;
		}
		after = wake_worker;
		after_ctx = worker;
	}
	static struct relay_server srv;
	if (server_start(&srv, cfg, store, after, after_ctx) < 0 ||
	    (admin && admin_serve(admin, store, after, after_ctx) < 0)) {
		deliver_worker_stop(worker);
		release_all(admin, store, lock_fd, cfg);
		return 1;
	}
	relay_log("info", "started", "listen=%s port=%u database=%s store=%s admin_socket=%s",
		  cfg->listen, cfg->port, dbname, store ? "on" : "off",
		  admin ? cfg->admin_socket : "-");

	for (;;) {
		int sig = 0;
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			struct forms *nf = load_forms(cfg);
			if (nf) {
				/* an office the new catalogue lacks keeps its
				 * mode: say so, but serve the new forms */
				struct diags nd;
				diags_init(&nd);
				if (config_check_notify(cfg, nf->cat, &nd) > 0)
					relay_log("warn", "notify_unknown_office",
						  "msg=\"%s\"", nd.n ? nd.v[0].msg : "");
				diags_free(&nd);
				warn_unpaid_fees(cfg, nf->cat);
				forms_set_current(nf);
				relay_log("info", "reloaded", "%s", "");
			} else {
				relay_log("error", "reload_failed",
					  "msg=\"keeping the forms loaded before\"");
			}
			continue;
		}
		break;
	}
	relay_log("info", "stopping", "%s", "");
	server_quiesce(&srv);
	server_drain(&srv, cfg->limits.request_deadline);
	server_stop(&srv);
	deliver_worker_stop(worker);
	/* admin commands are served until the end: relayctl never finds the
	 * lock held and nobody answering for longer than the shutdown */
	release_all(admin, store, lock_fd, cfg);
	relay_log("info", "stopped", "%s", "");
	return 0;
}
