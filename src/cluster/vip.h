/* vip: Vigil's native virtual IP resource (class vigil:vip).
 *
 * Parameters (crmsh: primitive NAME vip params ip=ADDR ...):
 *   ip            IPv4 or IPv6 address (required)
 *   cidr_netmask  prefix length; default: that of the interface's
 *                 existing address covering ip, else 32 / 128
 *   nic           interface; default: the interface whose subnet
 *                 (or route) covers ip
 *   label         IPv4 address label (e.g. eth0:vip), optional
 *   arp_count     gratuitous ARPs / unsolicited NAs sent on start (default 5)
 *
 * All of it over netlink and raw sockets: no `ip` command, no shell.
 * Each call is synchronous and quick (no waiting on the network).
 */
#ifndef VIGIL_VIP_H
#define VIGIL_VIP_H

#include <stddef.h>

#include "cluster/sched.h"

struct vip_spec {
	int family;              /* AF_INET or AF_INET6 */
	unsigned char addr[16];
	int prefix;
	int ifindex;
	char ifname[16];
	char label[16];
	int arp_count;
};

/* Parse and resolve parameters. Returns an OCF exit code: 0, or
 * OCF_ERR_CONFIGURED (6) with a message in err (bad address, no such
 * interface, no interface covers the address).
 *
 * A 6 with spec->family set and spec->ifindex 0 means every parameter is
 * valid but the interface is not on this node (nic names a missing
 * interface, or no interface covers ip): the address cannot be here, so
 * a stop may count as done and a probe as OCF_NOT_RUNNING rather than
 * failing the resource everywhere. Any other 6 leaves spec->family 0. */
int vip_parse(const struct sched_attrs *params, struct vip_spec *spec, char *err, size_t errlen);

/* Add the address (no error if present) and announce it once (one
 * gratuitous ARP, or one unsolicited neighbour advertisement).
 * Returns an OCF exit code with a message in err on failure. */
int vip_start(const struct vip_spec *spec, char *err, size_t errlen);
/* Announce the address again (the executor repeats it arp_count - 1
 * times, 200 ms apart, after a start). */
int vip_announce(const struct vip_spec *spec, char *err, size_t errlen);
/* Remove the address (no error if absent). */
int vip_stop(const struct vip_spec *spec, char *err, size_t errlen);
/* OCF_SUCCESS when the address is on the interface and the link is up,
 * OCF_NOT_RUNNING when the address is absent, OCF_ERR_GENERIC when present
 * but the link is down (with the reason in err). */
int vip_monitor(const struct vip_spec *spec, char *err, size_t errlen);

#endif
