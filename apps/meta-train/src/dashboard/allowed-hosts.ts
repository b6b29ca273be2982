import { hostname, networkInterfaces } from 'node:os';

/** The names every dashboard answers to: this machine's own, by name and by loopback address. */
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

/** Addresses that listen on every interface: the machine is then reached by any of its names. */
const WILDCARDS = new Set(['0.0.0.0', '::', '[::]']);

/** A host as a Host header spells it: lower case, an IPv6 address in brackets, no port. */
export function hostOf(spelled: string): string {
  const host = spelled.trim().toLowerCase();
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  if (host.split(':').length > 2) return `[${host}]`; // a bare IPv6 address, as --host takes it
  return host.split(':')[0]!;
}

/**
 * The check of a request's Host header against the names the dashboard answers to: the address
 * it listens on, this machine's loopback names, and `extra` (--allow-host). A page on another
 * site that rebinds its own name to 127.0.0.1 still sends its own name, and is refused: without
 * this, such a page could read every run of a dashboard that listens only on this machine.
 * Listening on every interface (0.0.0.0) adds this machine's name and interface addresses.
 */
export function hostCheck(bound: string, extra: readonly string[]): (header?: string) => boolean {
  const allowed = new Set([...LOOPBACK_NAMES, hostOf(bound), ...extra.map(hostOf)]);
  if (WILDCARDS.has(bound)) {
    allowed.add(hostOf(hostname()));
    for (const addresses of Object.values(networkInterfaces()))
      for (const { address } of addresses ?? []) allowed.add(hostOf(address));
  }
  return (header) => header !== undefined && allowed.has(hostOf(header));
}
