/**
 * Flow ids: `ip:port>ip:port`, source first, IPv6 addresses in brackets
 * (`[::1]:5050>[::1]:41234`), as in the ndjson `flow` field.
 */

/** `ip:port`, or `[ipv6]:port`. */
export function formatEndpoint(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** `source>destination` for one direction of a TCP connection. */
export function formatFlowId(sourceAddress: string, sourcePort: number, destAddress: string, destPort: number): string {
  return `${formatEndpoint(sourceAddress, sourcePort)}>${formatEndpoint(destAddress, destPort)}`;
}

/** The id of the opposite direction: `a>b` becomes `b>a`. */
export function reverseFlowId(flow: string): string {
  const at = flow.indexOf('>');
  return `${flow.slice(at + 1)}>${flow.slice(0, at)}`;
}
