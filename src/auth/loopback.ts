// Whether a HOST to listen on is this machine's loopback only: AUTH=none (everyone an admin) is
// refused anywhere else. A name is resolved and every address it resolves to must be loopback, so
// neither '127.evil.example' nor a name that also resolves to a routable address passes.
import { lookup } from 'node:dns/promises';
import { BlockList } from 'node:net';

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6'); // IPv4-mapped ones (::ffff:127.x.x.x) match the IPv4 rule

export type Resolve = (host: string) => Promise<{ address: string; family: number }[]>;
const resolveAll: Resolve = (host) => lookup(host, { all: true, verbatim: true });

export async function isLoopbackHost(host: string, resolve: Resolve = resolveAll): Promise<boolean> {
  let addresses: { address: string; family: number }[];
  try {
    addresses = await resolve(host);
  } catch {
    return false; // a name that does not resolve is not known to be loopback
  }
  return addresses.length > 0 && addresses.every((a) => LOOPBACK.check(a.address, a.family === 6 ? 'ipv6' : 'ipv4'));
}
