/* Tests for src/lib: time/size parsing, suggestions, addresses, tokenizer,
 * event loop timers, digests. */
#include "unit.h"
#include "lib/addr.h"
#include "lib/cfgtok.h"
#include "lib/crc32c.h"
#include "lib/ev.h"
#include "lib/md5.h"
#include "lib/util.h"

#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>

static void test_parse_time(void)
{
	uint64_t v;

	CHECK(parse_time_ms("5000", &v) == 0 && v == 5000);
	CHECK(parse_time_ms("5s", &v) == 0 && v == 5000);
	CHECK(parse_time_ms("2m", &v) == 0 && v == 120000);
	CHECK(parse_time_ms("1h", &v) == 0 && v == 3600000);
	CHECK(parse_time_ms("1500us", &v) == 0 && v == 2);
	CHECK(parse_time_ms("0", &v) == 0 && v == 0);
	CHECK(parse_time_ms("5x", &v) == -EINVAL);
	CHECK(parse_time_ms("s", &v) == -EINVAL);
	CHECK(parse_time_ms("-1", &v) == -EINVAL);
	CHECK(parse_time_ms("30d", &v) == -ERANGE);
}

static void test_parse_size_int(void)
{
	uint64_t v;
	long long i;

	CHECK(parse_size("16k", &v) == 0 && v == 16384);
	CHECK(parse_size("1m", &v) == 0 && v == 1048576);
	CHECK(parse_size("1q", &v) == -EINVAL);
	CHECK(parse_int("42", 0, 100, &i) == 0 && i == 42);
	CHECK(parse_int("101", 0, 100, &i) == -ERANGE);
	CHECK(parse_int("4 2", 0, 100, &i) == -EINVAL);
	CHECK(parse_int("", 0, 100, &i) == -EINVAL);
}

static void test_suggest(void)
{
	static const char *const words[] = { "roundrobin", "static-rr", "leastconn", "source", "first", NULL };

	CHECK_STR(suggest_word("roundrobbin", words), "roundrobin");
	CHECK_STR(suggest_word("leastcon", words), "leastconn");
	CHECK(suggest_word("zzzzzzzzzz", words) == NULL);
}

static void test_addr(void)
{
	struct addr a;
	char err[256], buf[ADDR_STRLEN];

	CHECK(addr_parse("127.0.0.1:80", ADDR_PORT_REQUIRED, &a, err, sizeof(err)) == 0);
	CHECK_STR(addr_to_str((struct sockaddr *)&a.ss, buf, sizeof(buf)), "127.0.0.1:80");
	CHECK(addr_parse("*:8080", ADDR_PORT_REQUIRED, &a, err, sizeof(err)) == 0);
	CHECK_STR(addr_to_str((struct sockaddr *)&a.ss, buf, sizeof(buf)), "0.0.0.0:8080");
	CHECK(addr_parse(":::443", ADDR_PORT_REQUIRED, &a, err, sizeof(err)) == 0);
	CHECK_STR(addr_to_str((struct sockaddr *)&a.ss, buf, sizeof(buf)), "[::]:443");
	CHECK(addr_parse("[fd00::1]:53", ADDR_PORT_REQUIRED, &a, err, sizeof(err)) == 0);
	CHECK_STR(addr_to_str((struct sockaddr *)&a.ss, buf, sizeof(buf)), "[fd00::1]:53");
	CHECK(addr_parse("ipv6@:80", ADDR_PORT_REQUIRED, &a, err, sizeof(err)) == 0);
	CHECK(a.ss.ss_family == AF_INET6);
	CHECK(addr_parse("10.0.0.1", 0, &a, err, sizeof(err)) == 0 && !a.port_given);
	CHECK(addr_parse("10.0.0.1", ADDR_PORT_REQUIRED, &a, err, sizeof(err)) == -EINVAL);
	CHECK_CONTAINS(err, "missing port");
	CHECK(addr_parse("10.0.0.1:99999", 0, &a, err, sizeof(err)) == -EINVAL);
	CHECK(addr_parse("host.example:80", 0, &a, err, sizeof(err)) == -EINVAL);
	CHECK(addr_parse("10.0.0.1:8000-8010", ADDR_PORT_RANGE, &a, err, sizeof(err)) == 0);
	CHECK(addr_port(&a) == 8000 && a.port_end == 8010);
	CHECK(addr_parse("/run/x.sock", 0, &a, err, sizeof(err)) == -EINVAL);
	CHECK(addr_parse("/run/x.sock", ADDR_ALLOW_UNIX, &a, err, sizeof(err)) == 0 && addr_is_unix(&a));
}

static int tok_lines(const char *text, char out[][128], int max, char *err)
{
	struct cfgtok *t = cfgtok_open_mem("mem", text, strlen(text), CFGTOK_CONDITIONALS);
	struct cfgtok_line line;
	int n = 0, r;

	while ((r = cfgtok_next(t, &line, err, 256)) == 1 && n < max) {
		out[n][0] = 0;
		for (int i = 0; i < line.argc; i++) {
			strcat(out[n], "[");
			strcat(out[n], line.argv[i]);
			strcat(out[n], "]");
		}
		n++;
	}
	cfgtok_close(t);
	return r < 0 ? -1 : n;
}

static void test_cfgtok(void)
{
	char out[8][128], err[256];

	setenv("VIGIL_T", "abc", 1);
	CHECK_INT(tok_lines("  bind  :80 # comment\n\n", out, 8, err), 1);
	CHECK_STR(out[0], "[bind][:80]");
	CHECK_INT(tok_lines("a \"b c\" 'd $X' \"${VIGIL_T}x\" e\\ f\n", out, 8, err), 1);
	CHECK_STR(out[0], "[a][b c][d $X][abcx][e f]");
	CHECK_INT(tok_lines("a \"b\n", out, 8, err), -1);
	CHECK_CONTAINS(err, "unmatched quote");
	CHECK_INT(tok_lines(".if defined(VIGIL_T)\nx\n.else\ny\n.endif\nz\n", out, 8, err), 2);
	CHECK_STR(out[0], "[x]");
	CHECK_STR(out[1], "[z]");
	CHECK_INT(tok_lines(".if defined(NOPE_NOT_SET)\nx\n.elif 1\ny\n.endif\n", out, 8, err), 1);
	CHECK_STR(out[0], "[y]");
	CHECK_INT(tok_lines(".if 1\nx\n", out, 8, err), -1);
	CHECK_CONTAINS(err, ".endif");
	CHECK_INT(tok_lines(".endif\n", out, 8, err), -1);
	CHECK_INT(tok_lines("a \\x41\\x4a\n", out, 8, err), 1);
	CHECK_STR(out[0], "[a][AJ]");
	/* not an escape: the backslash stays (regex back-references) */
	CHECK_INT(tok_lines("r ^(.*)\\.x\\1 \\\\ \\#\n", out, 8, err), 1);
	CHECK_STR(out[0], "[r][^(.*)\\.x\\1][\\][#]");
}

static int fired[4];
static void on_timer(struct ev_loop *loop, struct ev_timer *t)
{
	int idx = (int)(long)t->data;

	fired[idx] = fired[0] + fired[1] + fired[2] + fired[3] + 1;
	if (idx == 2)
		ev_loop_stop(loop);
}

static void test_ev_timers_order(void)
{
	struct ev_loop *loop = ev_loop_new();
	struct ev_timer t[4];

	for (int i = 0; i < 4; i++)
		ev_timer_init(&t[i], on_timer, (void *)(long)i);
	ev_timer_start(loop, &t[0], 20);
	ev_timer_start(loop, &t[1], 5);
	ev_timer_start(loop, &t[2], 40);
	ev_timer_start(loop, &t[3], 10);
	ev_timer_stop(loop, &t[3]);
	CHECK(ev_loop_run(loop) == 0);
	CHECK_INT(fired[1], 1);
	CHECK_INT(fired[0], 2);
	CHECK_INT(fired[2], 4);   /* 1 + 2 + 0 + 0 + 1 */
	CHECK_INT(fired[3], 0);
	ev_loop_free(loop);
}

/* A timer that re-arms itself for 0 ms yields: it runs once per turn of
 * the loop, with a ready descriptor's callback between two of its runs. */
static char turns[16];
static int nturns;

static void yield_timer(struct ev_loop *loop, struct ev_timer *t)
{
	turns[nturns++] = 't';
	if (nturns >= 12)
		ev_loop_stop(loop);
	else
		ev_timer_start(loop, t, 0);
}

static void always_ready(struct ev_loop *loop, struct ev_io *io, uint32_t events)
{
	turns[nturns++] = 'i';
	if (nturns >= 12)
		ev_loop_stop(loop);
}

static void test_ev_timer_yields_a_turn(void)
{
	struct ev_loop *loop = ev_loop_new();
	struct ev_timer t;
	struct ev_io io;
	int p[2];

	CHECK(pipe(p) == 0);
	CHECK(write(p[1], "x", 1) == 1);   /* never read: ready at every turn */
	ev_io_init(&io, always_ready, NULL);
	CHECK(ev_io_start(loop, &io, p[0], EPOLLIN) == 0);
	ev_timer_init(&t, yield_timer, NULL);
	ev_timer_start(loop, &t, 0);
	CHECK(ev_loop_run(loop) == 0);
	turns[nturns] = 0;
	CHECK_STR(turns, "itititititit");
	ev_io_stop(loop, &io);
	close(p[0]);
	close(p[1]);
	ev_loop_free(loop);
}

/* RFC 1321's test suite, and inputs around the padding's block boundary
 * (55, 56 and 64 bytes), fed whole and a byte at a time. */
static void test_md5(void)
{
	static const struct { const char *in, *hex; } v[] = {
		{ "", "d41d8cd98f00b204e9800998ecf8427e" },
		{ "a", "0cc175b9c0f1b6a831c399e269772661" },
		{ "abc", "900150983cd24fb0d6963f7d28e17f72" },
		{ "message digest", "f96b697d7cb7938d525a2f31aaf161d0" },
		{ "abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b" },
		{ "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
		  "57edf4a22be3c955ac49da2e2107b67a" },
		{ "0123456789012345678901234567890123456789012345678901234",
		  "6e7a4fc92eb1c3f6e652425bcc8d44b5" },
		{ "01234567890123456789012345678901234567890123456789012345",
		  "8af270b2847610e742b0791b53648c09" },
		{ "0123456789012345678901234567890123456789012345678901234567890123",
		  "7f7bfd348709deeaace19e3f535f8c54" },
		/* Pacemaker's op-digest of an operation without parameters. */
		{ " <parameters/>\n", "f2317cad3d54cec5d7d7aa7d0bf35cf8" },
	};
	char hex[33];

	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		struct md5_ctx m;
		unsigned char d[16];

		md5_hex(v[i].in, strlen(v[i].in), hex);
		CHECK(!strcmp(hex, v[i].hex));
		md5_init(&m);
		for (const char *p = v[i].in; *p; p++)
			md5_update(&m, p, 1);
		md5_final(&m, d);
		for (int k = 0; k < 16; k++)
			snprintf(hex + 2 * k, 3, "%02x", d[k]);
		CHECK(!strcmp(hex, v[i].hex));
	}
}

static void test_crc32c(void)
{
	/* the check value of CRC-32C (RFC 3720, B.4: iSCSI) */
	const uint8_t nine[] = "123456789";
	uint8_t with_field[] = "12345678\xaa\xbb\xcc\xdd" "9";
	uint8_t zeroed[] = "12345678\0\0\0\0" "9";

	CHECK_INT(crc32c(nine, 9, CRC32C_NO_SKIP), 0xe3069283u);
	CHECK_INT(crc32c(nine, 0, CRC32C_NO_SKIP), 0);
	/* the skipped field counts as zeroes, whatever it holds */
	CHECK_INT(crc32c(with_field, 13, 8), crc32c(zeroed, 13, CRC32C_NO_SKIP));
	CHECK(crc32c(with_field, 13, 8) != crc32c(with_field, 13, CRC32C_NO_SKIP));
}

int main(void)
{
	RUN(test_parse_time);
	RUN(test_parse_size_int);
	RUN(test_suggest);
	RUN(test_addr);
	RUN(test_cfgtok);
	RUN(test_ev_timers_order);
	RUN(test_ev_timer_yields_a_turn);
	RUN(test_md5);
	RUN(test_crc32c);
	UNIT_DONE();
}
