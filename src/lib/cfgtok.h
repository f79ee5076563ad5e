/* cfgtok: split configuration files into lines of words, knowing where
 * each line came from.
 *
 * Quoting follows HAProxy's rules, which crmsh's shell-like syntax also
 * fits: blanks separate words; '#' starts a comment; a backslash escapes the
 * next character (\t \n \r \xHH too); "double quotes" group and expand
 * ${VAR} and $VAR from the environment; 'single quotes' group literally.
 * Options add backslash-newline continuation and HAProxy's conditional
 * blocks (.if/.elif/.else/.endif, .diag/.notice/.warning/.alert).
 */
#ifndef VIGIL_CFGTOK_H
#define VIGIL_CFGTOK_H

#include <stddef.h>
#include <stdio.h>

#define CFGTOK_MAX_WORDS 256
#define CFGTOK_MAX_LINE  65536

/* Options for cfgtok_open(). */
#define CFGTOK_CONTINUATION 0x1  /* a trailing backslash joins the next line */
#define CFGTOK_CONDITIONALS 0x2  /* HAProxy's .if/.endif blocks */
#define CFGTOK_NO_EXPAND    0x4  /* "$VAR" stays literal (crmsh does not expand) */

struct cfgtok;

struct cfgtok_line {
	const char *file;      /* as given to cfgtok_open() */
	int lineno;            /* first physical line of this logical line */
	int argc;
	char *argv[CFGTOK_MAX_WORDS + 1]; /* NULL-terminated; owned by the reader,
					     valid until the next call */
};

/* Open `path` ("-" is stdin). Returns NULL with a message in err. */
struct cfgtok *cfgtok_open(const char *path, int options, char *err, size_t errlen);
/* Read from memory instead (fuzzers, tests); `name` labels messages. */
struct cfgtok *cfgtok_open_mem(const char *name, const char *data, size_t len, int options);
void cfgtok_close(struct cfgtok *t);

/* Next non-empty line. Returns 1 with *line filled, 0 at end of file, or
 * -1 with a message in err (and line->file/lineno set) on a tokenizing
 * error (unterminated quote, too many words, bad escape, unbalanced .if).
 * Lines from .diag/.notice/.warning are reported through `warn` and
 * skipped; .alert is an error. */
int cfgtok_next(struct cfgtok *t, struct cfgtok_line *line, char *err, size_t errlen);

/* Messages emitted by .notice/.warning/.diag lines (may be NULL). */
void cfgtok_set_warn_cb(struct cfgtok *t, void (*cb)(void *ctx, const char *file, int line,
						      const char *msg), void *ctx);

#endif
