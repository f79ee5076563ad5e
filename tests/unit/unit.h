/* unit: a minimal test harness. Each test file defines test functions and
 * lists them in main() with RUN(fn); each test runs in a child process so a
 * crash fails that test alone; the file exits non-zero if any test failed. */
#ifndef VIGIL_UNIT_H
#define VIGIL_UNIT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int unit_failed, unit_run;

#define CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "  %s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
	exit(1); } } while (0)
#define CHECK_STR(a, b) do { const char *a_ = (a), *b_ = (b); \
	if (!a_ || !b_ || strcmp(a_, b_) != 0) { \
	fprintf(stderr, "  %s:%d: '%s' != '%s'\n", __FILE__, __LINE__, a_ ? a_ : "(null)", b_ ? b_ : "(null)"); \
	exit(1); } } while (0)
#define CHECK_INT(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); \
	if (a_ != b_) { fprintf(stderr, "  %s:%d: %s == %lld, expected %lld\n", \
	__FILE__, __LINE__, #a, a_, b_); exit(1); } } while (0)
#define CHECK_CONTAINS(hay, needle) do { const char *h_ = (hay), *n_ = (needle); \
	if (!h_ || !strstr(h_, n_)) { fprintf(stderr, "  %s:%d: '%s' does not contain '%s'\n", \
	__FILE__, __LINE__, h_ ? h_ : "(null)", n_); exit(1); } } while (0)

static inline void unit_run_one(void (*fn)(void), const char *name)
{
	pid_t pid;
	int status = 0;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		fn();
		exit(0);
	}
	waitpid(pid, &status, 0);
	unit_run++;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		unit_failed++;
		printf("FAIL %s\n", name);
	} else {
		printf("ok   %s\n", name);
	}
}

#define RUN(fn) unit_run_one(fn, #fn)
#define UNIT_DONE() do { printf("%d/%d passed\n", unit_run - unit_failed, unit_run); \
	return unit_failed ? 1 : 0; } while (0)

#endif
