/**
 * Fetching a client-named http(s) image URL (`--allow-url-fetch`) without becoming a proxy into the server's
 * network: every hop's host is resolved and each address checked, and the connection goes to the address that
 * was checked (the check runs inside the socket's DNS lookup, so a name cannot resolve to a public address for
 * the check and a private one for the connect). Loopback, private (RFC 1918, ULA), link-local (cloud metadata
 * at 169.254.169.254 and fd00:ec2::254), CGNAT, multicast and reserved addresses are refused unless the server
 * runs with `--allow-private-urls`. At most {@link MAX_HOPS} redirects. Errors say why, never what was fetched.
 *
 * @example
 * const res = await guardedGet('https://example.com/photo.png', { signal, allowPrivate: false });
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { MaskeditError } from '../core/errors.js';

export const MAX_HOPS = 3;

const blocked = new BlockList();
for (const [net, bits] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.0.0.0', 24],
  ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4]] as const) {
  blocked.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['2001:db8::', 32], ['100::', 64]] as const) {
  blocked.addSubnet(net, bits, 'ipv6');
}

/** True for addresses a fetch may not reach without --allow-private-urls (IPv4-mapped/NAT64 IPv6 checked as IPv4). */
export function isBlockedAddress(address: string): boolean {
  const a = address.replace(/^\[|\]$/g, '').toLowerCase();
  const v = isIP(a);
  if (v === 4) return blocked.check(a, 'ipv4');
  if (v !== 6) return true;
  const mapped = /^(?:::ffff:|64:ff9b::)(?:0:)?(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (mapped) return blocked.check(mapped[1]!, 'ipv4');
  const hexMapped = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(a);
  if (hexMapped) {
    const hi = parseInt(hexMapped[1]!, 16), lo = parseInt(hexMapped[2]!, 16);
    return blocked.check(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`, 'ipv4');
  }
  return blocked.check(a, 'ipv6');
}

export class UrlFetchRefused extends MaskeditError {
  constructor(message: string) {
    super('URL_FETCH_BLOCKED', message, 'fetch the image yourself and send it as a file or data URL; or start the server with --allow-private-urls if it must read your own network');
    this.name = 'UrlFetchRefused';
  }
}

function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      const list = addresses;
      const bad = list.find((a) => isBlockedAddress(a.address));
      if (!allowPrivate && bad) return callback(new UrlFetchRefused(`${hostname} resolves to ${bad.address}, a loopback, private, link-local or reserved address`), '', 0);
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
      return callback(null, list[0]!.address, list[0]!.family);
    });
  };
}

export interface GuardedGetOptions {
  signal: AbortSignal;
  allowPrivate: boolean;
  maxHops?: number;
}

/** GET with manual redirects; every hop's address checked at connect time. Resolves with the final response. */
export async function guardedGet(url: string, opts: GuardedGetOptions): Promise<IncomingMessage> {
  let current = url;
  const hops = opts.maxHops ?? MAX_HOPS;
  for (let hop = 0; ; hop++) {
    let u: URL;
    try {
      u = new URL(current);
    } catch {
      throw new UrlFetchRefused('a redirect named an invalid URL');
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UrlFetchRefused(`a redirect led to a ${u.protocol} URL; only http and https are fetched`);
    if (u.username || u.password) throw new UrlFetchRefused('URLs with credentials are not fetched');
    const literal = u.hostname.replace(/^\[|\]$/g, '');
    if (isIP(literal) && !opts.allowPrivate && isBlockedAddress(literal)) throw new UrlFetchRefused(`${literal} is a loopback, private, link-local or reserved address`);
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = (u.protocol === 'https:' ? httpsGet : httpGet)(u, { lookup: guardedLookup(opts.allowPrivate), signal: opts.signal, headers: { accept: 'image/png, image/jpeg, image/webp' } }, resolve);
      req.on('error', reject);
    });
    if (res.statusCode && res.statusCode >= 300 && res.statusCode < 400 && res.headers.location) {
      res.resume();
      if (hop >= hops) throw new UrlFetchRefused(`more than ${hops} redirects`);
      current = new URL(res.headers.location, u).toString();
      continue;
    }
    return res;
  }
}
