/** Who is on the other end of an inbound connection. `id` numbers the endpoint's connections from 1. */
export interface ConnectionInfo {
  readonly id: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
}
