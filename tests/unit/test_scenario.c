/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * test_scenario.c - the scenario language: statements, the IR, every
 * error with its file:line:col, relative policy paths, the built-in
 * default and the shipped scenarios.
 *
 * The catalog is built here by hand, so these tests do not depend on the
 * catalog parser; the shipped scenarios are also parsed against the real
 * catalog (policies/catalog) when it is there. Runs from the repository
 * root (the shipped files are read by relative path).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <glob.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scenario.h"
#include "unit.h"

#define SHIPPED_CATALOG "policies/catalog"
#define SHIPPED_SCENARIOS "policies/scenarios"
#define EXAMPLE "policies/examples/apns-port.policy" /* a regular file */

/* ---- a catalog by hand --------------------------------------------------- */

struct svc_def {
	const char *id;
	enum br_platform platform;
	const char *actions[4];	      /* NULL-terminated */
	enum br_platform act_plat[4]; /* of each action */
};

/*
 * The services and actions the shipped scenarios name. The bank's push
 * is one action per platform (APNs on iOS, FCM on Android), as the
 * catalog may have it.
 */
static const struct svc_def svc_defs[] = {
	{ "apns", BR_PLAT_IOS, { "push-received" }, { 0 } },
	{ "imessage",
	  BR_PLAT_IOS,
	  { "message-sent", "message-received", "attachment-sent" },
	  { 0 } },
	{ "facetime", BR_PLAT_IOS, { "call" }, { 0 } },
	{ "icloud", BR_PLAT_IOS, { "sync" }, { 0 } },
	{ "fcm", BR_PLAT_ANDROID, { "push-received" }, { 0 } },
	{ "bank",
	  BR_PLAT_ANY,
	  { "push-received", "push-received", "open" },
	  { BR_PLAT_IOS, BR_PLAT_ANDROID, BR_PLAT_ANY } },
	{ "delivery", BR_PLAT_ANY, { "push-received", "open" }, { 0 } },
	{ "auth", BR_PLAT_ANY, { "push-received", "open" }, { 0 } },
	{ "ridehail", BR_PLAT_ANY, { "push-received", "open" }, { 0 } },
	{ "news", BR_PLAT_ANY, { "push-received", "open" }, { 0 } },
	{ "telegram", BR_PLAT_ANY, { "message-sent", "call" }, { 0 } },
	{ "whatsapp", BR_PLAT_ANY, { "message-sent", "call" }, { 0 } },
	{ "signal", BR_PLAT_ANY, { "message-sent" }, { 0 } },
	{ "web", BR_PLAT_ANY, { "page-load" }, { 0 } },
	{ "cloud-app", BR_PLAT_ANY, { "open" }, { 0 } },
	{ "quiet", BR_PLAT_ANY, { NULL }, { 0 } }, /* no actions */
	/* the default scenario's cloud-hosted services and Twitter */
	{ "ewallet", BR_PLAT_ANY, { "pay" }, { 0 } },
	{ "game-network", BR_PLAT_ANY, { "play" }, { 0 } },
	{ "video", BR_PLAT_ANY, { "play" }, { 0 } },
	{ "twitter", BR_PLAT_ANY, { "open" }, { 0 } },
	/* the 2018 collateral the era scenarios name */
	{ "viber", BR_PLAT_ANY, { "call" }, { 0 } },
	{ "social", BR_PLAT_ANY, { "open" }, { 0 } },
	{ "online-school", BR_PLAT_ANY, { "join" }, { 0 } },
	/* the Russian site the 2022 QUIC block spared */
	{ "ru-web", BR_PLAT_ANY, { "page-load" }, { 0 } },
	/* the services of the 2025 whitelists, the frozen providers' sites */
	{ "gosuslugi", BR_PLAT_ANY, { "open" }, { 0 } },
	{ "yandex", BR_PLAT_ANY, { "search" }, { 0 } },
	{ "vk", BR_PLAT_ANY, { "open" }, { 0 } },
	{ "max", BR_PLAT_ANY, { "message-sent" }, { 0 } },
	{ "rutube", BR_PLAT_ANY, { "open" }, { 0 } },
	{ "ozon", BR_PLAT_ANY, { "open" }, { 0 } },
	{ "wildberries", BR_PLAT_ANY, { "open" }, { 0 } },
	{ "sberbank", BR_PLAT_ANY, { "open" }, { 0 } },
	{ "cf-site", BR_PLAT_ANY, { "page-load" }, { 0 } },
	{ "hetzner-site", BR_PLAT_ANY, { "page-load" }, { 0 } },
	{ "do-site", BR_PLAT_ANY, { "page-load" }, { 0 } },
	/* the target of the 2024 throttling */
	{ "youtube", BR_PLAT_ANY, { "open", "play" }, { 0 } },
};

#define N_SVC (sizeof(svc_defs) / sizeof(svc_defs[0]))
enum {
	APNS,
	IMESSAGE,
	FACETIME,
	ICLOUD,
	FCM,
	BANK,
	DELIVERY,
	AUTH,
	RIDEHAIL,
	NEWS,
	TELEGRAM,
	WHATSAPP,
	SIGNAL,
	WEB,
	CLOUD_APP,
	QUIET
};

static struct br_cat_service test_services[N_SVC];
static struct br_cat_action test_actions[N_SVC][4];
static struct br_catalog test_cat;

/*
 * What "move" names: Telegram's connection (and a lookup, which has no
 * servers to move), the clouds of the 2018 chase, and a set of another
 * kind.
 */
static struct br_cat_flow telegram_flows[] = {
	{ .name = "dc", .kind = BR_CAT_TCP },
	{ .name = "lookup", .kind = BR_CAT_DNS },
};
static struct br_set test_sets[] = {
	{ .name = "aws-2018-blocked", .type = BR_SET_ADDR },
	{ .name = "do-2018-blocked", .type = BR_SET_ADDR },
	{ .name = "azure-2018-blocked", .type = BR_SET_ADDR },
	{ .name = "web-ports", .type = BR_SET_PORT },
};
enum { AWS_SET, DO_SET, AZURE_SET };

static const struct br_catalog *catalog(void)
{
	size_t i, j;

	if (test_cat.n_services)
		return &test_cat;
	for (i = 0; i < N_SVC; i++) {
		struct br_cat_service *s = &test_services[i];

		s->id = (char *)svc_defs[i].id;
		s->platform = svc_defs[i].platform;
		s->actions = test_actions[i];
		for (j = 0; svc_defs[i].actions[j]; j++) {
			test_actions[i][j].name =
				(char *)svc_defs[i].actions[j];
			test_actions[i][j].platform = svc_defs[i].act_plat[j];
			test_actions[i][j].per_hour = 1;
		}
		s->n_actions = j;
	}
	test_services[TELEGRAM].flows = telegram_flows;
	test_services[TELEGRAM].n_flows = 2;
	test_cat.services = test_services;
	test_cat.n_services = N_SVC;
	test_cat.sets = test_sets;
	test_cat.n_sets = sizeof(test_sets) / sizeof(test_sets[0]);
	return &test_cat;
}

/* ---- helpers ------------------------------------------------------------- */

static struct br_scenario *parse_ok_as(const char *file, const char *text)
{
	struct br_scenario *scn = NULL;
	struct br_diag d;
	char *msgs;
	int err;

	br_diag_init(&d);
	err = br_scenario_parse_buffer(file, text, strlen(text), catalog(),
				       &scn, &d);
	msgs = diag_text(&d);
	if (err)
		print_error("unexpected errors:\n%s\n", msgs);
	assert_int_equal(err, 0);
	assert_string_equal(msgs, "");
	assert_non_null(scn);
	free(msgs);
	br_diag_free(&d);
	return scn;
}

static struct br_scenario *parse_ok(const char *text)
{
	return parse_ok_as("t.scenario", text);
}

/* Parse text that must fail; returns its messages. */
static char *parse_bad_as(const char *file, const char *text)
{
	struct br_scenario *scn = (struct br_scenario *)1;
	struct br_diag d;
	char *msgs;
	int err;

	br_diag_init(&d);
	err = br_scenario_parse_buffer(file, text, strlen(text), catalog(),
				       &scn, &d);
	assert_int_equal(err, -EINVAL);
	assert_null(scn);
	msgs = diag_text(&d);
	br_diag_free(&d);
	return msgs;
}

static char *tmp_dir(void)
{
	char *dir = strdup("/tmp/br-scenario-XXXXXX");

	assert_non_null(dir);
	assert_non_null(mkdtemp(dir));
	return dir;
}

static char *path_in(const char *dir, const char *name)
{
	char *path;

	assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
	return path;
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char *path = path_in(dir, name);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	free(path);
}

static void rm_tree(const char *dir)
{
	char *cmd;

	assert_true(asprintf(&cmd, "rm -rf '%s'", dir) > 0);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

static char *read_all(const char *path, size_t *len)
{
	char *buf = NULL;
	FILE *f = fopen(path, "r");
	size_t cap = 0;
	ssize_t n;

	assert_non_null(f);
	n = getdelim(&buf, &cap, '\0', f);
	assert_true(n >= 0);
	*len = (size_t)n;
	fclose(f);
	return buf;
}

static void check_pos(struct br_pos pos, const char *file, int line, int col)
{
	assert_string_equal(pos.file, file);
	assert_int_equal(pos.line, line);
	assert_int_equal(pos.col, col);
}

#define NS_S 1000000000ULL
#define NS_M (60 * NS_S)

/* ---- the IR -------------------------------------------------------------- */

static void test_full_ir(void **state)
{
	char *dir = tmp_dir(), *file, *text, *want;
	struct br_scenario *scn;
	struct br_diag d;

	(void)state;
	want = path_in(dir, "sub");
	assert_int_equal(mkdir(want, 0755), 0);
	free(want);
	write_file(dir, "a.policy", "policy a\n");
	write_file(dir, "sub/b.policy", "policy b\n");
	write_file(dir, "t.scenario",
		   "# every statement\n"
		   "scenario \"full one\"\n"
		   "description \"all of it\"\n"
		   "devices 2500\n"
		   "platform android 70%, ios 30%   # any order\n"
		   "ipv6 12.5%\n"
		   "access cellular 45%, wifi 55%\n"
		   "duration 10m\n"
		   "seed 42\n"
		   "app bank 80%\n"
		   "app imessage 70%\n"
		   "\n"
		   "app cloud-app 0%\n"
		   "rate bank.push-received 4/h\n"
		   "rate bank.open 0.5/m\n"
		   "at 0s policy \"a.policy\"\n"
		   "at 1.5m policy \"sub/b.policy\"\n"
		   "at 9m policy \"sub/../a.policy\"\n"
		   "handover cellular 3/h, wifi 0.5/h\n"
		   "keepalive wifi 10m\n"
		   "nat-timeout cellular 4m, wifi 2h\n"
		   "backoff 2s 1m\n"
		   "identity-lookup tls\n"
		   "contacts 25\n"
		   "key-cache 60%\n");
	file = path_in(dir, "t.scenario");
	br_diag_init(&d);
	assert_int_equal(br_scenario_parse_file(file, catalog(), &scn, &d), 0);
	assert_int_equal(d.n, 0);
	br_diag_free(&d);

	assert_string_equal(scn->name, "full one");
	assert_string_equal(scn->file, file);
	assert_string_equal(scn->description, "all of it");
	assert_int_equal(scn->devices, 2500);
	assert_true(scn->ios_share == 0.3);
	assert_true(scn->ipv6_share == 0.125);
	assert_true(scn->cellular_share == 0.45);
	assert_true(scn->handover_per_hour[0] == 0.5);
	assert_true(scn->handover_per_hour[1] == 3);
	assert_true(scn->keepalive_ns[0] == 10 * NS_M);
	assert_true(scn->keepalive_ns[1] == BR_SCN_KEEPALIVE_NS); /* default */
	assert_true(scn->nat_timeout_ns[0] == 120 * NS_M);
	assert_true(scn->nat_timeout_ns[1] == 4 * NS_M);
	assert_true(scn->backoff_min_ns == 2 * NS_S);
	assert_true(scn->backoff_max_ns == NS_M);
	assert_int_equal(scn->lookup_in_channel, 0);
	assert_int_equal(scn->contacts, 25);
	assert_true(scn->key_cache == 0.6);
	assert_true(scn->duration_ns == 10 * NS_M);
	assert_true(scn->seed == 42);

	assert_int_equal(scn->n_apps, 3);
	assert_int_equal(scn->apps[0].service, BANK);
	assert_true(scn->apps[0].share == 0.8);
	check_pos(scn->apps[0].pos, file, 10, 5);
	assert_int_equal(scn->apps[1].service, IMESSAGE);
	assert_true(scn->apps[1].share == 0.7);
	check_pos(scn->apps[1].pos, file, 11, 5);
	assert_int_equal(scn->apps[2].service, CLOUD_APP);
	assert_true(scn->apps[2].share == 0);
	check_pos(scn->apps[2].pos, file, 13, 5);

	/* one push action per platform: the rate sets both */
	assert_int_equal(scn->n_rates, 3);
	assert_int_equal(scn->rates[0].service, BANK);
	assert_int_equal(scn->rates[0].action, 0);
	assert_true(scn->rates[0].per_hour == 4);
	check_pos(scn->rates[0].pos, file, 14, 6);
	assert_int_equal(scn->rates[1].service, BANK);
	assert_int_equal(scn->rates[1].action, 1);
	assert_true(scn->rates[1].per_hour == 4);
	check_pos(scn->rates[1].pos, file, 14, 6);
	assert_int_equal(scn->rates[2].service, BANK);
	assert_int_equal(scn->rates[2].action, 2);
	assert_true(scn->rates[2].per_hour == 30);
	check_pos(scn->rates[2].pos, file, 15, 6);

	/* policy paths are relative to the scenario's directory */
	assert_int_equal(scn->n_events, 3);
	assert_true(scn->events[0].at_ns == 0);
	want = path_in(dir, "a.policy");
	assert_string_equal(scn->events[0].policy, want);
	free(want);
	check_pos(scn->events[0].pos, file, 16, 4);
	assert_true(scn->events[1].at_ns == 90 * NS_S);
	want = path_in(dir, "sub/b.policy");
	assert_string_equal(scn->events[1].policy, want);
	free(want);
	check_pos(scn->events[1].pos, file, 17, 4);
	assert_true(scn->events[2].at_ns == 9 * NS_M);
	want = path_in(dir, "sub/../a.policy");
	assert_string_equal(scn->events[2].policy, want);
	free(want);
	br_scenario_free(scn);

	/* parse_buffer resolves against the directory of the name it gets */
	text = read_all(file, &(size_t){ 0 });
	scn = parse_ok_as(file, text);
	want = path_in(dir, "sub/b.policy");
	assert_string_equal(scn->events[1].policy, want);
	free(want);
	br_scenario_free(scn);
	free(text);

	free(file);
	rm_tree(dir);
	free(dir);
}

/* Who the censor sees: vpn (all, per service), coverage, proxy. */
static void test_reach(void **state)
{
	struct br_scenario *scn;

	(void)state;
	scn = parse_ok("scenario r\n"
		       "devices 1\n"
		       "platform ios 100%\n"
		       "duration 1s\n"
		       "vpn telegram 40%\n"
		       "vpn 33.5%\n"
		       "vpn web 5%\n"
		       "coverage cellular 100%, wifi 50%\n"
		       "proxy telegram 20%\n");
	assert_true(scn->vpn_share == 0.335);
	assert_true(scn->coverage[0] == 0.5);
	assert_true(scn->coverage[1] == 1);
	assert_int_equal(scn->n_vpns, 2);
	assert_int_equal(scn->vpns[0].service, TELEGRAM);
	assert_true(scn->vpns[0].share == 0.4);
	check_pos(scn->vpns[0].pos, "t.scenario", 5, 5);
	assert_int_equal(scn->vpns[1].service, WEB);
	assert_true(scn->vpns[1].share == 0.05);
	assert_int_equal(scn->n_proxies, 1);
	assert_int_equal(scn->proxies[0].service, TELEGRAM);
	assert_true(scn->proxies[0].share == 0.2);
	br_scenario_free(scn);

	/* each may be a range: a param an ensemble draws, the central
	 * value for a single run */
	scn = parse_ok("scenario r\n"
		       "devices 1\n"
		       "platform ios 100%\n"
		       "duration 1s\n"
		       "vpn 20%..40%\n"
		       "vpn telegram 10%..30%\n"
		       "coverage wifi 40%..50%..70%\n"
		       "proxy telegram 0%..20%\n");
	assert_int_equal(scn->n_params, 4);
	assert_string_equal(scn->params[0].name, "vpn");
	assert_true(fabs(scn->vpn_share - 0.3) < 1e-12);
	assert_string_equal(scn->params[1].name, "vpn telegram");
	assert_true(fabs(scn->vpns[0].share - 0.2) < 1e-12);
	assert_string_equal(scn->params[2].name, "coverage wifi");
	assert_true(fabs(scn->coverage[0] - 0.5) < 1e-12);
	assert_true(scn->coverage[1] == BR_SCN_COVERAGE);
	assert_string_equal(scn->params[3].name, "proxy telegram");
	assert_true(fabs(scn->proxies[0].share - 0.1) < 1e-12);
	br_scn_param_set(scn, 0, 0.25);
	br_scn_param_set(scn, 1, 0.15);
	br_scn_param_set(scn, 2, 0.6);
	br_scn_param_set(scn, 3, 0.05);
	assert_true(scn->vpn_share == 0.25);
	assert_true(scn->vpns[0].share == 0.15);
	assert_true(scn->coverage[0] == 0.6);
	assert_true(scn->proxies[0].share == 0.05);
	br_scenario_free(scn);

	/* operators: a share of an access's devices, their own coverage */
	scn = parse_ok("scenario r\n"
		       "devices 1\n"
		       "platform ios 100%\n"
		       "duration 1s\n"
		       "operator mts cellular 30% coverage 100%\n"
		       "operator home wifi 40%..50%..60% coverage 0%..20%\n"
		       "operator tele2 cellular 70% coverage 90%\n");
	assert_int_equal(scn->n_operators, 3);
	assert_string_equal(scn->operators[0].name, "mts");
	assert_int_equal(scn->operators[0].access, 1);
	assert_true(scn->operators[0].share == 0.3);
	assert_true(scn->operators[0].coverage == 1);
	check_pos(scn->operators[0].pos, "t.scenario", 5, 10);
	assert_int_equal(scn->operators[1].access, 0);
	assert_true(fabs(scn->operators[1].share - 0.5) < 1e-12);
	assert_true(fabs(scn->operators[1].coverage - 0.1) < 1e-12);
	assert_true(scn->operators[2].coverage == 0.9);
	assert_int_equal(scn->n_params, 2);
	assert_string_equal(scn->params[0].name, "operator home");
	assert_string_equal(scn->params[1].name, "operator home coverage");
	br_scn_param_set(scn, 0, 0.45);
	br_scn_param_set(scn, 1, 0.15);
	assert_true(scn->operators[1].share == 0.45);
	assert_true(scn->operators[1].coverage == 0.15);
	br_scenario_free(scn);

	/* one access left out keeps its default */
	scn = parse_ok("scenario r\n"
		       "devices 1\n"
		       "platform ios 100%\n"
		       "duration 1s\n"
		       "coverage wifi 0%\n");
	assert_true(scn->coverage[0] == 0);
	assert_true(scn->coverage[1] == BR_SCN_COVERAGE);
	br_scenario_free(scn);
}

static void test_defaults(void **state)
{
	struct br_scenario *scn;

	(void)state;
	scn = parse_ok("scenario min\n"
		       "devices 1\n"
		       "platform ios 100%\n"
		       "duration 1s");
	assert_string_equal(scn->name, "min");
	assert_string_equal(scn->file, "t.scenario");
	assert_null(scn->description);
	assert_int_equal(scn->devices, 1);
	assert_true(scn->ios_share == 1);
	assert_true(scn->ipv6_share == 0);     /* IPv4 only */
	assert_true(scn->cellular_share == 0); /* all on Wi-Fi */
	assert_true(scn->duration_ns == NS_S);
	assert_true(scn->seed == 1);
	assert_int_equal(scn->n_apps, 0);
	assert_true(scn->handover_per_hour[0] == BR_SCN_HANDOVER_WIFI);
	assert_true(scn->handover_per_hour[1] == BR_SCN_HANDOVER_CELL);
	assert_true(scn->nat_timeout_ns[0] == BR_SCN_NAT_WIFI_NS);
	assert_true(scn->nat_timeout_ns[1] == BR_SCN_NAT_CELL_NS);
	assert_true(scn->backoff_min_ns == BR_SCN_BACKOFF_MIN_NS);
	assert_int_equal(scn->lookup_in_channel, BR_SCN_LOOKUP_IN_CHANNEL);
	assert_int_equal(scn->contacts, BR_SCN_CONTACTS);
	assert_true(scn->key_cache == BR_SCN_KEY_CACHE);
	/* the censor sees everyone */
	assert_true(scn->vpn_share == 0);
	assert_true(scn->coverage[0] == 1 && scn->coverage[1] == 1);
	assert_int_equal(scn->n_vpns, 0);
	assert_int_equal(scn->n_proxies, 0);
	/* the defaults' horizon: 1 - 0.9 = e^-t/h on Wi-Fi alone */
	assert_true(br_scn_reconnect_horizon(scn, 0.9) / 1e9 >
		    3600 * 2.30 / BR_SCN_HANDOVER_WIFI);
	assert_true(br_scn_reconnect_horizon(scn, 0.9) / 1e9 <
		    3600 * 2.31 / BR_SCN_HANDOVER_WIFI);
	assert_null(scn->apps);
	assert_int_equal(scn->n_rates, 0);
	assert_null(scn->rates);
	assert_int_equal(scn->n_events, 0);
	assert_null(scn->events);
	br_scenario_free(scn);
	br_scenario_free(NULL);

	/* NULL file name: "<buffer>"; CRLF, comments, blank lines */
	{
		const char *text = "scenario \"x\"\r\n\r\n# c\r\n"
				   "devices 1000000  # the most\r\n"
				   "platform android 100%\r\n"
				   "access cellular 100%\r\n"
				   "duration 24h\r\n";
		struct br_diag d;

		br_diag_init(&d);
		assert_int_equal(br_scenario_parse_buffer(NULL, text,
							  strlen(text),
							  catalog(), &scn, &d),
				 0);
		assert_int_equal(d.n, 0);
		assert_string_equal(scn->file, "<buffer>");
		assert_int_equal(scn->devices, 1000000);
		assert_true(scn->ios_share == 0);
		assert_true(scn->cellular_share == 1);
		assert_true(scn->duration_ns == 24 * 60 * NS_M);
		br_scenario_free(scn);
		br_diag_free(&d);
	}
}

static void test_quantities(void **state)
{
	static const struct {
		const char *text;
		uint64_t ns;
	} times[] = {
		{ "90s", 90 * NS_S },	      { "10m", 10 * NS_M },
		{ "1h", 60 * NS_M },	      { "1.5h", 90 * NS_M },
		{ "1.25s", NS_S + NS_S / 4 }, { "2.000000001s", 2 * NS_S + 1 },
		{ "24h", 24 * 60 * NS_M },    { "1440m", 24 * 60 * NS_M },
	};
	static const struct {
		const char *text;
		double per_hour;
	} rates[] = {
		{ "4/h", 4 },	     { "0.5/m", 30 },	 { "1/s", 3600 },
		{ "2/d", 2.0 / 24 }, { "0/h", 0 },	 { "3600/h", 3600 },
		{ "60/m", 3600 },    { "0.25/h", 0.25 },
	};
	struct br_scenario *scn;
	char *text;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		assert_true(asprintf(&text,
				     "scenario q\ndevices 5\n"
				     "platform ios 50%%, android 50%%\n"
				     "duration %s\n",
				     times[i].text) > 0);
		scn = parse_ok(text);
		if (scn->duration_ns != times[i].ns)
			fail_msg("%s: %llu ns", times[i].text,
				 (unsigned long long)scn->duration_ns);
		br_scenario_free(scn);
		free(text);
	}
	for (i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		assert_true(asprintf(&text,
				     "scenario q\ndevices 5\n"
				     "platform ios 50%%, android 50%%\n"
				     "duration 1m\napp web 100%%\n"
				     "rate web.page-load %s\n",
				     rates[i].text) > 0);
		scn = parse_ok(text);
		assert_int_equal(scn->n_rates, 1);
		assert_int_equal(scn->rates[0].service, WEB);
		assert_int_equal(scn->rates[0].action, 0);
		if (fabs(scn->rates[0].per_hour - rates[i].per_hour) > 1e-12)
			fail_msg("%s: %g/h", rates[i].text,
				 scn->rates[0].per_hour);
		br_scenario_free(scn);
		free(text);
	}

	/* shares: fractions, sums exact to the last decimal */
	scn = parse_ok("scenario q\ndevices 5\n"
		       "platform ios 33.333333333%, android 66.666666667%\n"
		       "access wifi 0.5%, cellular 99.5%\n"
		       "ipv6 100%\nduration 1m\napp news 0.001%\n");
	assert_true(fabs(scn->ios_share - 0.33333333333) < 1e-15);
	assert_true(scn->cellular_share == 0.995);
	assert_true(scn->ipv6_share == 1);
	assert_true(scn->apps[0].share == 0.00001);
	br_scenario_free(scn);

	/* times of events: below a second too */
	scn = parse_ok("scenario q\ndevices 5\nplatform ios 100%\n"
		       "duration 1m\nat 0.25s policy \"" EXAMPLE "\"\n"
		       "at 59.999999999s policy \"" EXAMPLE "\"\n");
	assert_int_equal(scn->n_events, 2);
	assert_true(scn->events[0].at_ns == NS_S / 4);
	assert_true(scn->events[1].at_ns == 60 * NS_S - 1);
	assert_string_equal(scn->events[1].policy, EXAMPLE);
	br_scenario_free(scn);

	/* seed: the whole 64-bit range */
	scn = parse_ok("scenario q\ndevices 5\nplatform ios 100%\n"
		       "duration 1m\nseed 18446744073709551615\n");
	assert_true(scn->seed == UINT64_MAX);
	br_scenario_free(scn);
	scn = parse_ok("scenario q\ndevices 5\nplatform ios 100%\n"
		       "duration 1m\nseed 0\n");
	assert_true(scn->seed == 0);
	assert_int_equal(scn->flow_entries, 0); /* the dataplane's own */
	assert_int_equal(br_scn_flow_table(scn), BR_FLOW_ENTRIES);
	assert_int_equal(br_scn_hello_table(scn), BR_FLOW_PENDING);
	br_scenario_free(scn);

	/* the censor's tables: both ends of their range */
	scn = parse_ok("scenario q\ndevices 5\nplatform ios 100%\n"
		       "duration 1m\nflow-table 64\nhello-table 16777216\n");
	assert_int_equal(br_scn_flow_table(scn), 64);
	assert_int_equal(br_scn_hello_table(scn), 16777216);
	br_scenario_free(scn);
}

/* ---- errors -------------------------------------------------------------- */

/* Lines 1-4 of every bad input that is about a later line. */
#define HEAD                              \
	"scenario t\n"                    \
	"devices 10\n"                    \
	"platform ios 50%, android 50%\n" \
	"duration 10m\n"

static const struct {
	const char *text;
	const char *msgs;
} bad[] = {
	/* the first statement, required statements */
	{ "", "t.scenario:1:1: expected \"scenario NAME\" as the first "
	      "statement\n"
	      "t.scenario: missing \"devices N\" (how many devices)\n"
	      "t.scenario: missing \"platform ios P%, android Q%\" (the "
	      "devices' operating systems)\n"
	      "t.scenario: missing \"duration D\" (how long to simulate, as "
	      "in \"10m\")" },
	{ "devices 10\nscenario t\nplatform ios 100%\nduration 1m\n",
	  "t.scenario:1:1: expected \"scenario NAME\" as the first statement\n"
	  "t.scenario:2:1: \"scenario\" must be the first statement" },
	{ "scenario t\nplatform ios 100%\nduration 1m\n",
	  "t.scenario: missing \"devices N\" (how many devices)" },
	{ "scenario t\ndevices 3\nduration 1m\n",
	  "t.scenario: missing \"platform ios P%, android Q%\" (the devices' "
	  "operating systems)" },
	{ "scenario t\ndevices 3\nplatform ios 100%\n",
	  "t.scenario: missing \"duration D\" (how long to simulate, as in "
	  "\"10m\")" },
	{ "scenario\n" HEAD,
	  "t.scenario:1:9: expected scenario name, got end of line\n"
	  "t.scenario:2:1: \"scenario\" already given at t.scenario:1:1" },
	{ "scenario 9lives\ndevices 10\nplatform ios 100%\nduration 1m\n",
	  "t.scenario:1:10: bad name \"9lives\"" },
	{ "scenario \"\"\ndevices 10\nplatform ios 100%\nduration 1m\n",
	  "t.scenario:1:10: empty name" },
	{ "scenario a b\ndevices 10\nplatform ios 100%\nduration 1m\n",
	  "t.scenario:1:12: expected end of line, got \"b\"" },

	/* statements once; unknown ones */
	{ HEAD "devices 20\n",
	  "t.scenario:5:1: \"devices\" already given at t.scenario:2:1" },
	{ HEAD "description \"a\"\ndescription \"b\"\n",
	  "t.scenario:6:1: \"description\" already given at "
	  "t.scenario:5:1" },
	{ HEAD "platform ios 100%\n",
	  "t.scenario:5:1: \"platform\" already given at t.scenario:3:1" },
	{ HEAD "duration 5m\n",
	  "t.scenario:5:1: \"duration\" already given at t.scenario:4:1" },
	{ HEAD "ipv6 1%\nipv6 2%\n",
	  "t.scenario:6:1: \"ipv6\" already given at t.scenario:5:1" },
	{ HEAD "access wifi 100%\naccess wifi 100%\n",
	  "t.scenario:6:1: \"access\" already given at t.scenario:5:1" },
	{ HEAD "seed 1\nseed 2\n",
	  "t.scenario:6:1: \"seed\" already given at t.scenario:5:1" },
	/* digits only, as simulate --seed reads them too (br_lex_u64) */
	{ HEAD "seed -1\n",
	  "t.scenario:5:6: bad seed \"-1\" (expected a number)" },
	{ HEAD "seed 0x10\n",
	  "t.scenario:5:6: bad seed \"0x10\" (expected a number)" },
	{ HEAD "seed \"\"\n",
	  "t.scenario:5:6: expected a seed (a number), got string \"\"" },
	{ HEAD "seed 18446744073709551616\n",
	  "t.scenario:5:6: seed \"18446744073709551616\" too large (at most "
	  "18446744073709551615)" },
	{ HEAD "flow-table 64\nflow-table 128\n",
	  "t.scenario:6:1: \"flow-table\" already given at t.scenario:5:1" },
	{ HEAD "flow-table 63\n",
	  "t.scenario:5:12: flow-table \"63\" out of range (64-16777216)" },
	{ HEAD "hello-table 16777217\n",
	  "t.scenario:5:13: hello-table \"16777217\" out of range "
	  "(64-16777216)" },
	{ HEAD "hello-table 4k\n",
	  "t.scenario:5:13: bad hello-table size \"4k\"" },
	{ HEAD "flow-table\n",
	  "t.scenario:5:11: expected a number of entries, got end of line" },
	{ HEAD "devicez 10\n",
	  "t.scenario:5:1: unknown statement \"devicez\"" },
	{ HEAD "\"x\"\n", "t.scenario:5:1: expected a statement, got string "
			  "\"x\"" },
	{ HEAD "description x\n",
	  "t.scenario:5:13: expected a quoted string, got \"x\"" },

	/* devices */
	{ "scenario t\ndevices 0\nplatform ios 100%\nduration 1m\n",
	  "t.scenario:2:9: devices \"0\" out of range (1-1000000)" },
	{ "scenario t\ndevices 1000001\nplatform ios 100%\nduration 1m\n",
	  "t.scenario:2:9: devices \"1000001\" out of range (1-1000000)" },
	{ "scenario t\ndevices 99999999999999999999999\nplatform ios 100%\n"
	  "duration 1m\n",
	  "t.scenario:2:9: devices \"99999999999999999999999\" out of range "
	  "(1-1000000)" },
	{ "scenario t\ndevices 10k\nplatform ios 100%\nduration 1m\n",
	  "t.scenario:2:9: bad number of devices \"10k\"" },
	{ "scenario t\ndevices\nplatform ios 100%\nduration 1m\n",
	  "t.scenario:2:8: expected a number of devices, got end of line" },
	{ "scenario t\ndevices 10,000\nplatform ios 100%\nduration 1m\n",
	  "t.scenario:2:11: expected end of line, got \",\"" },

	/* shares */
	{ "scenario t\ndevices 1\nplatform ios 30%, android 60%\n"
	  "duration 1m\n",
	  "t.scenario:3:1: platform shares add up to 90%, not 100%" },
	{ "scenario t\ndevices 1\nplatform ios 30.5%, android 70%\n"
	  "duration 1m\n",
	  "t.scenario:3:1: platform shares add up to 100.5%, not 100%" },
	{ "scenario t\ndevices 1\nplatform ios 30%\nduration 1m\n",
	  "t.scenario:3:1: platform shares add up to 30%, not 100%" },
	{ "scenario t\ndevices 1\nplatform ios 30\nduration 1m\n",
	  "t.scenario:3:14: share \"30\" needs a \"%\", as in \"30%\"" },
	{ "scenario t\ndevices 1\nplatform ios 130%\nduration 1m\n",
	  "t.scenario:3:14: share \"130%\" out of range (0-100%)" },
	{ "scenario t\ndevices 1\nplatform ios 99999999999999999999%\n"
	  "duration 1m\n",
	  "t.scenario:3:14: share \"99999999999999999999%\" out of range "
	  "(0-100%)" },
	{ "scenario t\ndevices 1\nplatform ios x%\nduration 1m\n",
	  "t.scenario:3:14: bad share \"x%\" (expected a percentage such as "
	  "\"30%\" or \"12.5%\")" },
	{ "scenario t\ndevices 1\nplatform ios 3.%\nduration 1m\n",
	  "t.scenario:3:14: bad share \"3.%\" (expected a percentage such as "
	  "\"30%\" or \"12.5%\")" },
	{ "scenario t\ndevices 1\nplatform ios 0.0000000001%\nduration 1m\n",
	  "t.scenario:3:14: bad share \"0.0000000001%\" (expected a "
	  "percentage such as \"30%\" or \"12.5%\")" },
	{ "scenario t\ndevices 1\nplatform ios 30%%\nduration 1m\n",
	  "t.scenario:3:17: unexpected character \"%\"" },
	{ "scenario t\ndevices 1\nplatform ios 30 %\nduration 1m\n",
	  "t.scenario:3:14: share \"30\" needs a \"%\", as in \"30%\"" },
	{ "scenario t\ndevices 1\nplatform ios\nduration 1m\n",
	  "t.scenario:3:13: expected a share such as \"30%\", got end of "
	  "line" },
	{ "scenario t\ndevices 1\nplatform windows 100%\nduration 1m\n",
	  "t.scenario:3:10: unknown platform \"windows\" (expected ios or "
	  "android)" },
	{ "scenario t\ndevices 1\nplatform ios 50%, ios 50%\nduration 1m\n",
	  "t.scenario:3:19: platform \"ios\" already given at "
	  "t.scenario:3:10" },
	{ "scenario t\ndevices 1\nplatform ios 50% android 50%\n"
	  "duration 1m\n",
	  "t.scenario:3:18: expected \",\" or end of line, got \"android\"" },
	{ "scenario t\ndevices 1\nplatform\nduration 1m\n",
	  "t.scenario:3:9: expected ios or android, got end of line" },
	{ HEAD "access lte 100%\n",
	  "t.scenario:5:8: unknown access \"lte\" (expected wifi or "
	  "cellular)" },
	{ HEAD "access wifi 60%, cellular 60%\n",
	  "t.scenario:5:1: access shares add up to 120%, not 100%" },
	{ HEAD "handover lte 1/h\n",
	  "t.scenario:5:10: unknown access \"lte\" (expected wifi or "
	  "cellular)" },
	{ HEAD "handover wifi 1/h, wifi 2/h\n",
	  "t.scenario:5:20: handover \"wifi\" already given at t.scenario:5:10" },
	{ HEAD "handover wifi 1\n",
	  "t.scenario:5:15: bad rate \"1\" (expected a number and /s, /m, /h "
	  "or /d, as in \"4/h\")" },
	{ HEAD "keepalive cellular 0s\n",
	  "t.scenario:5:11: keepalive of cellular must be above 0" },
	{ HEAD "nat-timeout wifi 25h\n",
	  "t.scenario:5:18: nat-timeout \"25h\" out of range (at most 24h)" },
	{ HEAD "backoff 1m 5s\n",
	  "t.scenario:5:9: backoff needs MIN MAX with 0 < MIN <= MAX, as in "
	  "\"5s 2m\"" },
	{ HEAD "identity-lookup https\n",
	  "t.scenario:5:17: unknown identity-lookup \"https\" (expected "
	  "channel or tls)" },
	{ HEAD "contacts 33\n",
	  "t.scenario:5:10: contacts \"33\" out of range (1-32)" },
	{ HEAD "key-cache 120%\n",
	  "t.scenario:5:11: share \"120%\" out of range (0-100%)" },
	{ HEAD "keepalive\n",
	  "t.scenario:5:10: expected wifi or cellular, got end of line" },
	{ HEAD "ipv6 15\n",
	  "t.scenario:5:6: share \"15\" needs a \"%\", as in \"15%\"" },
	{ HEAD "ipv6 101%\n",
	  "t.scenario:5:6: share \"101%\" out of range (0-100%)" },
	{ HEAD "ipv6 15% 20%\n",
	  "t.scenario:5:10: expected end of line, got \"20%\"" },

	/* who the censor sees */
	{ HEAD "vpn 30%\nvpn 40%\n",
	  "t.scenario:6:1: \"vpn P%\" already given at t.scenario:5:1" },
	{ HEAD "vpn 30\n",
	  "t.scenario:5:5: share \"30\" needs a \"%\", as in \"30%\"" },
	{ HEAD "vpn 130%\n",
	  "t.scenario:5:5: share \"130%\" out of range (0-100%)" },
	{ HEAD "vpn\n", "t.scenario:5:4: expected a service, got end of line" },
	{ HEAD "vpn telegarm 10%\n",
	  "t.scenario:5:5: unknown service \"telegarm\" (did you mean "
	  "\"telegram\"?)" },
	{ HEAD "vpn telegram\n",
	  "t.scenario:5:13: expected a share such as \"30%\", got end of "
	  "line" },
	{ HEAD "vpn telegram 10%\nvpn telegram 20%\n",
	  "t.scenario:6:5: vpn \"telegram\" already given at t.scenario:5:5" },
	{ HEAD "vpn telegram 10% 20%\n",
	  "t.scenario:5:18: expected end of line, got \"20%\"" },
	{ HEAD "coverage lte 50%\n",
	  "t.scenario:5:10: unknown access \"lte\" (expected wifi or "
	  "cellular)" },
	{ HEAD "coverage wifi 50%, wifi 40%\n",
	  "t.scenario:5:20: coverage \"wifi\" already given at "
	  "t.scenario:5:10" },
	{ HEAD "coverage wifi 101%\n",
	  "t.scenario:5:15: share \"101%\" out of range (0-100%)" },
	{ HEAD "coverage wifi 1/h\n",
	  "t.scenario:5:15: bad share \"1/h\" (expected a percentage such "
	  "as \"30%\" or \"12.5%\")" },
	{ HEAD "coverage wifi 50%\ncoverage cellular 50%\n",
	  "t.scenario:6:1: \"coverage\" already given at t.scenario:5:1" },
	{ HEAD "coverage\n",
	  "t.scenario:5:9: expected wifi or cellular, got end of line" },
	{ HEAD "proxy telegram 10%\nproxy telegram 5%\n",
	  "t.scenario:6:7: proxy \"telegram\" already given at "
	  "t.scenario:5:7" },
	{ HEAD "proxy 10%\n",
	  "t.scenario:5:7: bad service name \"10%\"" },
	{ HEAD "operator mts cellular 30% coverage 100%\n"
	  "operator mts wifi 30% coverage 100%\n",
	  "t.scenario:6:10: operator \"mts\" already given at "
	  "t.scenario:5:10" },
	{ HEAD "operator 5g cellular 30% coverage 100%\n",
	  "t.scenario:5:10: bad operator name \"5g\"" },
	{ HEAD "operator\n",
	  "t.scenario:5:9: expected an operator name, got end of line" },
	{ HEAD "operator mts lte 30% coverage 100%\n",
	  "t.scenario:5:14: unknown access \"lte\" (expected wifi or "
	  "cellular)" },
	{ HEAD "operator mts cellular\n",
	  "t.scenario:5:22: expected a share such as \"30%\", got end of "
	  "line" },
	{ HEAD "operator mts cellular 30%\n",
	  "t.scenario:5:26: expected \"coverage Q%\", got end of line" },
	{ HEAD "operator mts cellular 30% coverage 101%\n",
	  "t.scenario:5:36: share \"101%\" out of range (0-100%)" },
	{ HEAD "operator a cellular 60% coverage 1%\n"
	  "operator b wifi 60% coverage 1%\n"
	  "operator c cellular 50% coverage 1%\n",
	  "t.scenario:7:21: operators of cellular add up to 110%, more than "
	  "100%" },
	{ HEAD "proxy tg 10%\n",
	  "t.scenario:5:7: unknown service \"tg\"" },

	/* duration, seed */
	{ "scenario t\ndevices 1\nplatform ios 100%\nduration 10\n",
	  "t.scenario:4:10: bad duration \"10\" (expected a number and s, m "
	  "or h, as in \"90s\" or \"10m\")" },
	{ "scenario t\ndevices 1\nplatform ios 100%\nduration 10d\n",
	  "t.scenario:4:10: bad duration \"10d\" (expected a number and s, "
	  "m or h, as in \"90s\" or \"10m\")" },
	{ "scenario t\ndevices 1\nplatform ios 100%\nduration 25h\n",
	  "t.scenario:4:10: duration \"25h\" out of range (at most 24h)" },
	{ "scenario t\ndevices 1\nplatform ios 100%\nduration 24.5h\n",
	  "t.scenario:4:10: duration \"24.5h\" out of range (at most 24h)" },
	{ "scenario t\ndevices 1\nplatform ios 100%\n"
	  "duration 999999999999999999999s\n",
	  "t.scenario:4:10: duration \"999999999999999999999s\" out of range "
	  "(at most 24h)" },
	{ "scenario t\ndevices 1\nplatform ios 100%\nduration 0.5s\n",
	  "t.scenario:4:10: duration \"0.5s\" too short (at least 1s)" },
	{ "scenario t\ndevices 1\nplatform ios 100%\nduration 0m\n",
	  "t.scenario:4:10: duration \"0m\" too short (at least 1s)" },
	{ "scenario t\ndevices 1\nplatform ios 100%\nduration \"1m\"\n",
	  "t.scenario:4:10: expected a duration such as \"10m\", got string "
	  "\"1m\"" },
	{ HEAD "seed -1\n",
	  "t.scenario:5:6: bad seed \"-1\" (expected a number)" },
	{ HEAD "seed 18446744073709551616\n",
	  "t.scenario:5:6: seed \"18446744073709551616\" too large (at most "
	  "18446744073709551615)" },
	{ HEAD "seed\n",
	  "t.scenario:5:5: expected a seed (a number), got end of line" },

	/* apps */
	{ HEAD "app bnak 80%\n",
	  "t.scenario:5:5: unknown service \"bnak\" (did you mean "
	  "\"bank\"?)" },
	{ HEAD "app telegarm 80%\n",
	  "t.scenario:5:5: unknown service \"telegarm\" (did you mean "
	  "\"telegram\"?)" },
	{ HEAD "app cloudapp 80%\n",
	  "t.scenario:5:5: unknown service \"cloudapp\" (did you mean "
	  "\"cloud-app\"?)" },
	{ HEAD "app mastodon 80%\n",
	  "t.scenario:5:5: unknown service \"mastodon\"" },
	{ HEAD "app Bank 80%\n",
	  "t.scenario:5:5: unknown service \"Bank\" (did you mean "
	  "\"bank\"?)" },
	{ HEAD "app 5 80%\n", "t.scenario:5:5: bad service name \"5\"" },
	{ HEAD "app\n", "t.scenario:5:4: expected a service, got end of line" },
	{ HEAD "app bank\n",
	  "t.scenario:5:9: expected a share such as \"30%\", got end of "
	  "line" },
	{ HEAD "app bank 80%\napp bank 70%\n",
	  "t.scenario:6:5: app \"bank\" already given at t.scenario:5:5" },
	{ HEAD "app bank 101%\n",
	  "t.scenario:5:10: share \"101%\" out of range (0-100%)" },
	{ HEAD "app bank 80%, news 10%\n",
	  "t.scenario:5:13: expected end of line, got \",\"" },

	/* rates */
	{ HEAD "app bank 1%\nrate bank 4/h\n",
	  "t.scenario:6:6: expected SERVICE.ACTION, as in "
	  "\"bank.push-received\", got \"bank\"" },
	{ HEAD "app bank 1%\nrate bank. 4/h\n",
	  "t.scenario:6:6: expected SERVICE.ACTION, as in "
	  "\"bank.push-received\", got \"bank.\"" },
	{ HEAD "app bank 1%\nrate .open 4/h\n",
	  "t.scenario:6:6: expected SERVICE.ACTION, as in "
	  "\"bank.push-received\", got \".open\"" },
	{ HEAD "rate bnak.open 4/h\n",
	  "t.scenario:5:6: unknown service \"bnak\" (did you mean "
	  "\"bank\"?)" },
	{ HEAD "app bank 1%\nrate bank.push-recieved 4/h\n",
	  "t.scenario:6:11: unknown action \"push-recieved\" of service "
	  "\"bank\" (did you mean \"push-received\"?)" },
	{ HEAD "app bank 1%\nrate bank.call 4/h\n",
	  "t.scenario:6:11: unknown action \"call\" of service \"bank\" "
	  "(expected push-received or open)" },
	{ HEAD "app news 1%\nrate news.sms 4/h\n",
	  "t.scenario:6:11: unknown action \"sms\" of service \"news\" "
	  "(expected push-received or open)" },
	{ HEAD "app web 1%\nrate web.open 4/h\n",
	  "t.scenario:6:10: unknown action \"open\" of service \"web\" "
	  "(expected page-load)" },
	{ HEAD "app imessage 1%\nrate imessage.message 4/h\n",
	  "t.scenario:6:15: unknown action \"message\" of service \"imessage\" "
	  "(expected message-sent, message-received or attachment-sent)" },
	{ HEAD "app quiet 1%\nrate quiet.open 4/h\n",
	  "t.scenario:6:12: unknown action \"open\": service \"quiet\" has no "
	  "actions" },
	{ HEAD "app bank 1%\nrate bank.open 4/h\nrate bank.open 5/h\n",
	  "t.scenario:7:6: rate of \"bank.open\" already given at "
	  "t.scenario:6:6" },
	{ HEAD "app bank 1%\nrate bank.push-received 4/h\n"
	       "rate bank.push-received 5/h\n",
	  "t.scenario:7:6: rate of \"bank.push-received\" already given at "
	  "t.scenario:6:6" },
	{ HEAD "app bank 1%\nrate bank.open 4\n",
	  "t.scenario:6:16: bad rate \"4\" (expected a number and /s, /m, /h "
	  "or /d, as in \"4/h\")" },
	{ HEAD "app bank 1%\nrate bank.open 4/w\n",
	  "t.scenario:6:16: bad rate \"4/w\" (expected a number and /s, /m, "
	  "/h or /d, as in \"4/h\")" },
	{ HEAD "app bank 1%\nrate bank.open 4/hour\n",
	  "t.scenario:6:16: bad rate \"4/hour\" (expected a number and /s, "
	  "/m, /h or /d, as in \"4/h\")" },
	{ HEAD "app bank 1%\nrate bank.open 2/s\n",
	  "t.scenario:6:16: rate \"2/s\" too high (at most 3600/h, one a "
	  "second)" },
	{ HEAD "app bank 1%\nrate bank.open 3601/h\n",
	  "t.scenario:6:16: rate \"3601/h\" too high (at most 3600/h, one a "
	  "second)" },
	{ HEAD "app bank 1%\nrate bank.open\n",
	  "t.scenario:6:15: expected a rate such as \"4/h\", got end of "
	  "line" },
	{ HEAD "rate\n", "t.scenario:5:5: expected SERVICE.ACTION, got end of "
			 "line" },
	{ HEAD "rate bank.open 4/h\nrate bank.push-received 4/h\n"
	       "rate news.open 1/h\napp news 5%\n",
	  "t.scenario:5:6: rate of service \"bank\", which no device has (add "
	  "\"app bank P%\")\n"
	  "t.scenario:6:6: rate of service \"bank\", which no device has (add "
	  "\"app bank P%\")" },

	/* strings hold printable text only */
	{ HEAD "description \"a\x1b[2Jb\"\n",
	  "t.scenario:5:15: control character \"\\x1b\" in string" },

	/* the timeline (its files: see test_timeline) */
	{ HEAD "at 1m\n", "t.scenario:5:6: expected \"policy\", got end of "
			  "line" },
	{ HEAD "at 1m swap \"x\"\n",
	  "t.scenario:5:7: expected \"policy\", got \"swap\"" },
	{ HEAD "at 1m policy x\n",
	  "t.scenario:5:14: expected a quoted path, got \"x\"" },
	{ HEAD "at 1m policy \"\"\n", "t.scenario:5:14: empty path" },
	{ HEAD "at policy \"x\"\n",
	  "t.scenario:5:4: bad time \"policy\" (expected a number and s, m or "
	  "h, as in \"90s\" or \"10m\")" },
	{ HEAD "at\n", "t.scenario:5:3: expected a time such as \"10m\", got "
		       "end of line" },
	{ HEAD "at 25h policy \"x\"\n",
	  "t.scenario:5:4: time \"25h\" out of range (at most 24h)" },
	{ HEAD "at 1m policy \"/nonexistent/x.policy\"\n",
	  "t.scenario:5:14: cannot open \"/nonexistent/x.policy\": No such "
	  "file or directory" },
	{ HEAD "at 1m policy \"/\"\n",
	  "t.scenario:5:14: cannot open \"/\": Is a directory" },
	{ HEAD "at 1m policy \"/dev/zero\"\n",
	  "t.scenario:5:14: cannot open \"/dev/zero\": not a regular file (a "
	  "character device)" },
	{ HEAD "at 1m policy \"/dev/null\"\n",
	  "t.scenario:5:14: cannot open \"/dev/null\": not a regular file (a "
	  "character device)" },
	{ HEAD "at 1m policy \"/dev/null\" x\n",
	  "t.scenario:5:26: expected end of line, got \"x\"" },
	{ HEAD "at 1m policy \"x\n", "t.scenario:5:14: unterminated string" },

	/* recovery: every error of a file, one a line */
	{ "scenario t\n"
	  "devices ten\n"
	  "platform ios 30%, android 60%\n"
	  "ipv6 5\n"
	  "bogus 1 2 3 %\n"
	  "duration 10x\n"
	  "app bnak 5%\n"
	  "app web 5%\n"
	  "app web 6%\n"
	  "rate web.loads 1/h\n",
	  "t.scenario:2:9: bad number of devices \"ten\"\n"
	  "t.scenario:3:1: platform shares add up to 90%, not 100%\n"
	  "t.scenario:4:6: share \"5\" needs a \"%\", as in \"5%\"\n"
	  "t.scenario:5:1: unknown statement \"bogus\"\n"
	  "t.scenario:6:10: bad duration \"10x\" (expected a number and s, m "
	  "or h, as in \"90s\" or \"10m\")\n"
	  "t.scenario:7:5: unknown service \"bnak\" (did you mean "
	  "\"bank\"?)\n"
	  "t.scenario:9:5: app \"web\" already given at t.scenario:8:5\n"
	  "t.scenario:10:10: unknown action \"loads\" of service \"web\" "
	  "(expected page-load)" },
};

/* Ranges: only assumptions take them, in order, of one value kind. */
static const struct {
	const char *text;
	const char *msgs;
} bad_ranges[] = {
	{ HEAD "seed 1..2\n", "t.scenario:5:6: bad seed \"1..2\" (expected "
			       "a number)" },
	{ "scenario t\ndevices 10\nplatform ios 50%, android 50%\n"
	  "duration 1m..2m\n",
	  "t.scenario:4:10: duration takes no range (a range is for an "
	  "assumption: policies/scenarios/README.md)" },
	{ HEAD "ipv6 15%..2%\n", "t.scenario:5:6: bad range \"15%..2%\" (LO "
				  "below HI, and MODE between them)" },
	{ HEAD "ipv6 2%..20%..15%\n",
	  "t.scenario:5:6: bad range \"2%..20%..15%\" (LO below HI, and MODE "
	  "between them)" },
	{ HEAD "ipv6 1%..2%..3%..4%\n",
	  "t.scenario:5:6: bad range \"1%..2%..3%..4%\" (expected LO..HI or "
	  "LO..MODE..HI, as in \"20%..40%\")" },
	{ HEAD "ipv6 2%..\n", "t.scenario:5:6: bad range \"2%..\" (expected "
			       "LO..HI or LO..MODE..HI, as in \"20%..40%\")" },
	{ HEAD "ipv6 2%..15\n", "t.scenario:5:10: share \"15\" needs a \"%\", "
				 "as in \"15%\"" },
	{ HEAD "access wifi 40%..60%, cellular 50%\n",
	  "t.scenario:5:23: access \"cellular\" is the rest of a range: "
	  "leave it out" },
	{ HEAD "backoff 1s..5s 2m\n",
	  "t.scenario:5:9: backoff takes no range (a range is for an "
	  "assumption: policies/scenarios/README.md)" },
	{ HEAD "keepalive wifi 5m..1s\n",
	  "t.scenario:5:16: bad range \"5m..1s\" (LO below HI, and MODE "
	  "between them)" },
	/* the chase: "move" and a ranged "at" */
	{ HEAD "move telegram after 1m into @aws-2018-blocked\n",
	  "t.scenario:5:6: expected SERVICE.FLOW, as in \"telegram.dc\", "
	  "got \"telegram\"" },
	{ HEAD "move telegram.dns after 1m into @aws-2018-blocked\n",
	  "t.scenario:5:6: service \"telegram\" has no flow \"dns\" that "
	  "connects to servers" },
	{ HEAD "move telegram.lookup after 1m into @aws-2018-blocked\n",
	  "t.scenario:5:6: service \"telegram\" has no flow \"lookup\" "
	  "that connects to servers" },
	{ HEAD "move telegarm.dc after 1m into @aws-2018-blocked\n",
	  "t.scenario:5:6: unknown service \"telegarm\" (did you mean "
	  "\"telegram\"?)" },
	{ HEAD "move telegram.dc 1m into @aws-2018-blocked\n",
	  "t.scenario:5:18: expected \"after T\": how long after the "
	  "censor's block it moves on, got \"1m\"" },
	{ HEAD "move telegram.dc after 1m @aws-2018-blocked\n",
	  "t.scenario:5:27: expected \"into @set\" after the time, got "
	  "\"@aws-2018-blocked\"" },
	{ HEAD "move telegram.dc after 1m..2m @aws-2018-blocked\n",
	  "t.scenario:5:31: expected \"into @set\" after the time, got "
	  "\"@aws-2018-blocked\"" },
	{ HEAD "move telegram.dc after 1m into @aws\n",
	  "t.scenario:5:32: no address set \"@aws\" of the catalog" },
	{ HEAD "move telegram.dc after 1m into @web-ports\n",
	  "t.scenario:5:32: not an address set: \"@web-ports\" of the "
	  "catalog" },
	{ HEAD "move telegram.dc after 1m into @do-2018-blocked,\n",
	  "t.scenario:5:49: expected an address set of the catalog, as in "
	  "\"@aws-2018-blocked\", got end of line" },
	{ HEAD "move telegram.dc after 1m into @do-2018-blocked\n"
	       "move telegram.dc after 2m into @do-2018-blocked\n",
	  "t.scenario:6:6: move of \"telegram.dc\" already given at "
	  "t.scenario:5:6" },
};

/*
 * Ranges become params: their central values in a single run, their
 * draws within the range, the same for the same (seed, k), and a
 * split's other key the rest.
 */
static void test_ranges(void **state)
{
	static const char text[] =
		"scenario r\ndevices 10\nduration 1m\n"
		"platform android 50%..70%\n"
		"ipv6 2%..5%..14%\n"
		"access cellular 30%..60%\n"
		"handover wifi 0.5/h..2/h, cellular 4/h\n"
		"keepalive cellular 3m..10m\n"
		"app bank 80%..100%\n"
		"rate bank.push-received 1/h..3/h\n";
	static const char *const names[] = {
		"platform android", "ipv6", "access cellular", "handover wifi",
		"keepalive cellular", "app bank", "rate bank.push-received",
	};
	struct br_scenario *scn = parse_ok(text);
	uint64_t seed_a, seed_b;
	double ios[2], sum = 0;
	size_t i, k;
	char *msgs;

	(void)state;
	assert_int_equal(scn->n_params, 7);
	for (i = 0; i < 7; i++)
		assert_string_equal(scn->params[i].name, names[i]);
	/* the single run: central values */
	assert_true(fabs(scn->ios_share - 0.4) < 1e-12);
	assert_true(fabs(scn->ipv6_share - 0.05) < 1e-12);
	assert_true(fabs(scn->cellular_share - 0.45) < 1e-12);
	assert_true(fabs(scn->handover_per_hour[0] - 1.25) < 1e-12);
	assert_true(fabs(scn->handover_per_hour[1] - 4) < 1e-12);
	assert_int_equal(scn->keepalive_ns[1], 390 * NS_S);
	assert_true(scn->params[1].triangular && !scn->params[0].triangular);
	assert_int_equal(scn->n_rates, 2); /* one per platform */
	/* a draw: every value in its range, the complement kept */
	for (k = 0; k < 200; k++) {
		br_scn_draw(scn, 7, k);
		assert_true(scn->ios_share >= 0.3 - 1e-12 &&
			    scn->ios_share <= 0.5 + 1e-12);
		assert_true(scn->ipv6_share >= 0.02 && scn->ipv6_share <= 0.14);
		assert_true(scn->keepalive_ns[1] >= 180 * NS_S &&
			    scn->keepalive_ns[1] <= 600 * NS_S);
		assert_true(scn->apps[0].share >= 0.8 &&
			    scn->apps[0].share <= 1.0);
		assert_true(scn->rates[0].per_hour == scn->rates[1].per_hour);
		sum += scn->cellular_share;
	}
	/* uniform 30..60%: the mean of 200 draws near 45% (deterministic) */
	assert_true(fabs(sum / 200 - 0.45) < 0.03);
	seed_a = br_scn_draw(scn, 7, 3);
	ios[0] = scn->ios_share;
	br_scn_draw(scn, 7, 4);
	seed_b = br_scn_draw(scn, 7, 3);
	ios[1] = scn->ios_share;
	assert_true(seed_a == seed_b && ios[0] == ios[1]);
	assert_true(br_scn_draw(scn, 7, 4) != seed_a);
	br_scn_param_central(scn);
	assert_true(fabs(scn->ios_share - 0.4) < 1e-12);
	br_scenario_free(scn);

	for (i = 0; i < sizeof(bad_ranges) / sizeof(bad_ranges[0]); i++) {
		msgs = parse_bad_as("t.scenario", bad_ranges[i].text);
		if (strcmp(msgs, bad_ranges[i].msgs))
			fail_msg("case %zu:\n%s\nwant:\n%s\ngot:\n%s", i,
				 bad_ranges[i].text, bad_ranges[i].msgs, msgs);
		free(msgs);
	}
}

static void test_bad_scenarios(void **state)
{
	size_t i;
	char *msgs;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		msgs = parse_bad_as("t.scenario", bad[i].text);
		if (strcmp(msgs, bad[i].msgs))
			fail_msg("case %zu:\n%s\nwant:\n%s\ngot:\n%s", i,
				 bad[i].text, bad[i].msgs, msgs);
		free(msgs);
	}
}

/* The timeline's files: relative paths, order, the end of the scenario. */
static void test_timeline(void **state)
{
	char *dir = tmp_dir(), *sub, *file, *msgs, *want;
	struct br_scenario *scn;
	struct br_diag d;
	int err;

	(void)state;
	sub = path_in(dir, "scenarios");
	assert_int_equal(mkdir(sub, 0755), 0);
	write_file(dir, "p.policy", "policy p\n");
	write_file(dir, "q.policy", "policy q\n");

	/* relative to the scenario's directory, not the working one */
	write_file(sub, "ok.scenario",
		   HEAD "at 2m policy \"../p.policy\"\n"
			"at 2.5m policy \"../q.policy\"\n");
	file = path_in(sub, "ok.scenario");
	br_diag_init(&d);
	assert_int_equal(br_scenario_parse_file(file, catalog(), &scn, &d), 0);
	want = path_in(sub, "../p.policy");
	assert_string_equal(scn->events[0].policy, want);
	free(want);
	want = path_in(sub, "../q.policy");
	assert_string_equal(scn->events[1].policy, want);
	free(want);
	assert_true(scn->events[1].at_ns == 150 * NS_S);
	br_scenario_free(scn);
	br_diag_free(&d);
	free(file);

	/* a path that is right from the working directory only */
	write_file(sub, "bad.scenario",
		   HEAD "at 1m policy \"p.policy\"\n"
			"at 3m policy \"../p.policy\"\n"
			"at 3m policy \"../q.policy\"\n"
			"at 2m policy \"../q.policy\"\n"
			"at 10m policy \"../q.policy\"\n"
			"at 11.5m policy \"../q.policy\"\n");
	file = path_in(sub, "bad.scenario");
	br_diag_init(&d);
	err = br_scenario_parse_file(file, catalog(), &scn, &d);
	assert_int_equal(err, -EINVAL);
	assert_null(scn);
	msgs = diag_text(&d);
	/* 11.5m prints as 690s: the largest unit that divides it */
	assert_true(
		asprintf(&want,
			 "%1$s:5:14: cannot open \"p.policy\": No such file "
			 "or directory\n"
			 "%1$s:7:4: event at 3m is not after the one before "
			 "it (at 3m, %1$s:6:4): events go in time order\n"
			 "%1$s:8:4: event at 2m is not after the one before "
			 "it (at 3m, %1$s:6:4): events go in time order\n"
			 "%1$s:9:4: event at 10m is not before the end of "
			 "the scenario (duration 10m)\n"
			 "%1$s:10:4: event at 690s is not before the end "
			 "of the scenario (duration 10m)",
			 file) > 0);
	assert_string_equal(msgs, want);
	free(want);
	free(msgs);
	br_diag_free(&d);
	free(file);

	/* parse_file: the file itself */
	file = path_in(dir, "none.scenario");
	br_diag_init(&d);
	err = br_scenario_parse_file(file, catalog(), &scn, &d);
	assert_int_equal(err, -ENOENT);
	assert_null(scn);
	msgs = diag_text(&d);
	assert_true(asprintf(&want,
			     "%s: cannot open: No such file or "
			     "directory",
			     file) > 0);
	assert_string_equal(msgs, want);
	free(want);
	free(msgs);
	br_diag_free(&d);
	free(file);

	br_diag_init(&d);
	err = br_scenario_parse_file(sub, catalog(), &scn, &d);
	assert_int_equal(err, -EISDIR);
	assert_null(scn);
	msgs = diag_text(&d);
	assert_true(asprintf(&want, "%s: cannot open: Is a directory", sub) >
		    0);
	assert_string_equal(msgs, want);
	free(want);
	free(msgs);
	br_diag_free(&d);

	/*
	 * A FIFO as the timeline's policy or as the scenario: refused where
	 * it is named, never waited on (alarm: a hang fails the test).
	 */
	alarm(30);
	file = path_in(dir, "fifo");
	assert_int_equal(mkfifo(file, 0600), 0);
	write_file(sub, "fifo.scenario", HEAD "at 1m policy \"../fifo\"\n");
	free(file);
	file = path_in(sub, "fifo.scenario");
	br_diag_init(&d);
	err = br_scenario_parse_file(file, catalog(), &scn, &d);
	assert_int_equal(err, -EINVAL);
	assert_null(scn);
	msgs = diag_text(&d);
	assert_true(asprintf(&want,
			     "%s:5:14: cannot open \"../fifo\": not a regular "
			     "file (a FIFO)",
			     file) > 0);
	assert_string_equal(msgs, want);
	free(want);
	free(msgs);
	br_diag_free(&d);
	free(file);
	file = path_in(dir, "fifo");
	br_diag_init(&d);
	err = br_scenario_parse_file(file, catalog(), &scn, &d);
	assert_int_equal(err, -EINVAL);
	msgs = diag_text(&d);
	assert_true(asprintf(&want, "%s: cannot open: not a regular file (a "
				    "FIFO)",
			     file) > 0);
	assert_string_equal(msgs, want);
	free(want);
	free(msgs);
	br_diag_free(&d);
	free(file);
	alarm(0);

	rm_tree(dir);
	free(sub);
	free(dir);
}

/*
 * The chase: the censor's stages at ranged times, the target moving on
 * a while after each into the next pool; every draw keeps the stages in
 * order, and the pool in force at t follows swap k + the move's delay.
 */
static void test_chase(void **state)
{
	char *dir = tmp_dir(), *file, *msgs, *want;
	struct br_scenario *scn;
	uint64_t moved, next;
	struct br_diag d;
	size_t k;

	(void)state;
	write_file(dir, "p.policy", "policy p\n");
	write_file(dir, "c.scenario",
		   HEAD "at 0s policy \"p.policy\"\n"
			"move telegram.dc after 1m..2m..4m into "
			"@aws-2018-blocked, @do-2018-blocked\n"
			"at 5m..6m policy \"p.policy\"\n"
			"at 7m policy \"p.policy\"\n");
	file = path_in(dir, "c.scenario");
	br_diag_init(&d);
	assert_int_equal(br_scenario_parse_file(file, catalog(), &scn, &d), 0);
	msgs = diag_text(&d);
	assert_string_equal(msgs, "");
	free(msgs);
	br_diag_free(&d);

	assert_int_equal(scn->n_moves, 1);
	assert_int_equal(scn->moves[0].service, TELEGRAM);
	assert_int_equal(scn->moves[0].flow, 0);
	assert_int_equal(scn->moves[0].n_pools, 2);
	assert_int_equal(scn->moves[0].pools[0], AWS_SET);
	assert_int_equal(scn->moves[0].pools[1], DO_SET);
	/* the central values in a single run: the mode, the midpoint */
	assert_true(scn->moves[0].after_ns == 2 * NS_M);
	assert_true(scn->events[1].at_ns == 330 * NS_S);
	assert_true(scn->events[1].latest_ns == 6 * NS_M);
	assert_int_equal(scn->n_params, 2);
	assert_string_equal(scn->params[0].name, "move telegram.dc after");
	assert_string_equal(scn->params[1].name, "at policy \"p.policy\"");

	/* before the first move: where the catalog puts it */
	assert_int_equal(br_scn_move_pool(scn, TELEGRAM, 0, NS_M, &moved,
					  &next),
			 BR_NO_SET);
	assert_true(moved == 0 && next == 2 * NS_M);
	/* 2m after the first stage: moved into the first pool, until 2m
	 * after the second stage */
	assert_int_equal(br_scn_move_pool(scn, TELEGRAM, 0, 2 * NS_M, &moved,
					  &next),
			 AWS_SET);
	assert_true(moved == 1 && next == 450 * NS_S);
	assert_int_equal(br_scn_move_pool(scn, TELEGRAM, 0, 449 * NS_S,
					  &moved, &next),
			 AWS_SET);
	/* the second: into the last pool, where it stays after stage 3 */
	assert_int_equal(br_scn_move_pool(scn, TELEGRAM, 0, 450 * NS_S,
					  &moved, &next),
			 DO_SET);
	assert_true(moved == 2 && next == UINT64_MAX);
	assert_int_equal(br_scn_move_pool(scn, TELEGRAM, 0, 10 * NS_M,
					  &moved, &next),
			 DO_SET);
	/* another flow, another service: no move */
	assert_int_equal(br_scn_move_pool(scn, TELEGRAM, 1, 10 * NS_M,
					  &moved, &next),
			 BR_NO_SET);
	assert_int_equal(br_scn_move_pool(scn, WHATSAPP, 0, 10 * NS_M,
					  &moved, &next),
			 BR_NO_SET);

	/* draws stay within their ranges, and the stages in order */
	for (k = 0; k < 100; k++) {
		br_scn_draw(scn, 3, k);
		assert_true(scn->moves[0].after_ns >= NS_M &&
			    scn->moves[0].after_ns <= 4 * NS_M);
		assert_true(scn->events[1].at_ns >= 5 * NS_M &&
			    scn->events[1].at_ns <= 6 * NS_M);
		assert_true(scn->events[0].at_ns < scn->events[1].at_ns &&
			    scn->events[1].at_ns < scn->events[2].at_ns);
	}
	br_scenario_free(scn);
	free(file);

	/* ranges that overlap could draw the stages out of order */
	write_file(dir, "o.scenario",
		   HEAD "at 1m..3m policy \"p.policy\"\n"
			"at 2m..4m policy \"p.policy\"\n"
			"at 9m..10m policy \"p.policy\"\n");
	file = path_in(dir, "o.scenario");
	br_diag_init(&d);
	assert_int_equal(br_scenario_parse_file(file, catalog(), &scn, &d),
			 -EINVAL);
	msgs = diag_text(&d);
	assert_true(asprintf(&want,
			     "%1$s:6:4: event at 2m is not after the one "
			     "before it (at 3m, %1$s:5:4): events go in time "
			     "order\n"
			     "%1$s:7:4: event at 10m is not before the end of "
			     "the scenario (duration 10m)",
			     file) > 0);
	assert_string_equal(msgs, want);
	free(want);
	free(msgs);
	br_diag_free(&d);
	free(file);
	rm_tree(dir);
	free(dir);
}

/* A buffer over the cap is refused unread (a read of PROT_NONE crashes). */
static void test_buffer_cap(void **state)
{
	size_t len = (size_t)(256 << 20) + 1;
	struct br_scenario *scn = NULL;
	struct br_diag d;
	char *text, *msgs;

	(void)state;
	text = mmap(NULL, len, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	assert_true(text != MAP_FAILED);
	br_diag_init(&d);
	assert_int_equal(br_scenario_parse_buffer("t.scenario", text, len,
						  catalog(), &scn, &d),
			 -EFBIG);
	assert_null(scn);
	msgs = diag_text(&d);
	assert_string_equal(msgs,
			    "t.scenario: larger than 256 MiB (268435457 bytes)");
	free(msgs);
	br_diag_free(&d);
	munmap(text, len);
}

/* ---- the built-in and shipped scenarios ---------------------------------- */

static void check_default(const struct br_scenario *scn)
{
	double sum = 0;
	size_t i;

	assert_string_equal(scn->name, "default");
	assert_true(scn->devices >= 10000);
	assert_true(scn->duration_ns >= 10 * NS_M);
	assert_int_equal(scn->n_events, 0); /* policies: the command line's */
	assert_true(scn->ios_share > 0 && scn->ios_share < 1);
	assert_true(scn->ipv6_share > 0 && scn->ipv6_share < 1);
	assert_true(scn->cellular_share > 0 && scn->cellular_share < 1);
	assert_true(scn->n_apps >= 15);
	for (i = 0; i < scn->n_apps; i++)
		sum += scn->apps[i].share;
	assert_true(sum > 1); /* devices have several apps each */
}

static void test_builtin(void **state)
{
	struct br_scenario *scn = NULL;
	const char *src;
	struct br_diag d;
	size_t len, flen;
	char *file, *msgs;

	(void)state;
	br_diag_init(&d);
	assert_int_equal(br_scenario_default(catalog(), &scn, &d), 0);
	msgs = diag_text(&d);
	assert_string_equal(msgs, "");
	free(msgs);
	br_diag_free(&d);
	assert_string_equal(scn->file, BR_SCENARIO_BUILTIN);
	assert_string_equal(scn->file, "(built-in)");
	assert_string_equal(scn->apps[0].pos.file, "(built-in)");
	check_default(scn);
	br_scenario_free(scn);

	/* the built-in text is the shipped file, byte for byte */
	src = br_scenario_default_source(&len);
	file = read_all(SHIPPED_SCENARIOS "/default.scenario", &flen);
	assert_int_equal(len, flen);
	assert_memory_equal(src, file, len);
	assert_int_equal(src[len], '\0');
	assert_ptr_equal(br_scenario_default_source(NULL), src);
	free(file);

	/* errors in it name "(built-in)" */
	br_diag_init(&d);
	assert_int_equal(
		br_scenario_default(&(struct br_catalog){ 0 }, &scn, &d),
		-EINVAL);
	assert_null(scn);
	assert_true(d.n > 0);
	assert_string_equal(d.msgs[0].pos.file, "(built-in)");
	br_diag_free(&d);
}

static void parse_shipped(const struct br_catalog *cat, const char *what)
{
	struct br_scenario *scn;
	struct br_diag d;
	glob_t g;
	size_t i;
	char *msgs;
	int err, seen_default = 0, seen_swap = 0;

	assert_int_equal(glob(SHIPPED_SCENARIOS "/*.scenario", 0, NULL, &g), 0);
	assert_true(g.gl_pathc >= 2);
	for (i = 0; i < g.gl_pathc; i++) {
		br_diag_init(&d);
		err = br_scenario_parse_file(g.gl_pathv[i], cat, &scn, &d);
		msgs = diag_text(&d);
		if (err)
			fail_msg("%s against the %s catalog:\n%s",
				 g.gl_pathv[i], what, msgs);
		free(msgs);
		br_diag_free(&d);
		if (!strcmp(scn->name, "default")) {
			check_default(scn);
			seen_default = 1;
		}
		if (!strcmp(scn->name, "swap-midway")) {
			/* policies that devices hit: by name, then address */
			assert_int_equal(scn->n_events, 2);
			assert_true(scn->events[0].at_ns == 2 * NS_M);
			assert_true(scn->events[1].at_ns < scn->duration_ns);
			assert_string_equal(scn->events[0].policy,
					    SHIPPED_SCENARIOS
					    "/../imessage-apns-sni.policy");
			assert_string_equal(scn->events[1].policy,
					    SHIPPED_SCENARIOS
					    "/../imessage-apns-ip.policy");
			assert_int_equal(access(scn->events[0].policy, R_OK),
					 0);
			assert_true(scn->n_rates >= 1);
			seen_swap = 1;
		}
		br_scenario_free(scn);
	}
	globfree(&g);
	assert_true(seen_default);
	assert_true(seen_swap);
}

static void test_shipped_hand_catalog(void **state)
{
	(void)state;
	parse_shipped(catalog(), "hand-built");
}

static void test_shipped_real_catalog(void **state)
{
	struct br_catalog *cat = NULL;
	struct br_scenario *scn = NULL;
	struct br_diag d;
	struct stat st;
	char *msgs;
	int err;

	(void)state;
	if (stat(SHIPPED_CATALOG, &st) || !S_ISDIR(st.st_mode)) {
		print_message("skipped: no " SHIPPED_CATALOG " yet\n");
		skip();
	}
	br_diag_init(&d);
	err = br_catalog_load_dir(SHIPPED_CATALOG, &cat, &d);
	msgs = diag_text(&d);
	if (err)
		fail_msg("the shipped catalog:\n%s", msgs);
	free(msgs);
	br_diag_free(&d);

	parse_shipped(cat, "shipped");

	br_diag_init(&d);
	err = br_scenario_default(cat, &scn, &d);
	msgs = diag_text(&d);
	if (err)
		fail_msg("the built-in scenario:\n%s", msgs);
	free(msgs);
	br_diag_free(&d);
	check_default(scn);
	br_scenario_free(scn);
	br_catalog_free(cat);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_ir),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_reach),
		cmocka_unit_test(test_quantities),
		cmocka_unit_test(test_bad_scenarios),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_timeline),
		cmocka_unit_test(test_chase),
		cmocka_unit_test(test_buffer_cap),
		cmocka_unit_test(test_builtin),
		cmocka_unit_test(test_shipped_hand_catalog),
		cmocka_unit_test(test_shipped_real_catalog),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
