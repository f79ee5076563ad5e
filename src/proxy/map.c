/* map: map files held in memory (see map.h). */
#include "proxy/map.h"
#include "lib/util.h"

#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct map_entry {
	char *key, *value;         /* from malloc() */
	regex_t re;                /* MAP_REG */
};

struct map {
	enum map_match match;
	struct map_entry *ents;    /* from malloc(), in file order */
	int nents;
};

void map_free(struct map *m)
{
	if (!m)
		return;
	for (int i = 0; i < m->nents; i++) {
		if (m->match == MAP_REG)
			regfree(&m->ents[i].re);
		free(m->ents[i].key);
		free(m->ents[i].value);
	}
	free(m->ents);
	free(m);
}

struct map *map_load(const char *path, enum map_match match, char *err, size_t errlen)
{
	FILE *fp = fopen(path, "re");
	struct map *m;
	char *line = NULL;
	size_t cap = 0;
	int lineno = 0;

	if (!fp) {
		snprintf(err, errlen, "failed to open map file <%s> : %s", path, strerror(errno));
		return NULL;
	}
	m = xcalloc(1, sizeof(*m));
	m->match = match;
	while (getline(&line, &cap, fp) > 0) {
		char *k = line, *ke, *v, *ve;
		struct map_entry *e;

		lineno++;
		while (*k == ' ' || *k == '\t')
			k++;
		if (*k == '#' || *k == '\n' || *k == '\r' || !*k)
			continue;
		ke = k + strcspn(k, " \t\r\n");
		v = ke + strspn(ke, " \t");
		ve = v + strcspn(v, "\r\n");
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		*ke = 0;
		*ve = 0;
		m->ents = xrealloc(m->ents, sizeof(*m->ents) * (size_t)(m->nents + 1));
		e = &m->ents[m->nents];
		e->key = xstrdup(k);
		e->value = xstrdup(v);
		if (match == MAP_REG && regcomp(&e->re, e->key, REG_EXTENDED | REG_NOSUB) != 0) {
			snprintf(err, errlen, "map file <%s> line %d : invalid regex '%s'", path, lineno, e->key);
			free(e->key);
			free(e->value);
			free(line);
			fclose(fp);
			map_free(m);
			return NULL;
		}
		m->nents++;
	}
	free(line);
	fclose(fp);
	return m;
}

int map_count(const struct map *m)
{
	return m ? m->nents : 0;
}

/* `pat` found in `s` with delimiters (or the ends) on both sides. */
static bool delimited(const char *s, size_t len, const char *pat, const char *delims)
{
	size_t pl = strlen(pat);

	if (pl == 0 || pl > len)
		return false;
	for (size_t i = 0; i + pl <= len; i++) {
		if ((i == 0 || strchr(delims, s[i - 1])) && memcmp(s + i, pat, pl) == 0 &&
		    (i + pl == len || strchr(delims, s[i + pl])))
			return true;
	}
	return false;
}

const char *map_lookup(const struct map *m, const char *key, size_t klen)
{
	char tmp[1024];

	if (!m)
		return NULL;
	for (int i = 0; i < m->nents; i++) {
		const struct map_entry *e = &m->ents[i];
		size_t pl = strlen(e->key);

		switch (m->match) {
		case MAP_STR:
		case MAP_IP:
		case MAP_INT:
			if (pl == klen && memcmp(e->key, key, klen) == 0)
				return e->value;
			break;
		case MAP_BEG:
			if (pl <= klen && memcmp(e->key, key, pl) == 0)
				return e->value;
			break;
		case MAP_END:
			if (pl <= klen && memcmp(e->key, key + klen - pl, pl) == 0)
				return e->value;
			break;
		case MAP_SUB:
			if (memmem(key, klen, e->key, pl))
				return e->value;
			break;
		case MAP_DOM:
			if (delimited(key, klen, e->key, "./"))
				return e->value;
			break;
		case MAP_DIR:
			if (delimited(key, klen, e->key, "/"))
				return e->value;
			break;
		case MAP_REG:
			if (klen < sizeof(tmp)) {
				memcpy(tmp, key, klen);
				tmp[klen] = 0;
				if (regexec(&e->re, tmp, 0, NULL, 0) == 0)
					return e->value;
			}
			break;
		}
	}
	return NULL;
}
