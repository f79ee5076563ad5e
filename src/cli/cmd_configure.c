/* vigilctl configure: the cluster configuration (crmsh syntax) that vigild
 * keeps, versioned. Files are read here and sent with their contents:
 * vigild never opens a path a client names. `edit` runs the user's editor
 * and applies nothing that vigild has not verified first. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cluster/crm_parse.h"
#include "cluster/xml.h"
#include "lib/util.h"

#define EDIT_NAME "(edit)"   /* the name an edited configuration is sent under */

static const char *show_check(const struct cli_args *a)
{
	const char *v = cli_opt_value(a, "--version");
	long long n;

	if (v && parse_int(v, 1, 1LL << 53, &n))
		return "--version expects a version number (see 'vigilctl configure history')";
	return NULL;
}

static const char *load_check(const struct cli_args *a)
{
	if (strcmp(a->pos[0], "update") && strcmp(a->pos[0], "replace"))
		return "the first argument is 'update' or 'replace'";
	return NULL;
}

/* The name a file is sent under: its path, "(stdin)" for "-". */
static const char *file_label(const char *path)
{
	return strcmp(path, "-") ? path : "(stdin)";
}

static int load_run(const struct cli_ctx *ctx, const struct cli_args *a)
{
	char err[512];
	size_t len;
	char *data = cli_read_file(a->pos[1], &len, err, sizeof(err));
	int rc;

	if (!data) {
		fprintf(stderr, "vigilctl configure load: cannot read %s\n", err);
		return CLI_ERROR;
	}
	rc = cli_forward(ctx->socket, 5,
			 (char *[]){ "configure", "load", a->pos[0], (char *)file_label(a->pos[1]),
				     data });
	free(data);
	return rc;
}

static int verify_run(const struct cli_ctx *ctx, const struct cli_args *a)
{
	char err[2048];
	size_t len;
	const char *path = a->pos[0];
	char *data = cli_read_file(path, &len, err, sizeof(err));
	int rc;

	if (!data) {
		fprintf(stderr, "vigilctl configure verify: cannot read %s\n", err);
		return CLI_ERROR;
	}
	if (cli_has_opt(a, "--local")) {
		struct xml_node *cib = crm_parse_mem(file_label(path), data, len, err, sizeof(err));

		free(data);
		if (!cib) {
			fprintf(stderr, "%s\n", err);
			return CLI_ERROR;
		}
		xml_free(cib);
		return CLI_OK;
	}
	rc = cli_forward(ctx->socket, 4,
			 (char *[]){ "configure", "verify", (char *)file_label(path), data });
	free(data);
	return rc;
}

/* Run $VISUAL, $EDITOR or vi on `path`, split on blanks ("code --wait").
 * Returns 0 when the editor exited with status 0. */
static int run_editor(const char *path, char *err, size_t errlen)
{
	const char *editor = getenv("VISUAL");
	char *copy, *save = NULL, *args[64];
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_int, old_quit;
	int n = 0, status, ret = -1;
	pid_t pid;

	if (!editor || !*editor)
		editor = getenv("EDITOR");
	if (!editor || !*editor)
		editor = "vi";
	copy = xstrdup(editor);
	for (char *w = strtok_r(copy, " \t", &save); w && n < 62; w = strtok_r(NULL, " \t", &save))
		args[n++] = w;
	if (!n)
		args[n++] = "vi";
	args[n++] = (char *)path;
	args[n] = NULL;
	fflush(stdout);
	fflush(stderr);
	/* Ctrl-C is the editor's to handle; vigilctl waits for it. */
	sigemptyset(&ign.sa_mask);
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	pid = fork();
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGQUIT, SIG_DFL);
		execvp(args[0], args);
		fprintf(stderr, "vigilctl configure edit: cannot run '%s': %s\n", args[0],
			strerror(errno));
		_exit(127);
	}
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		goto out;
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			snprintf(err, errlen, "waitpid: %s", strerror(errno));
			goto out;
		}
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		ret = 0;
	else if (WIFEXITED(status))
		snprintf(err, errlen, "the editor '%s' exited with status %d", editor,
			 WEXITSTATUS(status));
	else
		snprintf(err, errlen, "the editor '%s' was killed by signal %d", editor,
			 WTERMSIG(status));
out:
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	free(copy);
	return ret;
}

static bool ask_edit_again(void)
{
	char line[64];

	if (!isatty(STDIN_FILENO))
		return false;
	fputs("Edit again? [y/N] ", stderr);
	fflush(stderr);
	if (!fgets(line, sizeof(line), stdin))
		return false;
	return line[0] == 'y' || line[0] == 'Y';
}

static int write_file(const char *path, int fd, const char *data, size_t len, char *err,
		      size_t errlen)
{
	while (len) {
		ssize_t w = write(fd, data, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			return -1;
		}
		data += w;
		len -= (size_t)w;
	}
	if (close(fd) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Print a reply's texts as vigilctl does for every request. */
static void print_reply(const struct cli_reply *rep)
{
	fputs(rep->out, stdout);
	fflush(stdout);
	fputs(rep->err, stderr);
}

/*
 * edit: show -> temporary file -> editor -> (unchanged: done) -> verify by
 * vigild -> (errors: edit again or give up) -> load replace.
 * The temporary file is removed once the edit is applied or unchanged, and
 * kept (its path printed) whenever the edit is not applied.
 */
static int edit_run(const struct cli_ctx *ctx, const struct cli_args *a)
{
	const char *tmpdir = getenv("TMPDIR");
	struct cli_reply shown = { 0 }, rep = { 0 };
	char err[512], *path = NULL, *data = NULL;
	size_t orig_len, len = 0;
	int fd, rc;
	bool keep = false;

	rc = cli_request(ctx->socket, 2, (char *[]){ "configure", "show" }, &shown, err,
			 sizeof(err));
	if (rc) {
		fprintf(stderr, "vigilctl: %s\n", err);
		return rc;
	}
	if (shown.code) {
		print_reply(&shown);
		rc = shown.code;
		goto out;
	}
	orig_len = strlen(shown.out);
	path = xasprintf("%s/vigil-XXXXXX.crm", tmpdir && *tmpdir ? tmpdir : "/tmp");
	fd = mkstemps(path, 4);
	if (fd < 0) {
		fprintf(stderr, "vigilctl configure edit: %s: %s\n", path, strerror(errno));
		rc = CLI_ERROR;
		xfree(&path);
		goto out;
	}
	if (write_file(path, fd, shown.out, orig_len, err, sizeof(err))) {
		fprintf(stderr, "vigilctl configure edit: %s\n", err);
		rc = CLI_ERROR;
		goto out;
	}
	for (;;) {
		if (run_editor(path, err, sizeof(err))) {
			fprintf(stderr, "vigilctl configure edit: %s; nothing applied\n", err);
			rc = CLI_ERROR;
			keep = true;
			goto out;
		}
		free(data);
		data = cli_read_file(path, &len, err, sizeof(err));
		if (!data) {
			fprintf(stderr, "vigilctl configure edit: cannot read %s\n", err);
			rc = CLI_ERROR;
			keep = true;
			goto out;
		}
		if (len == orig_len && !memcmp(data, shown.out, len)) {
			puts("no changes");
			rc = CLI_OK;
			goto out;
		}
		cli_reply_free(&rep);
		rc = cli_request(ctx->socket, 4, (char *[]){ "configure", "verify", EDIT_NAME, data },
				 &rep, err, sizeof(err));
		if (rc) {
			fprintf(stderr, "vigilctl: %s\n", err);
			keep = true;
			goto out;
		}
		print_reply(&rep);
		if (rep.code == CLI_OK)
			break;
		rc = rep.code;
		if (rep.code != CLI_ERROR || !ask_edit_again()) {
			keep = true;
			goto out;
		}
	}
	cli_reply_free(&rep);
	rc = cli_request(ctx->socket, 5,
			 (char *[]){ "configure", "load", "replace", EDIT_NAME, data }, &rep, err,
			 sizeof(err));
	if (rc) {
		fprintf(stderr, "vigilctl: %s\n", err);
		keep = true;
		goto out;
	}
	print_reply(&rep);
	rc = rep.code;
	keep = rc != CLI_OK;
out:
	if (path && keep)
		fprintf(stderr, "vigilctl configure edit: the configuration is unchanged; "
			"your edit is kept in %s\n", path);
	else if (path)
		unlink(path);
	free(path);
	free(data);
	cli_reply_free(&shown);
	cli_reply_free(&rep);
	return rc;
}

static const struct cli_verb verbs[] = {
	{ "show", NULL, "print the configuration", "[--version N]",
	  "Print the cluster configuration in crmsh syntax: the current version,\n"
	  "or an older one.\n"
	  "\n"
	  "  --version N  print version N (see 'vigilctl configure history')\n",
	  0, 0, NULL, "--version", false, show_check, NULL },
	{ "history", NULL, "list the stored versions of the configuration", "",
	  "List the stored versions of the configuration: number, when and by\n"
	  "whom it was loaded, and from which file.\n",
	  0, 0, NULL, NULL, false, NULL, NULL },
	{ "load", NULL, "load a configuration file (update or replace)", "update|replace FILE",
	  "Load a configuration file in crmsh syntax. vigild verifies it (syntax,\n"
	  "references, agents installed on the nodes) and applies nothing when it\n"
	  "has errors.\n"
	  "\n"
	  "  update      merge FILE into the configuration: its objects are added\n"
	  "              or replace those of the same id, the others stay\n"
	  "  replace     FILE becomes the whole configuration\n"
	  "  FILE        the file to load, '-' for standard input\n",
	  2, 2, NULL, NULL, false, load_check, load_run },
	{ "verify", NULL, "check a configuration file without loading it", "[--local] FILE",
	  "Check a configuration file in crmsh syntax without loading it. vigild\n"
	  "also checks that the resource agents it names are installed. Prints\n"
	  "the errors, naming file and line; exit status 1 when there are some.\n"
	  "\n"
	  "  FILE        the file to check, '-' for standard input\n"
	  "  --local     check here, without vigild (syntax and references only)\n",
	  1, 1, "--local", NULL, false, NULL, verify_run },
	{ "edit", NULL, "edit the configuration in $VISUAL or $EDITOR", "",
	  "Open the current configuration in $VISUAL, $EDITOR or vi. When the\n"
	  "editor exits, the changed configuration is verified by vigild and\n"
	  "loaded in place of the current one. With errors, vigilctl prints them\n"
	  "and asks whether to edit again (when standard input is not a terminal\n"
	  "it does not ask and exits with status 1); nothing is applied until the\n"
	  "configuration verifies. An edit that is not applied is kept in its\n"
	  "temporary file, whose path is printed.\n",
	  0, 0, NULL, NULL, false, NULL, edit_run },
};

int cmd_configure(const struct cli_ctx *ctx, int argc, char **argv)
{
	return cli_run_group(ctx, "configure",
			     "The cluster configuration, in crmsh syntax, kept by vigild.", verbs,
			     ARRAY_SIZE(verbs), argc, argv);
}
