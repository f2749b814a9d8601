"""How much of the internet a list of CIDRs lets in: exposure measured on address space, not on spelling.

`0.0.0.0/0`, `0.0.0.0/1` + `128.0.0.0/1`, or a thousand /10s all open a port to the
internet; only one of them has prefix length 0. So the rules here never look at how a
network is written. They merge the networks (`ipaddress.collapse_addresses`, per IP
version) and measure which share of the routable address space the union covers.

Routable means what the internet can send from: for IPv4 everything but the
special-purpose ranges of RFC 6890 (private, loopback, link-local, shared,
documentation, multicast, reserved), for IPv6 the global unicast block 2000::/3 minus
its documentation and protocol-assignment ranges. Private networks (10.0.0.0/8, a VPN's
range) and documentation networks therefore count for nothing, whatever their size.
"""

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# Where the internet's addresses live, and the special-purpose ranges inside it (RFC 6890 and its updates).
_ROUTABLE: dict[int, Network] = {
    4: ipaddress.ip_network("0.0.0.0/0"),
    6: ipaddress.ip_network("2000::/3"),
}
_SPECIAL: dict[int, list[Network]] = {
    4: [
        ipaddress.ip_network(n)
        for n in (
            "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
            "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15",
            "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
        )
    ],
    6: [ipaddress.ip_network(n) for n in ("2001::/23", "2001:db8::/32")],
}


def _routable_in(network: Network) -> int:
    """Routable addresses inside one network (networks either nest or are disjoint, so overlaps are whole)."""
    space = _ROUTABLE[network.version]
    if not network.overlaps(space):
        return 0
    inside = network if network.subnet_of(space) else space  # type: ignore[arg-type]
    special = [s for s in _SPECIAL[network.version] if s.overlaps(inside)]
    return inside.num_addresses - sum(min(s.num_addresses, inside.num_addresses) for s in special)


ROUTABLE_SIZE = {version: _routable_in(space) for version, space in _ROUTABLE.items()}


def parse_network(value: Any) -> Network | None:
    """A CIDR (or a bare address, which AWS would refuse but which means one host) as a network; else None."""
    if not isinstance(value, str):
        return None
    try:
        return ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        return None


@dataclass(frozen=True)
class Exposure:
    """The routable share each IP version's union of networks covers (0.0 to 1.0)."""

    shares: dict[int, float]

    @property
    def widest(self) -> tuple[int, float]:
        """(IP version, share) of the version that lets in the most."""
        return max(self.shares.items(), key=lambda item: (item[1], -item[0]), default=(4, 0.0))

    def over(self, max_share: float) -> bool:
        return self.widest[1] > max_share


def exposure(networks: Iterable[Network]) -> Exposure:
    """How much of each version's routable space the networks let in, overlaps counted once."""
    by_version: dict[int, list[Network]] = {4: [], 6: []}
    for network in networks:
        by_version[network.version].append(network)
    shares = {}
    for version, found in by_version.items():
        if found:
            union = ipaddress.collapse_addresses(found)  # type: ignore[type-var]
            shares[version] = sum(_routable_in(n) for n in union) / ROUTABLE_SIZE[version]
    return Exposure(shares)


def routable(network: Network) -> bool:
    """Whether any internet address is inside the network."""
    return _routable_in(network) > 0


def describe_share(share: float) -> str:
    """`50%` or `0.0012%`: enough digits to tell a tiny share from none."""
    percent = share * 100
    return f"{percent:.0f}%" if percent >= 1 else f"{percent:.2g}%"
