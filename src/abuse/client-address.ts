import { isIPv4, isIPv6 } from 'node:net';

/**
 * The key a sender's address is limited under. IPv4 as is (also when it arrives IPv4-mapped,
 * ::ffff:10.0.0.1); IPv6 by its /64, since one host routinely holds a whole /64 and could
 * otherwise take a fresh bucket per request.
 */
export function addressKey(ip: string): string {
  const address = ip.trim();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped && isIPv4(mapped[1]!)) return mapped[1]!;
  if (isIPv4(address)) return address;
  const withoutZone = address.split('%', 1)[0]!;
  if (isIPv6(withoutZone)) return `${expandIPv6(withoutZone).slice(0, 4).join(':')}::/64`;
  return address;
}

function expandIPv6(address: string): string[] {
  const [head = '', tail] = address.toLowerCase().split('::', 2) as [string, string | undefined];
  const part = (text: string) => (text === '' ? [] : text.split(':'));
  const headGroups = part(head);
  const tailGroups = tail === undefined ? [] : part(tail);
  // A trailing dotted quad (::1.2.3.4) stands for two groups.
  const width = (groups: string[]) => groups.reduce((sum, group) => sum + (group.includes('.') ? 2 : 1), 0);
  const missing = 8 - width(headGroups) - width(tailGroups);
  const groups = tail === undefined ? headGroups : [...headGroups, ...Array<string>(Math.max(0, missing)).fill('0'), ...tailGroups];
  return groups.map((group) => (/^[0-9a-f]{1,4}$/.test(group) ? String(parseInt(group, 16).toString(16)) : group));
}
