/**
 * Which addresses an outgoing webhook may not reach unless allow-listed: loopback, private,
 * link-local, shared, reserved, documentation and multicast networks, and every IPv6 form that
 * embeds one of them (IPv4-mapped, IPv4-compatible, NAT64, 6to4). Used when a subscription is
 * made and again for the address a delivery connects to. Plain arithmetic: core has no I/O.
 */
const INTERNAL_V4: Array<[string, number]> = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
];
/** IPv6 networks as [first groups, prefix length]; embedded-IPv4 forms are checked apart. */
const INTERNAL_V6: Array<[number[], number]> = [
  [[0x64, 0xff9b, 0x1], 48],
  [[0x100, 0, 0, 0], 64],
  [[0x2001, 0xdb8], 32],
  [[0xfc00], 7],
  [[0xfe80], 10],
  [[0xfec0], 10],
  [[0xff00], 8],
];

/** The IPv4 address as a 32-bit number, or null when `address` is not a dotted quad. */
function v4Number(address: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address);
  if (!m) return null;
  const b = m.slice(1).map(Number);
  if (b.some((x) => x > 255)) return null;
  return ((b[0] << 24) >>> 0) + (b[1] << 16) + (b[2] << 8) + b[3];
}

function internalV4(n: number): boolean {
  return INTERNAL_V4.some(([net, prefix]) => {
    const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
    return (n & mask) >>> 0 === (v4Number(net)! & mask) >>> 0;
  });
}

/** The 8 groups of an IPv6 address (a trailing dotted quad becomes two groups), or null. */
function groupsOf(address: string): number[] | null {
  let a = address.toLowerCase().replace(/%.*$/, '');
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (quad) {
    const n = v4Number(quad[1]);
    if (n === null) return null;
    a = `${a.slice(0, quad.index)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  if (!/^[0-9a-f:]+$/.test(a) || a.split('::').length > 2) return null;
  const [head, tail] = a.split('::');
  const part = (s: string | undefined) => (s ? s.split(':') : []);
  const h = part(head);
  const t = part(tail);
  if ([...h, ...t].some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return null;
  const fill = a.includes('::') ? 8 - h.length - t.length : 0;
  if (fill < 0 || (a.includes('::') && fill === 0)) return null;
  const groups = [...h, ...Array<string>(fill).fill('0'), ...t].map((g) => parseInt(g, 16));
  return groups.length === 8 ? groups : null;
}

function inV6(g: number[], net: number[], prefix: number): boolean {
  for (let bit = 0; bit < prefix; bit += 16) {
    const take = Math.min(16, prefix - bit);
    const mask = (0xffff << (16 - take)) & 0xffff;
    if ((g[bit / 16] & mask) !== ((net[bit / 16] ?? 0) & mask)) return false;
  }
  return true;
}

const embedded = (hi: number, lo: number) => internalV4(((hi << 16) >>> 0) + lo);

/** True for an address a webhook may not reach; anything that is not an IP address counts as internal. */
export function isInternalAddress(address: string): boolean {
  const n = v4Number(address);
  if (n !== null) return internalV4(n);
  const g = groupsOf(address);
  if (!g) return true;
  const zeros = (k: number) => g.slice(0, k).every((x) => x === 0);
  // :: and ::1; ::a.b.c.d (compatible), ::ffff:a.b.c.d (mapped), ::ffff:0:a.b.c.d (translated).
  if (zeros(7) && g[7] <= 1) return true;
  if (zeros(6) || (zeros(5) && g[5] === 0xffff) || (zeros(4) && g[4] === 0xffff && g[5] === 0)) {
    return embedded(g[6], g[7]);
  }
  // NAT64 (64:ff9b::/96) reaches whatever IPv4 address it embeds: refused as a whole.
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return true;
  // 6to4 (2002:a.b.c.d::/48) reaches the embedded IPv4 network.
  if (g[0] === 0x2002) return embedded(g[1], g[2]);
  return INTERNAL_V6.some(([net, prefix]) => inV6(g, net, prefix));
}

/**
 * Why a webhook URL may not be subscribed, or null: a host that is an internal address in any
 * notation (`127.1`, `0x7f000001`, `[::ffff:7f00:1]`: URL parsing normalises them) or a
 * `localhost` name. Names that resolve inside are refused again at delivery.
 */
export function webhookUrlProblem(url: string, allowedHosts: readonly string[] = []): string | null {
  let host: string;
  try {
    host = new URL(url).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  } catch {
    return 'must be a valid URL';
  }
  if (allowedHosts.some((h) => h.toLowerCase() === host)) return null;
  if (host === 'localhost' || host.endsWith('.localhost')) return 'must not point at this machine';
  const literal = v4Number(host) !== null || host.includes(':');
  if (literal && isInternalAddress(host)) return `must not point at an internal address (${host})`;
  return null;
}
