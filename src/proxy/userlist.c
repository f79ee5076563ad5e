/* userlist: users and groups for HTTP authentication (see userlist.h). */
#include "proxy/userlist.h"
#include "proxy/cfgparse.h"
#include "lib/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct userlist *userlist_find(struct userlist *list, const char *name)
{
	for (; list; list = list->next)
		if (strcmp(list->name, name) == 0)
			return list;
	return NULL;
}

static struct userlist_user *find_user(const struct userlist *ul, const char *name, size_t len)
{
	for (int i = 0; i < ul->nusers; i++)
		if (strlen(ul->users[i].name) == len && memcmp(ul->users[i].name, name, len) == 0)
			return &ul->users[i];
	return NULL;
}

static void add_group(char ***v, int *n, const char *g)
{
	*v = xrealloc(*v, sizeof(**v) * (size_t)(*n + 1));
	(*v)[(*n)++] = xstrdup(g);
}

/* "a,b,c" into groups */
static void add_list(char ***v, int *n, const char *list)
{
	char *dup = xstrdup(list), *save = NULL;

	for (char *t = strtok_r(dup, ",", &save); t; t = strtok_r(NULL, ",", &save))
		add_group(v, n, t);
	free(dup);
}

int userlist_parse_line(struct userlist *ul, char **args, int argc, char *err, size_t errlen)
{
	int rc = CFG_OK;

	if (strcmp(args[0], "group") == 0) {
		if (argc < 2) {
			snprintf(err, errlen, "'group' : missing group name.");
			return CFG_ERR;
		}
		for (int i = 0; i < ul->ngroups; i++) {
			if (strcmp(ul->groups[i], args[1]) == 0) {
				snprintf(err, errlen, "group '%s' : already exists in userlist '%s'.", args[1], ul->name);
				return CFG_ERR;
			}
		}
		add_group(&ul->groups, &ul->ngroups, args[1]);
		for (int i = 2; i < argc; i++) {
			if (strcmp(args[i], "users") == 0 && i + 1 < argc) {
				/* users are resolved when the user is declared later too */
				char *dup = xstrdup(args[++i]), *save = NULL;

				for (char *u = strtok_r(dup, ",", &save); u; u = strtok_r(NULL, ",", &save)) {
					struct userlist_user *usr = find_user(ul, u, strlen(u));

					if (!usr) {
						ul->users = xrealloc(ul->users, sizeof(*ul->users) * (size_t)(ul->nusers + 1));
						usr = &ul->users[ul->nusers++];
						memset(usr, 0, sizeof(*usr));
						usr->name = xstrdup(u);
					}
					add_group(&usr->groups, &usr->ngroups, args[1]);
				}
				free(dup);
			} else {
				snprintf(err, errlen, "'group' only supports 'users' option.");
				return CFG_ERR;
			}
		}
		return CFG_OK;
	}
	if (strcmp(args[0], "user") == 0) {
		struct userlist_user *u;

		if (argc < 2) {
			snprintf(err, errlen, "'user' : missing user name.");
			return CFG_ERR;
		}
		u = find_user(ul, args[1], strlen(args[1]));
		if (u && (u->pass || u->ngroups == 0)) {
			snprintf(err, errlen, "user '%s' : already exists in userlist '%s'.", args[1], ul->name);
			return CFG_ERR;
		}
		if (!u) {
			ul->users = xrealloc(ul->users, sizeof(*ul->users) * (size_t)(ul->nusers + 1));
			u = &ul->users[ul->nusers++];
			memset(u, 0, sizeof(*u));
			u->name = xstrdup(args[1]);
		}
		for (int i = 2; i < argc; i++) {
			if (i + 1 >= argc) {
				snprintf(err, errlen, "'%s' expects an argument.", args[i]);
				return CFG_ERR;
			}
			if (strcmp(args[i], "password") == 0) {
				snprintf(err, errlen, "user '%s' : encrypted passwords are not supported yet; the user cannot authenticate.",
					 args[1]);
				rc = CFG_WARN;
			} else if (strcmp(args[i], "insecure-password") == 0) {
				free(u->pass);
				u->pass = xstrdup(args[i + 1]);
			} else if (strcmp(args[i], "groups") == 0) {
				add_list(&u->groups, &u->ngroups, args[i + 1]);
			} else {
				snprintf(err, errlen, "'user' only supports 'password', 'insecure-password' and 'groups' options.");
				return CFG_ERR;
			}
			i++;
		}
		return rc;
	}
	snprintf(err, errlen, "unknown keyword '%s' in 'userlist' section", args[0]);
	return CFG_ERR;
}

void userlist_free_all(struct userlist *list)
{
	while (list) {
		struct userlist *n = list->next;

		for (int i = 0; i < list->nusers; i++) {
			free(list->users[i].name);
			free(list->users[i].pass);
			for (int j = 0; j < list->users[i].ngroups; j++)
				free(list->users[i].groups[j]);
			free(list->users[i].groups);
		}
		free(list->users);
		for (int i = 0; i < list->ngroups; i++)
			free(list->groups[i]);
		free(list->groups);
		free(list->name);
		free(list);
		list = n;
	}
}

bool userlist_check(const struct userlist *ul, const char *user, size_t ulen, const char *pass, size_t plen)
{
	const struct userlist_user *u = ul ? find_user(ul, user, ulen) : NULL;

	return u && u->pass && strlen(u->pass) == plen && memcmp(u->pass, pass, plen) == 0;
}

bool userlist_in_group(const struct userlist *ul, const char *user, size_t ulen, const char *group)
{
	const struct userlist_user *u = ul ? find_user(ul, user, ulen) : NULL;

	if (!u)
		return false;
	for (int i = 0; i < u->ngroups; i++)
		if (strcmp(u->groups[i], group) == 0)
			return true;
	return false;
}
