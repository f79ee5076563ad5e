/* Tests for src/cluster/vip.c: vip_parse on loopback (read only: nothing
 * here adds or removes an address on the host).
 *
 * With a verb as first argument the binary is instead the driver of
 * tests/integration/test_vip.py, run inside a network namespace:
 *   test_vip parse|start|stop|monitor|announce NAME=VALUE...
 * prints "RC MESSAGE" and exits with the OCF rc; parse prints the
 * resolved interface and prefix as its message. */
#include "unit.h"
#include "cluster/exec.h"
#include "cluster/sched.h"
#include "cluster/vip.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <net/if.h>
#include <stdarg.h>

/* Open descriptors of this process: every vip call must close what it
 * opens, on every path. */
static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* Parse NAME=VALUE pairs, NULL-terminated. */
static int parse_kv(struct vip_spec *spec, char *err, size_t errlen, ...)
{
	struct sched_attrs a = { 0 };
	const char *name;
	va_list ap;
	int rc;

	va_start(ap, errlen);
	while ((name = va_arg(ap, const char *)) != NULL)
		sched_attrs_set(&a, name, va_arg(ap, const char *));
	va_end(ap);
	rc = vip_parse(&a, spec, err, errlen);
	sched_attrs_clear(&a);
	return rc;
}

static void test_parse_ipv4(void)
{
	struct vip_spec s;
	char err[256];
	unsigned char want[4] = { 198, 18, 7, 10 };

	CHECK_INT(parse_kv(&s, err, sizeof(err), "ip", "198.18.7.10", "nic", "lo", "cidr_netmask", "24", NULL),
		  OCF_SUCCESS);
	CHECK_INT(s.family, AF_INET);
	CHECK(memcmp(s.addr, want, 4) == 0);
	CHECK_INT(s.prefix, 24);
	CHECK_STR(s.ifname, "lo");
	CHECK_INT(s.ifindex, if_nametoindex("lo"));
	CHECK_INT(s.arp_count, 5);
	CHECK_STR(s.label, "");

	/* The dotted form is a prefix too. */
	CHECK_INT(parse_kv(&s, err, sizeof(err), "ip", "198.18.7.10", "nic", "lo",
			   "cidr_netmask", "255.255.240.0", NULL), OCF_SUCCESS);
	CHECK_INT(s.prefix, 20);
	CHECK_INT(parse_kv(&s, err, sizeof(err), "ip", "198.18.7.10", "nic", "lo",
			   "cidr_netmask", "0.0.0.0", NULL), OCF_SUCCESS);
	CHECK_INT(s.prefix, 0);
	CHECK_INT(parse_kv(&s, err, sizeof(err), "ip", "198.18.7.10", "nic", "lo",
			   "cidr_netmask", "32", "arp_count", "100", NULL), OCF_SUCCESS);
	CHECK_INT(s.prefix, 32);
	CHECK_INT(s.arp_count, 100);
}

static void test_parse_ipv6(void)
{
	struct vip_spec s;
	char err[256];
	struct in6_addr want;

	inet_pton(AF_INET6, "2001:2:0:7::10", &want);
	CHECK_INT(parse_kv(&s, err, sizeof(err), "ip", "2001:2:0:7::10", "nic", "lo",
			   "cidr_netmask", "64", "arp_count", "1", NULL), OCF_SUCCESS);
	CHECK_INT(s.family, AF_INET6);
	CHECK(memcmp(s.addr, &want, 16) == 0);
	CHECK_INT(s.prefix, 64);
	CHECK_INT(s.arp_count, 1);
	CHECK_INT(parse_kv(&s, err, sizeof(err), "ip", "2001:2:0:7::10", "nic", "lo",
			   "cidr_netmask", "128", NULL), OCF_SUCCESS);
	CHECK_INT(s.prefix, 128);
}

static void test_parse_bad_ip(void)
{
	static const char *const bad[] = {
		"198.18.7", "198.18.7.256", "host.example", "198.18.7.1/24", "2001:2::7::1",
		"fe80::1%lo", " 198.18.7.1", "",
	};
	struct vip_spec s;
	char err[256], want[64];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_INT(parse_kv(&s, err, sizeof(err), "ip", bad[i], "nic", "lo", NULL), OCF_ERR_CONFIGURED);
		if (bad[i][0]) {
			snprintf(want, sizeof(want), "invalid ip '%s'", bad[i]);
			CHECK_STR(err, want);
		}
	}
	CHECK_INT(parse_kv(&s, err, sizeof(err), "nic", "lo", NULL), OCF_ERR_CONFIGURED);
	CHECK_CONTAINS(err, "ip is required");
	CHECK_INT(vip_parse(NULL, &s, err, sizeof(err)), OCF_ERR_CONFIGURED);
	CHECK_CONTAINS(err, "ip is required");
}

static void test_parse_bad_prefix(void)
{
	static const char *const bad4[] = {
		"33", "-1", "24x", "255.0.255.0", "255.255.255.1", "1.2.3", "0x18", " 24",
	};
	static const char *const bad6[] = { "129", "-1", "255.255.255.0", "ffff::" };
	struct vip_spec s;
	char err[256], want[64];

	for (size_t i = 0; i < sizeof(bad4) / sizeof(bad4[0]); i++) {
		CHECK_INT(parse_kv(&s, err, sizeof(err), "ip", "198.18.7.10", "nic", "lo",
				   "cidr_netmask", bad4[i], NULL), OCF_ERR_CONFIGURED);
		snprintf(want, sizeof(want), "invalid cidr_netmask '%s'", bad4[i]);
		CHECK_CONTAINS(err, want);
	}
	for (size_t i = 0; i < sizeof(bad6) / sizeof(bad6[0]); i++) {
		CHECK_INT(parse_kv(&s, err, sizeof(err), "ip", "2001:2::10", "nic", "lo",
				   "cidr_netmask", bad6[i], NULL), OCF_ERR_CONFIGURED);
		snprintf(want, sizeof(want), "invalid cidr_netmask '%s'", bad6[i]);
		CHECK_CONTAINS(err, want);
	}
}

static void test_parse_bad_arp_count(void)
{
	static const char *const bad[] = { "0", "101", "five", "-3" };
	struct vip_spec s;
	char err[256], want[64];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_INT(parse_kv(&s, err, sizeof(err), "ip", "198.18.7.10", "nic", "lo",
				   "arp_count", bad[i], NULL), OCF_ERR_CONFIGURED);
		snprintf(want, sizeof(want), "invalid arp_count '%s'", bad[i]);
		CHECK_CONTAINS(err, want);
	}
}

static void test_parse_unknown_nic(void)
{
	struct vip_spec s;
	char err[256];

	CHECK_INT(parse_kv(&s, err, sizeof(err), "ip", "198.18.7.10", "nic", "vigilnosuch0", NULL),
		  OCF_ERR_CONFIGURED);
	CHECK_STR(err, "no such interface 'vigilnosuch0'");
	/* Longer than any interface name can be. */
	CHECK_INT(parse_kv(&s, err, sizeof(err), "ip", "198.18.7.10", "nic", "lo-with-a-very-long-name", NULL),
		  OCF_ERR_CONFIGURED);
	CHECK_STR(err, "no such interface 'lo-with-a-very-long-name'");
}

/* A missing interface is told apart from a bad parameter (vip.h): the
 * executor can then report a probe on a node without it as not running. */
static void test_parse_interface_elsewhere(void)
{
	struct vip_spec s;
	char err[256];

	CHECK_INT(parse_kv(&s, err, sizeof(err), "ip", "198.18.7.10", "nic", "vigilnosuch0", NULL),
		  OCF_ERR_CONFIGURED);
	CHECK_INT(s.family, AF_INET);
	CHECK_INT(s.ifindex, 0);
	CHECK_INT(parse_kv(&s, err, sizeof(err), "ip", "2001:2::10", "nic", "vigilnosuch0", NULL),
		  OCF_ERR_CONFIGURED);
	CHECK_INT(s.family, AF_INET6);
	CHECK_INT(s.ifindex, 0);

	CHECK_INT(parse_kv(&s, err, sizeof(err), "ip", "198.18.7.10", "nic", "vigilnosuch0",
			   "arp_count", "0", NULL), OCF_ERR_CONFIGURED);
	CHECK_INT(s.family, 0);
	CHECK_INT(parse_kv(&s, err, sizeof(err), "ip", "198.18.7.10", "nic", "vigilnosuch0",
			   "cidr_netmask", "40", NULL), OCF_ERR_CONFIGURED);
	CHECK_INT(s.family, 0);
	CHECK_INT(parse_kv(&s, err, sizeof(err), "ip", "198.18.7.10", "nic", "lo", "label", "x", NULL),
		  OCF_ERR_CONFIGURED);
	CHECK_INT(s.family, 0);
	CHECK_INT(parse_kv(&s, err, sizeof(err), "ip", "fe80::1", NULL), OCF_ERR_CONFIGURED);
	CHECK_INT(s.family, 0);
	CHECK_INT(parse_kv(&s, err, sizeof(err), "ip", "198.18.7", "nic", "lo", NULL), OCF_ERR_CONFIGURED);
	CHECK_INT(s.family, 0);
}

static void test_parse_label(void)
{
	struct vip_spec s;
	char err[256];

	CHECK_INT(parse_kv(&s, err, sizeof(err), "ip", "198.18.7.10", "nic", "lo", "label", "lo:vip", NULL),
		  OCF_SUCCESS);
	CHECK_STR(s.label, "lo:vip");
	/* 15 characters: the most IFNAMSIZ holds. */
	CHECK_INT(parse_kv(&s, err, sizeof(err), "ip", "198.18.7.10", "nic", "lo", "label", "lo:abcdefghijkl", NULL),
		  OCF_SUCCESS);
	CHECK_STR(s.label, "lo:abcdefghijkl");

	CHECK_INT(parse_kv(&s, err, sizeof(err), "ip", "198.18.7.10", "nic", "lo", "label", "lo:abcdefghijklm", NULL),
		  OCF_ERR_CONFIGURED);
	CHECK_CONTAINS(err, "longer than 15");
	CHECK_INT(parse_kv(&s, err, sizeof(err), "ip", "198.18.7.10", "nic", "lo", "label", "eth0:vip", NULL),
		  OCF_ERR_CONFIGURED);
	CHECK_CONTAINS(err, "label 'eth0:vip' must be 'lo:'");
	CHECK_INT(parse_kv(&s, err, sizeof(err), "ip", "198.18.7.10", "nic", "lo", "label", "lo:", NULL),
		  OCF_ERR_CONFIGURED);
	CHECK_INT(parse_kv(&s, err, sizeof(err), "ip", "198.18.7.10", "nic", "lo", "label", "lovip", NULL),
		  OCF_ERR_CONFIGURED);
	CHECK_INT(parse_kv(&s, err, sizeof(err), "ip", "2001:2::10", "nic", "lo", "label", "lo:vip", NULL),
		  OCF_ERR_CONFIGURED);
	CHECK_CONTAINS(err, "IPv4 addresses only");
}

/* Resolution from the host's own addresses (read only): loopback has
 * 127.0.0.1/8. */
static void test_parse_find_nic(void)
{
	struct vip_spec s;
	char err[256];

	CHECK_INT(parse_kv(&s, err, sizeof(err), "ip", "127.0.0.77", NULL), OCF_SUCCESS);
	CHECK_STR(s.ifname, "lo");
	CHECK_INT(s.prefix, 8);
	/* nic given: the prefix still comes from the covering address. */
	CHECK_INT(parse_kv(&s, err, sizeof(err), "ip", "127.0.0.77", "nic", "lo", NULL), OCF_SUCCESS);
	CHECK_INT(s.prefix, 8);
	/* Nothing on lo covers it: a host address. */
	CHECK_INT(parse_kv(&s, err, sizeof(err), "ip", "198.18.7.10", "nic", "lo", NULL), OCF_SUCCESS);
	CHECK_INT(s.prefix, 32);
	CHECK_INT(parse_kv(&s, err, sizeof(err), "ip", "2001:2::10", "nic", "lo", NULL), OCF_SUCCESS);
	CHECK_INT(s.prefix, 128);
	/* A given prefix wins. */
	CHECK_INT(parse_kv(&s, err, sizeof(err), "ip", "127.0.0.77", "cidr_netmask", "16", NULL), OCF_SUCCESS);
	CHECK_INT(s.prefix, 16);
	CHECK_STR(s.ifname, "lo");
	/* fe80::/64 is on every link: which one cannot be guessed. */
	CHECK_INT(parse_kv(&s, err, sizeof(err), "ip", "fe80::77", NULL), OCF_ERR_CONFIGURED);
	CHECK_CONTAINS(err, "needs nic");
}

static void test_parse_closes_sockets(void)
{
	struct vip_spec s;
	char err[256];
	int before = count_fds();

	CHECK(before > 0);
	CHECK_INT(parse_kv(&s, err, sizeof(err), "ip", "127.0.0.77", NULL), OCF_SUCCESS);
	CHECK_INT(parse_kv(&s, err, sizeof(err), "ip", "127.0.0.77", "nic", "lo", NULL), OCF_SUCCESS);
	CHECK_INT(parse_kv(&s, err, sizeof(err), "ip", "198.18.7.10", "nic", "vigilnosuch0", NULL),
		  OCF_ERR_CONFIGURED);
	CHECK_INT(parse_kv(&s, err, sizeof(err), "ip", "2001:2::10", "nic", "lo", "label", "lo:x", NULL),
		  OCF_ERR_CONFIGURED);
	CHECK_INT(count_fds(), before);
}

/* ---- driver for the namespace tests ---- */

static int drive(int argc, char **argv)
{
	struct sched_attrs a = { 0 };
	struct vip_spec s;
	char err[512] = "";
	const char *verb = argv[1];
	int rc, fds = count_fds();

	for (int i = 2; i < argc; i++) {
		char *eq = strchr(argv[i], '=');

		if (!eq) {
			fprintf(stderr, "expected NAME=VALUE, got '%s'\n", argv[i]);
			return 2;
		}
		*eq = 0;
		sched_attrs_set(&a, argv[i], eq + 1);
	}
	rc = vip_parse(&a, &s, err, sizeof(err));
	sched_attrs_clear(&a);
	if (rc == OCF_SUCCESS) {
		if (!strcmp(verb, "parse"))
			snprintf(err, sizeof(err), "nic=%s prefix=%d arp_count=%d label=%s", s.ifname,
				 s.prefix, s.arp_count, s.label);
		else if (!strcmp(verb, "start"))
			rc = vip_start(&s, err, sizeof(err));
		else if (!strcmp(verb, "stop"))
			rc = vip_stop(&s, err, sizeof(err));
		else if (!strcmp(verb, "monitor"))
			rc = vip_monitor(&s, err, sizeof(err));
		else
			rc = vip_announce(&s, err, sizeof(err));
	}
	printf("%d %s\n", rc, err);
	if (count_fds() != fds) {
		fprintf(stderr, "%s left %d descriptor(s) open\n", verb, count_fds() - fds);
		return 70;
	}
	return rc;
}

int main(int argc, char **argv)
{
	static const char *const verbs[] = { "parse", "start", "stop", "monitor", "announce" };

	for (size_t i = 0; argc > 1 && i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (!strcmp(argv[1], verbs[i]))
			return drive(argc, argv);
	RUN(test_parse_ipv4);
	RUN(test_parse_ipv6);
	RUN(test_parse_bad_ip);
	RUN(test_parse_bad_prefix);
	RUN(test_parse_bad_arp_count);
	RUN(test_parse_unknown_nic);
	RUN(test_parse_interface_elsewhere);
	RUN(test_parse_label);
	RUN(test_parse_find_nic);
	RUN(test_parse_closes_sockets);
	UNIT_DONE();
}
