// The node of an "ip:port" address (model/address.ts parseEndpoint), remembered: a call's
// dialogue asks it for the same few addresses hundreds of times (capture hosts, causality),
// and parseEndpoint's IPv6 test is a large regular expression.
import { parseEndpoint } from '../model/address.js';

const hosts = new Map<string, string | undefined>();
/** Bounded: a long `listen` sees millions of addresses; the working set of one call is small. */
const MAX_HOSTS = 4096;

export function endpointHost(a: string | undefined): string | undefined {
  if (a === undefined) return undefined;
  if (hosts.has(a)) return hosts.get(a);
  const h = parseEndpoint(a)?.host;
  if (hosts.size >= MAX_HOSTS) hosts.clear();
  hosts.set(a, h);
  return h;
}
