/* map: HAProxy map files ("key value" lines, '#' comments), read at
 * parse time and held in memory, and the lookups of the map_* converters. */
#ifndef VIGIL_MAP_H
#define VIGIL_MAP_H

#include <stdbool.h>
#include <stddef.h>

enum map_match { MAP_STR, MAP_BEG, MAP_END, MAP_SUB, MAP_DOM, MAP_REG, MAP_DIR, MAP_IP, MAP_INT };

struct map;

/* Load FILE; NULL with a message when it cannot be read or a regex is
 * invalid. */
struct map *map_load(const char *path, enum map_match m, char *err, size_t errlen);
void map_free(struct map *m);
/* The value of the first entry (in file order) matching `key`, or NULL. */
const char *map_lookup(const struct map *m, const char *key, size_t klen);
int map_count(const struct map *m);

#endif
