/* verbs: the command line of vigilctl's daemon commands, checked from
 * tables (struct cli_verb) so that every verb gets --help, option and
 * argument-count checks the same way, without asking vigild. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "lib/util.h"

/* Is `word` one of the space-separated names in `list`? */
static bool in_list(const char *list, const char *word, size_t wlen)
{
	const char *p = list;

	while (p && *p) {
		size_t n = strcspn(p, " ");

		if (n == wlen && !strncmp(p, word, n))
			return true;
		p += n;
		p += strspn(p, " ");
	}
	return false;
}

/* Arguments such as "-5" or "-INFINITY" are values (scores), not options. */
static bool looks_like_option(const char *s)
{
	if (s[0] != '-' || !s[1])
		return false;
	if (isdigit((unsigned char)s[1]))
		return false;
	return strcasecmp(s + 1, "INFINITY") && strcasecmp(s + 1, "inf");
}

static void verb_title(FILE *out, const char *group, const struct cli_verb *v)
{
	fprintf(out, "vigilctl %s%s%s", group ? group : "", group ? " " : "", v->name);
}

static void verb_usage(FILE *out, const char *group, const struct cli_verb *v)
{
	fputs("Usage: ", out);
	verb_title(out, group, v);
	fprintf(out, "%s%s\n\n%s", *v->synopsis ? " " : "", v->synopsis, v->help);
	fputs("  -h, --help  this help\n", out);
}

static int verb_usage_error(const char *group, const struct cli_verb *v, const char *msg)
{
	verb_title(stderr, group, v);
	fprintf(stderr, ": %s\n", msg);
	verb_usage(stderr, group, v);
	return CLI_USAGE;
}

/* The option names of the verb, for suggestions. */
static const char **option_names(const struct cli_verb *v, char **storage)
{
	size_t n = 0;
	const char **names = xcalloc(2 * CLI_MAX_ARGS + 2, sizeof(*names));
	char *all = xasprintf("%s %s --help", v->flags ? v->flags : "",
			      v->value_opts ? v->value_opts : "");
	char *save = NULL;

	for (char *w = strtok_r(all, " ", &save); w && n < 2 * CLI_MAX_ARGS;
	     w = strtok_r(NULL, " ", &save))
		names[n++] = w;
	*storage = all;
	return names;
}

int cli_run_verb(const struct cli_ctx *ctx, const char *group, const struct cli_verb *v,
		 int argc, char **argv)
{
	struct cli_args a = { .group = group, .verb = v };
	char msg[256];
	bool dashdash = false;
	const char *problem;

	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			verb_usage(stdout, group, v);
			return CLI_OK;
		}
	}
	for (int i = 1; i < argc; i++) {
		char *arg = argv[i];

		if (!dashdash && !strcmp(arg, "--")) {
			dashdash = true;
			continue;
		}
		if (dashdash || !looks_like_option(arg)) {
			if (a.npos == CLI_MAX_ARGS)
				return verb_usage_error(group, v, "too many arguments");
			a.pos[a.npos++] = arg;
			continue;
		}
		if (a.nopts + 2 > CLI_MAX_ARGS)
			return verb_usage_error(group, v, "too many options");
		if (v->flags && in_list(v->flags, arg, strlen(arg))) {
			a.opts[a.nopts++] = arg;
			continue;
		}
		if (v->value_opts) {
			const char *eq = strchr(arg, '=');
			size_t nlen = eq ? (size_t)(eq - arg) : strlen(arg);

			if (in_list(v->value_opts, arg, nlen)) {
				if (eq) {
					/* "--version=3": split in place */
					arg[nlen] = 0;
					a.opts[a.nopts++] = arg;
					a.opts[a.nopts++] = arg + nlen + 1;
					continue;
				}
				if (i + 1 == argc) {
					snprintf(msg, sizeof(msg), "option %s needs a value", arg);
					return verb_usage_error(group, v, msg);
				}
				a.opts[a.nopts++] = arg;
				a.opts[a.nopts++] = argv[++i];
				continue;
			}
		}
		if (!strcmp(arg, "--socket") || str_starts_with(arg, "--socket=")) {
			return verb_usage_error(group, v, "--socket goes before the command "
						"(vigilctl --socket PATH COMMAND ...)");
		}
		{
			char *storage;
			const char **names = option_names(v, &storage);
			const char *near = suggest_word(arg, names);

			snprintf(msg, sizeof(msg), "unknown option '%s'%s%s%s", arg,
				 near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
			free(names);
			free(storage);
			return verb_usage_error(group, v, msg);
		}
	}
	if (a.npos < v->min_args || a.npos > v->max_args) {
		if (a.npos > v->max_args)
			snprintf(msg, sizeof(msg), "unexpected argument '%s'", a.pos[v->max_args]);
		else
			snprintf(msg, sizeof(msg), "missing argument%s (%s)",
				 v->min_args - a.npos > 1 ? "s" : "", v->synopsis);
		return verb_usage_error(group, v, msg);
	}
	if (v->check && (problem = v->check(&a)))
		return verb_usage_error(group, v, problem);
	return v->run ? v->run(ctx, &a) : cli_send_args(ctx, &a);
}

bool cli_has_opt(const struct cli_args *a, const char *name)
{
	for (int i = 0; i < a->nopts; i++)
		if (!strcmp(a->opts[i], name))
			return true;
	return false;
}

const char *cli_opt_value(const struct cli_args *a, const char *name)
{
	const char *value = NULL;

	/* Values follow their option's name; the last one given wins. */
	for (int i = 0; i + 1 < a->nopts; i++)
		if (!strcmp(a->opts[i], name) && in_list(a->verb->value_opts, name, strlen(name)))
			value = a->opts[++i];
	return value;
}

int cli_send_args(const struct cli_ctx *ctx, const struct cli_args *a)
{
	char *req[2 * CLI_MAX_ARGS + 2];
	int n = 0;

	if (a->group)
		req[n++] = (char *)a->group;
	req[n++] = (char *)(a->verb->canon ? a->verb->canon : a->verb->name);
	if (!a->verb->opts_last)
		for (int i = 0; i < a->nopts; i++)
			req[n++] = a->opts[i];
	for (int i = 0; i < a->npos; i++)
		req[n++] = a->pos[i];
	if (a->verb->opts_last)
		for (int i = 0; i < a->nopts; i++)
			req[n++] = a->opts[i];
	return cli_forward(ctx->socket, n, req);
}

static void group_usage(FILE *out, const char *group, const char *summary,
			const struct cli_verb *verbs, size_t nverbs)
{
	fprintf(out, "Usage: vigilctl %s COMMAND [ARGUMENTS]\n\n%s\n\nCommands:\n", group, summary);
	for (size_t i = 0; i < nverbs; i++) {
		char *head = xasprintf("%s%s%s", verbs[i].name, *verbs[i].synopsis ? " " : "",
				       verbs[i].synopsis);

		if (strlen(head) > 22)
			fprintf(out, "  %s\n  %-22s  %s\n", head, "", verbs[i].summary);
		else
			fprintf(out, "  %-22s  %s\n", head, verbs[i].summary);
		free(head);
	}
	fprintf(out, "\nRun 'vigilctl %s COMMAND --help' for a command's arguments.\n", group);
}

int cli_run_group(const struct cli_ctx *ctx, const char *group, const char *summary,
		  const struct cli_verb *verbs, size_t nverbs, int argc, char **argv)
{
	const char *names[64];
	const char *near;
	size_t n = 0;

	if (argc < 2) {
		fprintf(stderr, "vigilctl %s: missing command\n", group);
		group_usage(stderr, group, summary, verbs, nverbs);
		return CLI_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		group_usage(stdout, group, summary, verbs, nverbs);
		return CLI_OK;
	}
	for (size_t i = 0; i < nverbs; i++)
		if (!strcmp(argv[1], verbs[i].name))
			return cli_run_verb(ctx, group, &verbs[i], argc - 1, argv + 1);
	for (size_t i = 0; i < nverbs && n + 1 < ARRAY_SIZE(names); i++)
		names[n++] = verbs[i].name;
	names[n] = NULL;
	near = suggest_word(argv[1], names);
	fprintf(stderr, "vigilctl %s: unknown command '%s'%s%s%s\n", group, argv[1],
		near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
	group_usage(stderr, group, summary, verbs, nverbs);
	return CLI_USAGE;
}
