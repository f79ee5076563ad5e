/* cli: vigilctl subcommands and the client side of vigild's socket.
 *
 * vigilctl is a thin client: it checks the command line itself (so --help
 * and usage errors never need the daemon), sends the argv to vigild
 * (lib/ipc.h) and prints the reply. The agent helpers (src/helpers/main.c)
 * use the same client functions.
 */
#ifndef VIGIL_CLI_H
#define VIGIL_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Exit codes, one table for every subcommand. Codes 1, 2, 4 and 5 may also
 * come from vigild's reply, which vigilctl passes through. */
enum cli_exit {
	CLI_OK = 0,
	CLI_ERROR = 1,       /* the command ran and failed (bad input file, the
			      * daemon refused: bad config, unknown resource) */
	CLI_USAGE = 2,       /* bad command line */
	CLI_UNREACHABLE = 3, /* vigild is not running or did not answer */
	CLI_DENIED = 4,      /* permission denied (socket or daemon) */
	CLI_NOSUCH = 5,      /* vigild: no such resource, node, attribute or
			      * configuration version */
};

#define CLI_DEFAULT_SOCKET "/run/vigil/vigild.sock"

/* What every subcommand gets from the global options. */
struct cli_ctx {
	const char *socket;  /* vigild's socket path, never NULL */
};

/* The socket path: `opt` (from --socket) if not NULL, else $VIGIL_SOCKET
 * if set and not empty, else CLI_DEFAULT_SOCKET. */
const char *cli_socket_path(const char *opt);

/* vigild's answer to one request. */
struct cli_reply {
	int code;            /* the daemon's exit code */
	char *out;           /* stdout text, from malloc() */
	char *err;           /* stderr text, from malloc() */
};

/* Send argv to vigild and wait for the reply. Returns 0 and fills `rep`
 * (free it with cli_reply_free()), or CLI_UNREACHABLE / CLI_DENIED with a
 * message in err ("cannot reach vigild at PATH: ..."). */
int cli_request(const char *socket, int argc, char *const *argv, struct cli_reply *rep,
		char *err, size_t errlen);
void cli_reply_free(struct cli_reply *rep);

/* cli_request(), then write the reply's texts to stdout and stderr and
 * return its code; on failure print "vigilctl: MESSAGE" and return
 * CLI_UNREACHABLE or CLI_DENIED. */
int cli_forward(const char *socket, int argc, char *const *argv);

/* Read a whole file ("-" is stdin). Returns its contents (from malloc(),
 * NUL-terminated, length in *len) or NULL with "PATH: reason" in err. */
char *cli_read_file(const char *path, size_t *len, char *err, size_t errlen);

/* --- Command groups described as data -------------------------------- */

struct cli_args;

/* One verb of a command group ("resource start") or a command without
 * verbs ("status"). The generic parser checks the options and the number
 * of positional arguments, then runs `run` (cli_send_args when NULL). */
struct cli_verb {
	const char *name;       /* as typed */
	const char *canon;      /* as sent to vigild (NULL: same as name) */
	const char *summary;    /* one line for the group's list */
	const char *synopsis;   /* arguments, as in "RSC [NODE]" */
	const char *help;       /* what it does and what each argument means */
	int min_args, max_args; /* positional arguments */
	const char *flags;      /* options without a value: "--json --local" */
	const char *value_opts; /* options with a value: "--version" */
	bool opts_last;         /* send the options after the positionals */
	/* Local checks beyond the counts: return a message (usage error) or
	 * NULL. */
	const char *(*check)(const struct cli_args *a);
	int (*run)(const struct cli_ctx *ctx, const struct cli_args *a);
};

#define CLI_MAX_ARGS 16

/* A parsed command line of one verb. */
struct cli_args {
	const char *group;      /* "resource", or NULL for a top-level command */
	const struct cli_verb *verb;
	int npos;
	char *pos[CLI_MAX_ARGS];
	int nopts;              /* options as given, values included */
	char *opts[CLI_MAX_ARGS];
};

/* True when option `name` was given. */
bool cli_has_opt(const struct cli_args *a, const char *name);
/* The value of option `name`, or NULL. */
const char *cli_opt_value(const struct cli_args *a, const char *name);

/* Build [group, canon, options/positionals...] and forward it. */
int cli_send_args(const struct cli_ctx *ctx, const struct cli_args *a);

/* Run one verb: argv[0] is the verb word. */
int cli_run_verb(const struct cli_ctx *ctx, const char *group, const struct cli_verb *v,
		 int argc, char **argv);
/* Run a group: argv[0] is the group name, argv[1] the verb. */
int cli_run_group(const struct cli_ctx *ctx, const char *group, const char *summary,
		  const struct cli_verb *verbs, size_t nverbs, int argc, char **argv);

/* --- Subcommands (argv[0] is the subcommand name) --------------------- */

int cmd_status(const struct cli_ctx *ctx, int argc, char **argv);
int cmd_history(const struct cli_ctx *ctx, int argc, char **argv);
int cmd_configure(const struct cli_ctx *ctx, int argc, char **argv);
int cmd_resource(const struct cli_ctx *ctx, int argc, char **argv);
int cmd_node(const struct cli_ctx *ctx, int argc, char **argv);
int cmd_simulate(const struct cli_ctx *ctx, int argc, char **argv);
void cmd_simulate_usage(FILE *out);

#endif
