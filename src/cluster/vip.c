/* vip: the native virtual IP resource (class vigil:vip), over rtnetlink
 * and raw sockets.
 *
 *   vip_parse    parameters -> struct vip_spec; finds the interface and
 *                prefix from the node's addresses (RTM_GETADDR dump) or
 *                its routes (RTM_GETROUTE) when they are not given
 *   vip_start    RTM_NEWADDR, then one announce
 *   vip_announce IPv4: gratuitous ARP request on an AF_PACKET socket;
 *                IPv6: unsolicited neighbour advertisement to ff02::1
 *   vip_stop     RTM_DELADDR of the address as the kernel holds it
 *   vip_monitor  the address on the interface (RTM_GETADDR) and the link
 *                up and running (RTM_GETLINK)
 *
 * Every call opens its own sockets and closes them before returning: the
 * calls are rare (start, stop, a monitor every few seconds) and a socket
 * kept open would only be one more thing to leak across forks.
 */
#include "cluster/vip.h"
#include "cluster/exec.h"
#include "lib/util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netpacket/packet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#ifndef IPV6_FREEBIND
#define IPV6_FREEBIND 78
#endif

/* Large enough for any datagram the kernel sends on a dump: it sizes
 * them at most SKB_WITH_OVERHEAD(32768). */
#define NL_BUFSIZE 32768
/* The kernel answers rtnetlink requests at once; this only bounds a call
 * if something is badly wrong. */
#define NL_TIMEOUT_S 5

#define KMSG_LEN 128

/* ---- rtnetlink ---- */

struct nl {
	int fd;
	uint32_t seq;
	char *buf;            /* from malloc(), NL_BUFSIZE */
	char kmsg[KMSG_LEN];  /* the kernel's extended ack text of the last error */
};

struct nl_req {
	struct nlmsghdr h;
	char body[256];
};

/* Called for every reply message (not the ack, not NLMSG_DONE). */
typedef void (*nl_cb)(const struct nlmsghdr *h, void *arg);

static int nl_open(struct nl *nl, char *err, size_t errlen)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct timeval tv = { .tv_sec = NL_TIMEOUT_S };
	int one = 1, e;

	nl->buf = NULL;
	nl->kmsg[0] = 0;
	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (nl->fd < 0) {
		e = errno;
		snprintf(err, errlen, "netlink socket: %s", strerror(e));
		return -e;
	}
	if (bind(nl->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		e = errno;
		snprintf(err, errlen, "netlink bind: %s", strerror(e));
		close(nl->fd);
		nl->fd = -1;
		return -e;
	}
	/* Best effort: older kernels lack them, and the errno alone is still
	 * a fine message. CAP_ACK keeps our request out of error replies so
	 * the extended ack attributes sit at a fixed place. */
	setsockopt(nl->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(nl->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	nl->seq = (uint32_t)time(NULL);
	nl->buf = xmalloc(NL_BUFSIZE);
	return 0;
}

static void nl_close(struct nl *nl)
{
	if (nl->fd >= 0)
		close(nl->fd);
	nl->fd = -1;
	xfree(&nl->buf);
}

/* Index the attributes of one message body: tb[type] -> first attribute
 * of that type, NULL when absent. */
static void nl_attrs(const struct rtattr **tb, int max, const void *data, size_t len)
{
	const char *p = data;

	memset(tb, 0, sizeof(*tb) * (size_t)(max + 1));
	while (len >= sizeof(struct rtattr)) {
		const struct rtattr *a = (const struct rtattr *)p;
		size_t step = RTA_ALIGN(a->rta_len);
		int type = a->rta_type & NLA_TYPE_MASK;

		if (a->rta_len < sizeof(*a) || a->rta_len > len)
			break;
		if (type <= max && !tb[type])
			tb[type] = a;
		if (step >= len)
			break;
		p += step;
		len -= step;
	}
}

static size_t nl_attr_len(const struct rtattr *a)
{
	return a->rta_len - RTA_LENGTH(0);
}

static void nl_add(struct nl_req *r, int type, const void *data, size_t len)
{
	struct rtattr *a = (struct rtattr *)((char *)r + NLMSG_ALIGN(r->h.nlmsg_len));
	size_t total = NLMSG_ALIGN(r->h.nlmsg_len) + RTA_ALIGN(RTA_LENGTH(len));

	/* Requests are built here from fixed-size pieces: overflowing is a
	 * bug in this file, not a runtime condition. */
	if (total > sizeof(*r))
		abort();
	a->rta_type = (unsigned short)type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	r->h.nlmsg_len = (uint32_t)total;
}

static void *nl_init(struct nl_req *r, int type, int flags, size_t hdrlen)
{
	memset(r, 0, sizeof(*r));
	r->h.nlmsg_len = (uint32_t)NLMSG_LENGTH(hdrlen);
	r->h.nlmsg_type = (uint16_t)type;
	r->h.nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags);
	return NLMSG_DATA(&r->h);
}

/* Copy the text of an extended ack (NLMSGERR_ATTR_MSG) into nl->kmsg. */
static void nl_ext_ack(struct nl *nl, const struct nlmsghdr *h)
{
	const struct nlmsgerr *e = NLMSG_DATA(h);
	const struct rtattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t off = NLMSG_HDRLEN + sizeof(*e);

	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(h->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	if (off >= h->nlmsg_len)
		return;
	nl_attrs(tb, NLMSGERR_ATTR_MAX, (const char *)h + off, h->nlmsg_len - off);
	if (tb[NLMSGERR_ATTR_MSG])
		snprintf(nl->kmsg, sizeof(nl->kmsg), "%.*s", (int)nl_attr_len(tb[NLMSGERR_ATTR_MSG]),
			 (const char *)RTA_DATA(tb[NLMSGERR_ATTR_MSG]));
}

/* Send a request and read until its ack, error or end of dump, calling cb
 * for each reply. Returns 0 or the kernel's negative errno (text, if any,
 * in nl->kmsg). */
static int nl_talk(struct nl *nl, struct nl_req *r, nl_cb cb, void *arg)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	uint32_t seq = ++nl->seq;
	ssize_t n;

	nl->kmsg[0] = 0;
	r->h.nlmsg_seq = seq;
	do
		n = sendto(nl->fd, r, r->h.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	for (;;) {
		size_t off = 0;

		n = recv(nl->fd, nl->buf, NL_BUFSIZE, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		while (off + sizeof(struct nlmsghdr) <= (size_t)n) {
			const struct nlmsghdr *h = (const struct nlmsghdr *)(nl->buf + off);

			if (h->nlmsg_len < sizeof(*h) || h->nlmsg_len > (size_t)n - off)
				return -EBADMSG;
			off += NLMSG_ALIGN(h->nlmsg_len);
			if (h->nlmsg_seq != seq)
				continue;  /* a late answer to an earlier request */
			if (h->nlmsg_type == NLMSG_DONE) {
				int e = 0;

				if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(int)))
					memcpy(&e, NLMSG_DATA(h), sizeof(e));
				return e < 0 ? e : 0;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
					return -EBADMSG;
				if (e->error)
					nl_ext_ack(nl, h);
				return e->error;
			}
			if (cb)
				cb(h, arg);
		}
	}
}

/* ", the kernel's text" when it gave one. */
static const char *nl_why(const struct nl *nl, char *buf, size_t len)
{
	if (nl->kmsg[0])
		snprintf(buf, len, " (%s)", nl->kmsg);
	else
		buf[0] = 0;
	return buf;
}

/* ---- addresses ---- */

static int vip_addrlen(int family)
{
	return family == AF_INET ? 4 : 16;
}

static const char *vip_ntop(int family, const void *addr, char *buf, size_t len)
{
	if (!inet_ntop(family, addr, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

/* Whether the first `prefix` bits of a and b are equal. */
static bool prefix_match(const unsigned char *a, const unsigned char *b, int prefix)
{
	int bytes = prefix / 8, bits = prefix % 8;

	if (memcmp(a, b, (size_t)bytes))
		return false;
	if (bits) {
		unsigned char mask = (unsigned char)(0xff << (8 - bits));

		return ((a[bytes] ^ b[bytes]) & mask) == 0;
	}
	return true;
}

/* An address of the node as RTM_GETADDR reports it. */
struct vip_addr {
	int ifindex;
	int prefix;
	unsigned flags;       /* IFA_F_* */
	unsigned char addr[16];
};

struct addr_walk {
	int family;
	const unsigned char *want;  /* the address we look at */
	int ifindex;                /* 0: any interface */
	bool exact;                 /* true: find want itself; false: the
				     * longest prefix covering it */
	bool found;
	struct vip_addr best;
};

static void addr_walk_cb(const struct nlmsghdr *h, void *arg)
{
	struct addr_walk *w = arg;
	const struct ifaddrmsg *ifa = NLMSG_DATA(h);
	const struct rtattr *tb[IFA_MAX + 1], *a;
	struct vip_addr cur;
	size_t alen = (size_t)vip_addrlen(w->family);

	if (h->nlmsg_type != RTM_NEWADDR || h->nlmsg_len < NLMSG_LENGTH(sizeof(*ifa)))
		return;
	if (ifa->ifa_family != w->family || (w->ifindex && (int)ifa->ifa_index != w->ifindex))
		return;
	nl_attrs(tb, IFA_MAX, IFA_RTA(ifa), h->nlmsg_len - NLMSG_LENGTH(sizeof(*ifa)));
	/* IFA_LOCAL is the address itself; IFA_ADDRESS is the peer on a
	 * point-to-point link (IPv6 only sends IFA_LOCAL then). */
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!a || nl_attr_len(a) != alen)
		return;
	memset(&cur, 0, sizeof(cur));
	cur.ifindex = (int)ifa->ifa_index;
	cur.prefix = ifa->ifa_prefixlen;
	cur.flags = ifa->ifa_flags;
	if (tb[IFA_FLAGS] && nl_attr_len(tb[IFA_FLAGS]) == sizeof(uint32_t))
		memcpy(&cur.flags, RTA_DATA(tb[IFA_FLAGS]), sizeof(uint32_t));
	memcpy(cur.addr, RTA_DATA(a), alen);
	if (w->exact) {
		if (!w->found && !memcmp(cur.addr, w->want, alen)) {
			w->found = true;
			w->best = cur;
		}
	} else if (prefix_match(cur.addr, w->want, cur.prefix) &&
		   (!w->found || cur.prefix > w->best.prefix)) {
		w->found = true;
		w->best = cur;
	}
}

/* Walk the node's addresses of `family`. 0 or -errno. */
static int addr_walk(struct nl *nl, struct addr_walk *w)
{
	struct nl_req r;
	struct ifaddrmsg *ifa = nl_init(&r, RTM_GETADDR, NLM_F_DUMP, sizeof(*ifa));

	ifa->ifa_family = (unsigned char)w->family;
	w->found = false;
	return nl_talk(nl, &r, addr_walk_cb, w);
}

/* The VIP as the kernel holds it on its interface: *found false if absent. */
static int addr_find(struct nl *nl, const struct vip_spec *spec, struct vip_addr *out, bool *found)
{
	struct addr_walk w = {
		.family = spec->family, .want = spec->addr, .ifindex = spec->ifindex, .exact = true,
	};
	int r = addr_walk(nl, &w);

	*found = w.found;
	if (w.found)
		*out = w.best;
	return r;
}

/* ---- links and routes ---- */

struct vip_link {
	bool found;
	unsigned flags;            /* IFF_* */
	unsigned short type;       /* ARPHRD_* */
	unsigned char mac[32], bcast[32];
	size_t maclen, bcastlen;
};

struct link_get_arg {
	int ifindex;
	struct vip_link *link;
};

static void link_get_cb(const struct nlmsghdr *h, void *arg)
{
	struct link_get_arg *g = arg;
	const struct ifinfomsg *ifi = NLMSG_DATA(h);
	const struct rtattr *tb[IFLA_MAX + 1];
	struct vip_link *l = g->link;

	if (h->nlmsg_type != RTM_NEWLINK || h->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
		return;
	if (ifi->ifi_index != g->ifindex)
		return;
	nl_attrs(tb, IFLA_MAX, IFLA_RTA(ifi), h->nlmsg_len - NLMSG_LENGTH(sizeof(*ifi)));
	l->found = true;
	l->flags = ifi->ifi_flags;
	l->type = ifi->ifi_type;
	if (tb[IFLA_ADDRESS] && nl_attr_len(tb[IFLA_ADDRESS]) <= sizeof(l->mac)) {
		l->maclen = nl_attr_len(tb[IFLA_ADDRESS]);
		memcpy(l->mac, RTA_DATA(tb[IFLA_ADDRESS]), l->maclen);
	}
	if (tb[IFLA_BROADCAST] && nl_attr_len(tb[IFLA_BROADCAST]) <= sizeof(l->bcast)) {
		l->bcastlen = nl_attr_len(tb[IFLA_BROADCAST]);
		memcpy(l->bcast, RTA_DATA(tb[IFLA_BROADCAST]), l->bcastlen);
	}
}

static int link_get(struct nl *nl, int ifindex, struct vip_link *out)
{
	struct nl_req r;
	struct ifinfomsg *ifi = nl_init(&r, RTM_GETLINK, NLM_F_ACK, sizeof(*ifi));
	struct link_get_arg g = { .ifindex = ifindex, .link = out };
	int rc;

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	memset(out, 0, sizeof(*out));
	rc = nl_talk(nl, &r, link_get_cb, &g);
	if (rc == 0 && !out->found)
		rc = -ENODEV;
	return rc;
}

static void route_oif_cb(const struct nlmsghdr *h, void *arg)
{
	const struct rtmsg *rtm = NLMSG_DATA(h);
	const struct rtattr *tb[RTA_MAX + 1];
	int *oif = arg;

	if (h->nlmsg_type != RTM_NEWROUTE || h->nlmsg_len < NLMSG_LENGTH(sizeof(*rtm)))
		return;
	nl_attrs(tb, RTA_MAX, RTM_RTA(rtm), h->nlmsg_len - NLMSG_LENGTH(sizeof(*rtm)));
	if (tb[RTA_OIF] && nl_attr_len(tb[RTA_OIF]) == sizeof(uint32_t)) {
		uint32_t v;

		memcpy(&v, RTA_DATA(tb[RTA_OIF]), sizeof(v));
		*oif = (int)v;
	}
}

/* The output interface of the route the kernel would use to reach addr. */
static int route_oif(struct nl *nl, int family, const unsigned char *addr, int *oif)
{
	struct nl_req r;
	struct rtmsg *rtm = nl_init(&r, RTM_GETROUTE, NLM_F_ACK, sizeof(*rtm));

	rtm->rtm_family = (unsigned char)family;
	rtm->rtm_dst_len = (unsigned char)(vip_addrlen(family) * 8);
	nl_add(&r, RTA_DST, addr, (size_t)vip_addrlen(family));
	*oif = 0;
	return nl_talk(nl, &r, route_oif_cb, oif);
}

/* ---- parameters ---- */

/* A dotted IPv4 netmask (255.255.255.0) as a prefix length, or -1 when it
 * is not one or its ones are not contiguous. */
static int netmask_prefix(const char *s)
{
	struct in_addr a;
	uint32_t m, inv;

	if (!strchr(s, '.') || inet_pton(AF_INET, s, &a) != 1)
		return -1;
	m = ntohl(a.s_addr);
	inv = ~m;
	if (inv & (inv + 1))
		return -1;
	return __builtin_popcount(m);
}

/* Interface and default prefix for a VIP without nic: the interface with
 * the longest-prefix address covering it, else the route's interface.
 * *prefix is set only from a covering address. */
static int vip_find_nic(struct vip_spec *spec, int *prefix, char *err, size_t errlen)
{
	struct addr_walk w = { .family = spec->family, .want = spec->addr };
	char ip[INET6_ADDRSTRLEN];
	struct nl nl;
	int r, oif = 0;

	vip_ntop(spec->family, spec->addr, ip, sizeof(ip));
	r = nl_open(&nl, err, errlen);
	if (r < 0)
		return OCF_ERR_GENERIC;
	r = addr_walk(&nl, &w);
	if (r < 0) {
		snprintf(err, errlen, "cannot list addresses to find the interface of %s: %s", ip,
			 strerror(-r));
		nl_close(&nl);
		return OCF_ERR_GENERIC;
	}
	if (w.found) {
		spec->ifindex = w.best.ifindex;
		*prefix = w.best.prefix;
	} else if (route_oif(&nl, spec->family, spec->addr, &oif) == 0 && oif > 0) {
		/* A failed lookup (no route: ENETUNREACH) is just "nothing
		 * covers it", reported below. */
		spec->ifindex = oif;
	}
	nl_close(&nl);
	if (!spec->ifindex) {
		snprintf(err, errlen, "no interface covers %s; set nic", ip);
		return OCF_ERR_CONFIGURED;
	}
	if (!if_indextoname((unsigned)spec->ifindex, spec->ifname)) {
		snprintf(err, errlen, "interface %d of %s: %s", spec->ifindex, ip, strerror(errno));
		return OCF_ERR_GENERIC;
	}
	return OCF_SUCCESS;
}

/* The prefix of an address on spec's interface that covers the VIP, for a
 * default cidr_netmask when nic is given; -1 if none. */
static int vip_nic_prefix(const struct vip_spec *spec)
{
	struct addr_walk w = { .family = spec->family, .want = spec->addr, .ifindex = spec->ifindex };
	char err[64];
	struct nl nl;
	int r;

	if (nl_open(&nl, err, sizeof(err)) < 0)
		return -1;
	r = addr_walk(&nl, &w);
	nl_close(&nl);
	return r == 0 && w.found ? w.best.prefix : -1;
}

static int vip_check_label(struct vip_spec *spec, const char *label, char *err, size_t errlen)
{
	size_t n = strlen(spec->ifname);

	if (spec->family != AF_INET) {
		snprintf(err, errlen, "label '%s': labels are for IPv4 addresses only", label);
		return OCF_ERR_CONFIGURED;
	}
	if (strlen(label) >= sizeof(spec->label)) {
		snprintf(err, errlen, "label '%s' is longer than %zu characters", label,
			 sizeof(spec->label) - 1);
		return OCF_ERR_CONFIGURED;
	}
	/* The kernel's rule for IPv4 labels (ifconfig's alias names). */
	if (strncmp(label, spec->ifname, n) || label[n] != ':' || !label[n + 1]) {
		snprintf(err, errlen, "label '%s' must be '%s:' followed by a name", label, spec->ifname);
		return OCF_ERR_CONFIGURED;
	}
	snprintf(spec->label, sizeof(spec->label), "%s", label);
	return OCF_SUCCESS;
}

int vip_parse(const struct sched_attrs *params, struct vip_spec *spec, char *err, size_t errlen)
{
	const char *ip = params ? sched_attrs_get(params, "ip") : NULL;
	const char *mask = params ? sched_attrs_get(params, "cidr_netmask") : NULL;
	const char *nic = params ? sched_attrs_get(params, "nic") : NULL;
	const char *label = params ? sched_attrs_get(params, "label") : NULL;
	const char *count = params ? sched_attrs_get(params, "arp_count") : NULL;
	int family, maxprefix, prefix = -1, found_prefix = -1, rc;
	long long v;

	memset(spec, 0, sizeof(*spec));
	err[0] = 0;
	if (!ip || !*ip) {
		snprintf(err, errlen, "parameter ip is required");
		return OCF_ERR_CONFIGURED;
	}
	if (inet_pton(AF_INET, ip, spec->addr) == 1) {
		family = AF_INET;
	} else if (inet_pton(AF_INET6, ip, spec->addr) == 1) {
		family = AF_INET6;
	} else {
		snprintf(err, errlen, "invalid ip '%s'", ip);
		return OCF_ERR_CONFIGURED;
	}
	maxprefix = vip_addrlen(family) * 8;

	if (mask && *mask) {
		if (parse_int(mask, 0, maxprefix, &v) == 0)
			prefix = (int)v;
		else if (family == AF_INET)
			prefix = netmask_prefix(mask);
		if (prefix < 0) {
			snprintf(err, errlen, "invalid cidr_netmask '%s' (0..%d%s)", mask, maxprefix,
				 family == AF_INET ? " or a netmask like 255.255.255.0" : "");
			return OCF_ERR_CONFIGURED;
		}
	}

	spec->arp_count = 5;
	if (count && *count) {
		if (parse_int(count, 1, 100, &v)) {
			snprintf(err, errlen, "invalid arp_count '%s' (1..100)", count);
			return OCF_ERR_CONFIGURED;
		}
		spec->arp_count = (int)v;
	}
	/* fe80::/64 is on every interface: which link a link-local address
	 * belongs to cannot be guessed. */
	if (family == AF_INET6 && !(nic && *nic) && IN6_IS_ADDR_LINKLOCAL((struct in6_addr *)spec->addr)) {
		snprintf(err, errlen, "link-local ip '%s' needs nic", ip);
		return OCF_ERR_CONFIGURED;
	}

	/* From here on a failure with family set and ifindex 0 means the
	 * interface is not on this node (see vip.h). */
	spec->family = family;
	if (nic && *nic) {
		unsigned idx = strlen(nic) < sizeof(spec->ifname) ? if_nametoindex(nic) : 0;

		if (!idx) {
			snprintf(err, errlen, "no such interface '%s'", nic);
			return OCF_ERR_CONFIGURED;
		}
		spec->ifindex = (int)idx;
		snprintf(spec->ifname, sizeof(spec->ifname), "%s", nic);
		if (prefix < 0)
			found_prefix = vip_nic_prefix(spec);
	} else {
		rc = vip_find_nic(spec, &found_prefix, err, errlen);
		if (rc != OCF_SUCCESS)
			return rc;
	}
	if (prefix < 0)
		prefix = found_prefix >= 0 ? found_prefix : maxprefix;
	spec->prefix = prefix;

	if (label && *label && vip_check_label(spec, label, err, errlen) != OCF_SUCCESS) {
		memset(spec, 0, sizeof(*spec));  /* a bad parameter, not a missing interface */
		return OCF_ERR_CONFIGURED;
	}
	return OCF_SUCCESS;
}

/* ---- announcing ---- */

static int errno_to_ocf(int e)
{
	return e == EPERM || e == EACCES ? OCF_ERR_PERM : OCF_ERR_GENERIC;
}

/* One gratuitous ARP request: sender and target IP both the VIP, so every
 * host on the link that has the VIP cached replaces its MAC. */
static int announce_arp(const struct vip_spec *spec, const struct vip_link *l, char *err, size_t errlen)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ARP),
		.sll_ifindex = spec->ifindex,
	};
	unsigned char pkt[sizeof(struct arphdr) + 2 * sizeof(l->mac) + 8], *p = pkt;
	struct arphdr ah = {
		.ar_hrd = htons(l->type),
		.ar_pro = htons(ETH_P_IP),
		.ar_hln = (unsigned char)l->maclen,
		.ar_pln = 4,
		.ar_op = htons(ARPOP_REQUEST),
	};
	char ip[INET6_ADDRSTRLEN];
	int fd, e, rc = OCF_SUCCESS;

	vip_ntop(spec->family, spec->addr, ip, sizeof(ip));
	if (l->bcastlen != l->maclen || l->bcastlen > sizeof(sll.sll_addr)) {
		snprintf(err, errlen, "cannot announce %s on %s: link-layer addresses of %zu bytes are not supported",
			 ip, spec->ifname, l->maclen);
		return OCF_ERR_GENERIC;
	}
	sll.sll_halen = (unsigned char)l->bcastlen;
	memcpy(sll.sll_addr, l->bcast, l->bcastlen);

	memcpy(p, &ah, sizeof(ah));
	p += sizeof(ah);
	memcpy(p, l->mac, l->maclen);     /* sender MAC */
	p += l->maclen;
	memcpy(p, spec->addr, 4);         /* sender IP */
	p += 4;
	memset(p, 0, l->maclen);          /* target MAC: unknown */
	p += l->maclen;
	memcpy(p, spec->addr, 4);         /* target IP */
	p += 4;

	/* Protocol 0: the socket only sends, so it never queues a frame. */
	fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		e = errno;
		snprintf(err, errlen, "cannot announce %s: packet socket: %s", ip, strerror(e));
		return errno_to_ocf(e);
	}
	{
		struct sockaddr_ll b = { .sll_family = AF_PACKET, .sll_ifindex = spec->ifindex };

		if (bind(fd, (struct sockaddr *)&b, sizeof(b)) < 0) {
			e = errno;
			snprintf(err, errlen, "cannot announce %s: bind to %s: %s", ip, spec->ifname, strerror(e));
			rc = errno_to_ocf(e);
			goto out;
		}
	}
	if (sendto(fd, pkt, (size_t)(p - pkt), 0, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		e = errno;
		snprintf(err, errlen, "cannot send gratuitous ARP for %s on %s: %s", ip, spec->ifname,
			 strerror(e));
		rc = errno_to_ocf(e);
	}
out:
	close(fd);
	return rc;
}

/* One unsolicited neighbour advertisement (RFC 4861 7.2.6) to all nodes,
 * from the VIP, override flag set so caches take the new MAC. */
static int announce_na(const struct vip_spec *spec, const struct vip_link *l, char *err, size_t errlen)
{
	struct sockaddr_in6 src = { .sin6_family = AF_INET6 };
	struct sockaddr_in6 dst = { .sin6_family = AF_INET6, .sin6_scope_id = (uint32_t)spec->ifindex };
	unsigned char pkt[sizeof(struct nd_neighbor_advert) + 8 + sizeof(l->mac)];
	struct nd_neighbor_advert na;
	struct nd_opt_hdr opt;
	struct icmp6_filter filter;
	size_t optlen = (2 + l->maclen + 7) / 8 * 8;
	char ip[INET6_ADDRSTRLEN];
	int fd, e, hops = 255, one = 1, rc = OCF_SUCCESS;
	const char *what;

	vip_ntop(spec->family, spec->addr, ip, sizeof(ip));
	memset(&na, 0, sizeof(na));
	na.nd_na_type = ND_NEIGHBOR_ADVERT;
	na.nd_na_flags_reserved = ND_NA_FLAG_OVERRIDE;
	memcpy(&na.nd_na_target, spec->addr, 16);
	opt.nd_opt_type = ND_OPT_TARGET_LINKADDR;
	opt.nd_opt_len = (uint8_t)(optlen / 8);
	memset(pkt, 0, sizeof(pkt));
	memcpy(pkt, &na, sizeof(na));
	memcpy(pkt + sizeof(na), &opt, sizeof(opt));
	memcpy(pkt + sizeof(na) + sizeof(opt), l->mac, l->maclen);
	/* The checksum is left 0: the kernel always computes it on ICMPv6
	 * raw sockets. */

	inet_pton(AF_INET6, "ff02::1", &dst.sin6_addr);
	memcpy(&src.sin6_addr, spec->addr, 16);
	if (IN6_IS_ADDR_LINKLOCAL(&src.sin6_addr))
		src.sin6_scope_id = (uint32_t)spec->ifindex;

	fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6);
	if (fd < 0) {
		e = errno;
		snprintf(err, errlen, "cannot announce %s: ICMPv6 socket: %s", ip, strerror(e));
		return errno_to_ocf(e);
	}
	/* We never read: block every type so nothing queues. */
	ICMP6_FILTER_SETBLOCKALL(&filter);
	setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof(filter));
	/* An address someone else added may still be tentative (in DAD):
	 * freebind lets us announce from it all the same. */
	setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &one, sizeof(one));
	/* Receivers drop neighbour discovery with a hop limit below 255. */
	what = "IPV6_MULTICAST_HOPS";
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops)) < 0)
		goto fail;
	what = "IPV6_UNICAST_HOPS";
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof(hops)) < 0)
		goto fail;
	what = "IPV6_MULTICAST_IF";
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &spec->ifindex, sizeof(spec->ifindex)) < 0)
		goto fail;
	what = "SO_BINDTODEVICE";
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, spec->ifname, (socklen_t)strlen(spec->ifname)) < 0)
		goto fail;
	what = "bind";
	if (bind(fd, (struct sockaddr *)&src, sizeof(src)) < 0)
		goto fail;
	if (sendto(fd, pkt, sizeof(na) + optlen, 0, (struct sockaddr *)&dst, sizeof(dst)) < 0) {
		e = errno;
		snprintf(err, errlen, "cannot send neighbour advertisement for %s on %s: %s", ip,
			 spec->ifname, strerror(e));
		rc = errno_to_ocf(e);
	}
	close(fd);
	return rc;
fail:
	e = errno;
	snprintf(err, errlen, "cannot announce %s on %s: %s: %s", ip, spec->ifname, what, strerror(e));
	close(fd);
	return errno_to_ocf(e);
}

/* Announce with an open netlink socket (vip_start has one already). */
static int vip_announce_nl(struct nl *nl, const struct vip_spec *spec, char *err, size_t errlen)
{
	struct vip_link l;
	char why[KMSG_LEN + 4];
	int r = link_get(nl, spec->ifindex, &l);

	if (r < 0) {
		snprintf(err, errlen, "cannot read link %s: %s%s", spec->ifname, strerror(-r),
			 nl_why(nl, why, sizeof(why)));
		return errno_to_ocf(-r);
	}
	/* Nobody on loopback or on an ARP-less link (tun, wireguard) has a
	 * cache to update. */
	if ((l.flags & (IFF_LOOPBACK | IFF_NOARP)) || l.maclen == 0)
		return OCF_SUCCESS;
	if (spec->family == AF_INET)
		return announce_arp(spec, &l, err, errlen);
	return announce_na(spec, &l, err, errlen);
}

int vip_announce(const struct vip_spec *spec, char *err, size_t errlen)
{
	struct nl nl;
	int rc;

	err[0] = 0;
	if (nl_open(&nl, err, errlen) < 0)
		return OCF_ERR_GENERIC;
	rc = vip_announce_nl(&nl, spec, err, errlen);
	nl_close(&nl);
	return rc;
}

/* ---- start, stop, monitor ---- */

int vip_start(const struct vip_spec *spec, char *err, size_t errlen)
{
	struct nl nl;
	struct nl_req r;
	struct ifaddrmsg *ifa;
	char ip[INET6_ADDRSTRLEN], why[KMSG_LEN + 4];
	size_t alen = (size_t)vip_addrlen(spec->family);
	int rc;

	err[0] = 0;
	vip_ntop(spec->family, spec->addr, ip, sizeof(ip));
	if (nl_open(&nl, err, errlen) < 0)
		return OCF_ERR_GENERIC;
	/* REPLACE: a start on an address already there succeeds. */
	ifa = nl_init(&r, RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE, sizeof(*ifa));
	ifa->ifa_family = (unsigned char)spec->family;
	ifa->ifa_prefixlen = (unsigned char)spec->prefix;
	ifa->ifa_index = (unsigned)spec->ifindex;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	if (spec->family == AF_INET && spec->addr[0] == 127)
		ifa->ifa_scope = RT_SCOPE_HOST;  /* as `ip` does for 127/8 */
	nl_add(&r, IFA_LOCAL, spec->addr, alen);
	nl_add(&r, IFA_ADDRESS, spec->addr, alen);
	if (spec->family == AF_INET) {
		if (spec->prefix < 31) {
			/* The subnet's broadcast address, as IPaddr2 sets
			 * it ("brd +"). */
			uint32_t a, host = spec->prefix ? 0xffffffffu >> spec->prefix : 0xffffffffu;

			memcpy(&a, spec->addr, 4);
			a |= htonl(host);
			nl_add(&r, IFA_BROADCAST, &a, 4);
		}
		if (spec->label[0])
			nl_add(&r, IFA_LABEL, spec->label, strlen(spec->label) + 1);
	} else {
		/* No duplicate address detection: the address must answer
		 * now, not in a second or two (IPaddr2's nodad). */
		uint32_t flags = IFA_F_NODAD;

		ifa->ifa_flags = IFA_F_NODAD;
		nl_add(&r, IFA_FLAGS, &flags, sizeof(flags));
	}
	rc = nl_talk(&nl, &r, NULL, NULL);
	if (rc < 0 && rc != -EEXIST) {
		snprintf(err, errlen, "cannot add %s/%d to %s: %s%s", ip, spec->prefix, spec->ifname,
			 strerror(-rc), nl_why(&nl, why, sizeof(why)));
		nl_close(&nl);
		return errno_to_ocf(-rc);
	}
	rc = vip_announce_nl(&nl, spec, err, errlen);
	nl_close(&nl);
	return rc;
}

int vip_stop(const struct vip_spec *spec, char *err, size_t errlen)
{
	struct nl nl;
	struct vip_addr cur;
	char ip[INET6_ADDRSTRLEN], why[KMSG_LEN + 4];
	size_t alen = (size_t)vip_addrlen(spec->family);
	bool found;
	int rc = OCF_SUCCESS, r;

	err[0] = 0;
	vip_ntop(spec->family, spec->addr, ip, sizeof(ip));
	if (nl_open(&nl, err, errlen) < 0)
		return OCF_ERR_GENERIC;
	/* Delete the address as the kernel has it: IPv6 matches on the
	 * prefix too, and the one configured now may differ from the one
	 * used at start. A few rounds in case it is there twice (the same
	 * IPv4 address with two prefixes). */
	for (int round = 0; round < 8; round++) {
		struct nl_req req;
		struct ifaddrmsg *ifa;

		r = addr_find(&nl, spec, &cur, &found);
		if (r < 0) {
			snprintf(err, errlen, "cannot list addresses of %s: %s", spec->ifname, strerror(-r));
			rc = errno_to_ocf(-r);
			break;
		}
		if (!found)
			break;
		ifa = nl_init(&req, RTM_DELADDR, NLM_F_ACK, sizeof(*ifa));
		ifa->ifa_family = (unsigned char)spec->family;
		ifa->ifa_prefixlen = (unsigned char)cur.prefix;
		ifa->ifa_index = (unsigned)spec->ifindex;
		nl_add(&req, IFA_LOCAL, spec->addr, alen);
		r = nl_talk(&nl, &req, NULL, NULL);
		/* Gone already (someone else, or the interface with it):
		 * that is what stop wants. */
		if (r == -EADDRNOTAVAIL || r == -ENODEV)
			continue;
		if (r < 0) {
			snprintf(err, errlen, "cannot remove %s/%d from %s: %s%s", ip, cur.prefix,
				 spec->ifname, strerror(-r), nl_why(&nl, why, sizeof(why)));
			rc = errno_to_ocf(-r);
			break;
		}
	}
	nl_close(&nl);
	return rc;
}

int vip_monitor(const struct vip_spec *spec, char *err, size_t errlen)
{
	struct nl nl;
	struct vip_addr cur;
	struct vip_link l;
	char ip[INET6_ADDRSTRLEN], why[KMSG_LEN + 4];
	bool found;
	int r, rc = OCF_SUCCESS;

	err[0] = 0;
	vip_ntop(spec->family, spec->addr, ip, sizeof(ip));
	if (nl_open(&nl, err, errlen) < 0)
		return OCF_ERR_GENERIC;
	r = addr_find(&nl, spec, &cur, &found);
	if (r < 0) {
		snprintf(err, errlen, "cannot list addresses of %s: %s", spec->ifname, strerror(-r));
		rc = OCF_ERR_GENERIC;
		goto out;
	}
	if (!found) {
		snprintf(err, errlen, "%s is not on %s", ip, spec->ifname);
		rc = OCF_NOT_RUNNING;
		goto out;
	}
	if (cur.flags & IFA_F_DADFAILED) {
		snprintf(err, errlen, "%s on %s failed duplicate address detection: another node has it",
			 ip, spec->ifname);
		rc = OCF_ERR_GENERIC;
		goto out;
	}
	r = link_get(&nl, spec->ifindex, &l);
	if (r < 0) {
		snprintf(err, errlen, "cannot read link %s: %s%s", spec->ifname, strerror(-r),
			 nl_why(&nl, why, sizeof(why)));
		rc = OCF_ERR_GENERIC;
		goto out;
	}
	/* IFF_RUNNING is the carrier: off for a veth whose peer is down or
	 * a NIC without cable, while the address stays configured. */
	if (!(l.flags & IFF_UP) || !(l.flags & IFF_RUNNING)) {
		snprintf(err, errlen, "link %s is down (%s): %s is unreachable", spec->ifname,
			 l.flags & IFF_UP ? "no carrier" : "administratively down", ip);
		rc = OCF_ERR_GENERIC;
	}
out:
	nl_close(&nl);
	return rc;
}
