/**
 * An agent's total resources from its `--resources` text, completed the way `Containerizer::resources`
 * (src/slave/containerizer/containerizer.cpp) completes them: each of cpus, mem, disk and ports that the text does
 * not name at all is added with a default. A real agent probes the host for cpus/mem/disk and falls back to
 * DEFAULT_CPUS/MEM/DISK (src/slave/constants.hpp); a virtual agent has no host, so it always takes the fallbacks.
 * A name given with an empty value (`cpus:0`) counts as given: the agent then has none of it, as upstream.
 */

import { parseResourcesText } from './resource-text.ts';
import { normalizeResources, upgradeResources } from './resources.ts';
import type { Resource } from './types.ts';

/** DEFAULT_CPUS = 1. */
export const DEFAULT_AGENT_CPUS = 1;
/** DEFAULT_MEM = 1 GB, in MB. */
export const DEFAULT_AGENT_MEM_MB = 1024;
/** DEFAULT_DISK = 10 GB, in MB. */
export const DEFAULT_AGENT_DISK_MB = 10240;
/** DEFAULT_PORTS = "[31000-32000]". */
export const DEFAULT_AGENT_PORTS = { begin: 31000, end: 32000 } as const;

/** Overrides for the fallbacks (e.g. to mimic a particular host). */
export interface AgentResourceDefaults {
  cpus?: number;
  memMb?: number;
  diskMb?: number;
  ports?: { begin: number; end: number };
}

/**
 * Total resources of a virtual agent: `text` (default empty) parsed with `defaultRole` (agent `--default_role`,
 * default `*`), plus the defaults for cpus, mem, disk and ports the text leaves out. Throws `MW_RESOURCES_PARSE`.
 */
export function agentResources(text = '', defaultRole = '*', defaults: AgentResourceDefaults = {}): Resource[] {
  const tokens = upgradeResources(parseResourcesText(text, defaultRole));
  const given = new Set(tokens.map((r) => r.name));
  const reserve = defaultRole === '*' ? {} : { reservations: [{ type: 'STATIC' as const, role: defaultRole }] };
  const added: Resource[] = [];
  if (!given.has('cpus')) {
    added.push({ name: 'cpus', type: 'SCALAR', scalar: { value: defaults.cpus ?? DEFAULT_AGENT_CPUS }, ...reserve });
  }
  if (!given.has('mem')) {
    added.push({ name: 'mem', type: 'SCALAR', scalar: { value: defaults.memMb ?? DEFAULT_AGENT_MEM_MB }, ...reserve });
  }
  if (!given.has('disk')) {
    added.push({
      name: 'disk',
      type: 'SCALAR',
      scalar: { value: defaults.diskMb ?? DEFAULT_AGENT_DISK_MB },
      ...reserve,
    });
  }
  if (!given.has('ports')) {
    const ports = defaults.ports ?? DEFAULT_AGENT_PORTS;
    added.push({
      name: 'ports',
      type: 'RANGES',
      ranges: { range: [{ begin: ports.begin, end: ports.end }] },
      ...reserve,
    });
  }
  // Upstream adds the probed cpus/mem/disk/ports after the parsed text: keep that order.
  return normalizeResources([...tokens, ...added]);
}
