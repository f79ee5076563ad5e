/* pxconf: lookups in the configuration model and its release. */
#include "proxy/acl.h"
#include "proxy/sample.h"
#include "proxy/cfgparse.h"
#include "proxy/http_rules.h"
#include "proxy/userlist.h"
#include "proxy/cache.h"
#include "proxy/stick.h"
#include "proxy/ssl.h"
#include "proxy/proxy.h"
#include "lib/log.h"
#include "lib/util.h"

#include <regex.h>
#include <stdlib.h>
#include <string.h>

struct proxy *pxconf_find_proxy(const struct pxconf *c, const char *id, unsigned cap)
{
	int i;

	for (i = 0; i < c->nproxies; i++)
		if ((c->proxies[i]->cap & cap) && strcmp(c->proxies[i]->id, id) == 0)
			return c->proxies[i];
	return NULL;
}

struct server *proxy_find_server(const struct proxy *px, const char *id)
{
	int i;

	for (i = 0; i < px->nservers; i++)
		if (strcmp(px->servers[i]->id, id) == 0)
			return px->servers[i];
	return NULL;
}


static bool is_global_log(const struct pxconf *c, const struct log_target *t)
{
	int i;

	for (i = 0; i < c->global.nlogs; i++)
		if (c->global.logs[i] == t)
			return true;
	return false;
}

static void proxy_release(const struct pxconf *c, struct proxy *px)
{
	int i;

	for (i = 0; i < px->nlisteners; i++) {
		free(px->listeners[i]->spec);
		free(px->listeners[i]->name);
		free(px->listeners[i]->interface);
		ssl_bind_put(px->listeners[i]->ssl);
		free(px->listeners[i]);
	}
	free(px->listeners);
	for (i = 0; i < px->nservers; i++) {
		free(px->servers[i]->id);
		free(px->servers[i]->cookie);
		ssl_srv_free(px->servers[i]->ssl);
		free(px->servers[i]);
	}
	free(px->servers);
	for (i = 0; i < px->nswitch_rules; i++) {
		free(px->switch_rules[i].backend_name);
		acl_cond_free(px->switch_rules[i].cond);
	}
	free(px->switch_rules);
	for (i = 0; i < px->ntcp_rules; i++) {
		acl_cond_free(px->tcp_rules[i].cond);
		sample_expr_free(px->tcp_rules[i].expr);
		free(px->tcp_rules[i].table_name);
	}
	free(px->tcp_rules);
	for (i = 0; i < px->nstick_rules; i++)
		stick_rule_release(&px->stick_rules[i]);
	free(px->stick_rules);
	stick_table_free(px->stick_table);
	http_rules_free(px);       /* before the ACLs its conditions use */
	acl_list_free(px->acls);
	/* `log global` entries share the global targets */
	for (i = 0; i < px->nlogs; i++)
		if (!is_global_log(c, px->logs[i]))
			log_target_free(px->logs[i]);
	free(px->logs);
	cfg_check_free(&px->check);
	free(px->default_backend_name);
	pthread_mutex_destroy(&px->lock);
	free(px->id);
	free(px);
}

void pxconf_free(struct pxconf *c)
{
	int i;

	if (!c)
		return;
	for (i = 0; i < c->nproxies; i++)
		proxy_release(c, c->proxies[i]);
	free(c->proxies);
	userlist_free_all(c->userlists);
	cache_free_all(c->caches);
	for (i = 0; i < c->global.nlogs; i++)
		log_target_free(c->global.logs[i]);
	free(c->global.logs);
	free(c->global.stats_sockets);
	free(c->global.pidfile);
	free(c->global.user);
	free(c->global.group);
	free(c->global.chroot);
	free(c->global.node);
	ssl_global_free(c->global.ssl);
	for (i = 0; i < c->nfiles; i++)
		free(c->files[i]);
	free(c->files);
	free(c);
}
