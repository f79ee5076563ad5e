/* userlist: `userlist NAME` sections (users, groups) and HTTP Basic
 * authentication against them.
 *
 * Encrypted passwords (`password HASH`) need crypt(3), which lives in
 * libcrypt and is not linked: such users are kept but cannot
 * authenticate (the parser warns). `insecure-password` works.
 */
#ifndef VIGIL_USERLIST_H
#define VIGIL_USERLIST_H

#include <stdbool.h>
#include <stddef.h>

struct userlist_user {
	char *name, *pass;         /* from malloc(); pass NULL if encrypted */
	char **groups;             /* from malloc() */
	int ngroups;
};

struct userlist {
	char *name;                /* from malloc() */
	struct userlist_user *users;
	int nusers;
	char **groups;             /* declared group names */
	int ngroups;
	struct userlist *next;
};

struct userlist *userlist_find(struct userlist *list, const char *name);
/* Lines of a userlist section: `user ...`, `group ...`. CFG-style result:
 * 0 ok, 1 warning, 2 error, with a message. */
int userlist_parse_line(struct userlist *ul, char **args, int argc, char *err, size_t errlen);
void userlist_free_all(struct userlist *list);

/* Check "user:password" credentials. */
bool userlist_check(const struct userlist *ul, const char *user, size_t ulen, const char *pass, size_t plen);
bool userlist_in_group(const struct userlist *ul, const char *user, size_t ulen, const char *group);

#endif
