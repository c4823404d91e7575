/**
 * Frameworks: subscription (new, retried, re-subscribed, failed over), disconnection and failover timeouts,
 * deactivation, removal, REVIVE and SUPPRESS (`Master::subscribe`, `_subscribe`, `exited`, `failoverFramework`).
 */
import { allocateSoon, release, removeOffer } from './allocator.ts';
import { type CommandResult, type FrameworkConnection, type SubscribeCommand, sameConnection } from './commands.ts';
import { MAX_COMPLETED_FRAMEWORKS, OK } from './constants.ts';
import type { MasterState } from './context.ts';
import { formatFrameworkId } from './ids.ts';
import type { SchedulerEvent } from './outputs.ts';
import { masterStatus } from './reconcile.ts';
import { frameworkSnapshotOf, frameworkViewOf } from './snapshot.ts';
import type { FrameworkRecord } from './state.ts';
import { releaseTask } from './tasks.ts';
import { type FrameworkInfo, type IdValue, isTerminalState } from './types.ts';

/** The framework a call is for, checked as the master checks it; or why the call is refused. */
export function callingFramework(
  s: MasterState,
  id: IdValue,
  from: FrameworkConnection | undefined,
): FrameworkRecord | Exclude<CommandResult, { ok: true }> {
  const fw = s.frameworks.get(id.value);
  if (fw === undefined) return { ok: false, reason: 'FRAMEWORK_NOT_FOUND', message: 'Framework cannot be found' };
  if (!fw.connected) return { ok: false, reason: 'NOT_SUBSCRIBED', message: 'Framework is not subscribed' };
  if (from !== undefined && !sameConnection(from, fw.connection)) {
    if (from.kind === 'http' && fw.connection.kind === 'http') {
      return {
        ok: false,
        reason: 'STREAM_MISMATCH',
        message:
          `The stream ID '${from.stream_id}' included in this request didn't match the stream ID currently ` +
          `associated with framework ID ${fw.id}`,
      };
    }
    if (from.kind === 'http') {
      return { ok: false, reason: 'WRONG_CONNECTION', message: 'Framework is not connected via HTTP' };
    }
    return { ok: false, reason: 'WRONG_CONNECTION', message: 'Call is not from registered framework' };
  }
  return fw;
}

/** SUBSCRIBE and the legacy (re-)registration messages. */
export function subscribe(s: MasterState, command: SubscribeCommand): CommandResult {
  const from = command.from;
  const info: FrameworkInfo = { ...command.framework_info };
  const requestedId = info.id?.value ?? '';
  if (requestedId === '') {
    // A driver retrying its first SUBSCRIBE gets the same registration again.
    if (from.kind === 'pid') {
      for (const fw of s.frameworks.values()) {
        if (sameConnection(fw.connection, from) && fw.connected) {
          s.toFramework(fw, subscribed(s, fw, false));
          return OK;
        }
      }
    }
    let id = formatFrameworkId(s.masterInfo.id, s.nextFrameworkId++);
    // Skip ids a framework brought in itself (see the unknown-id case below).
    while (s.frameworks.has(id) || s.removedFrameworkIds.has(id))
      id = formatFrameworkId(s.masterInfo.id, s.nextFrameworkId++);
    const fw = newFramework(s, { ...info, id: { value: id } }, from, command.suppressed_roles);
    s.toFramework(fw, subscribed(s, fw, false));
    if (from.kind === 'http') startHeartbeats(s, fw);
    s.operator({ type: 'FRAMEWORK_ADDED', framework: frameworkViewOf(s, fw) });
    allocateSoon(s);
    return OK;
  }

  if (s.removedFrameworkIds.has(requestedId)) {
    s.toConnection(from, requestedId, { type: 'ERROR', message: 'Framework has been removed' });
    if (from.kind === 'http') s.toConnection(from, requestedId, { type: 'CLOSE' });
    return OK;
  }

  let fw = s.frameworks.get(requestedId);
  if (fw === undefined) {
    // Unknown id: what a master does after its own failover, before agents report the framework's tasks
    // (`recoverFramework`); the framework is taken in with the id it brings.
    fw = newFramework(s, info, from, command.suppressed_roles);
    fw.reregisteredTime = s.now();
    s.toFramework(fw, subscribed(s, fw, from.kind === 'pid'));
    if (from.kind === 'http') startHeartbeats(s, fw);
    s.operator({ type: 'FRAMEWORK_ADDED', framework: frameworkViewOf(s, fw) });
    allocateSoon(s);
    return OK;
  }

  if (from.kind === 'pid' && !sameConnection(fw.connection, from) && command.force !== true) {
    s.toConnection(from, fw.id, { type: 'ERROR', message: 'Framework failed over' });
    return OK;
  }

  updateFrameworkInfo(s, fw, info, command.suppressed_roles);
  fw.reregisteredTime = s.now();
  s.clock.cancel(fw.failoverTimer);
  fw.failoverTimer = undefined;

  if (from.kind === 'http' || command.force === true) {
    // Failover (`failoverFramework`): the old connection is told and dropped, outstanding offers are discarded
    // without rescinds, and the new connection gets a fresh registration.
    if (fw.connected && !sameConnection(fw.connection, from)) {
      s.toFramework(fw, { type: 'ERROR', message: 'Framework failed over' });
      if (fw.connection.kind === 'http') s.toFramework(fw, { type: 'CLOSE' });
    }
    s.clock.cancel(fw.heartbeatTimer);
    fw.heartbeatTimer = undefined;
    fw.connection = from;
    fw.connected = true;
    for (const offerId of [...fw.offers]) removeOffer(s, s.offers.get(offerId)!, { rescind: false });
    fw.active = true;
    s.toFramework(fw, subscribed(s, fw, false));
    if (from.kind === 'http') startHeartbeats(s, fw);
  } else {
    // Same driver again without failover: offers are rescinded (the driver may have dropped replies to them).
    for (const offerId of [...fw.offers]) removeOffer(s, s.offers.get(offerId)!, { rescind: true });
    fw.connected = true;
    fw.active = true;
    s.toFramework(fw, subscribed(s, fw, true));
  }
  s.operator({ type: 'FRAMEWORK_UPDATED', framework: frameworkViewOf(s, fw) });
  allocateSoon(s);
  return OK;
}

function subscribed(s: MasterState, fw: FrameworkRecord, reregistered: boolean): SchedulerEvent {
  return {
    type: 'SUBSCRIBED',
    framework_id: { value: fw.id },
    master_info: s.masterInfo,
    heartbeat_interval_seconds: s.timings.heartbeatIntervalMs / 1000,
    reregistered,
  };
}

function newFramework(
  s: MasterState,
  info: FrameworkInfo,
  connection: FrameworkConnection,
  suppressed: string[] | undefined,
): FrameworkRecord {
  const fw: FrameworkRecord = {
    id: info.id!.value,
    info,
    connection,
    connected: true,
    active: true,
    roles: [],
    capabilities: new Set(),
    suppressedRoles: new Set(),
    filters: new Map(),
    offers: new Set(),
    tasks: new Map(),
    completedTasks: [],
    allocated: { cpus: 0, mem: 0, disk: 0 },
    registeredTime: s.now(),
    reregisteredTime: undefined,
    unregisteredTime: undefined,
    failoverTimer: undefined,
    heartbeatTimer: undefined,
    ordinal: s.frameworkOrdinal++,
  };
  updateFrameworkInfo(s, fw, info, suppressed);
  s.frameworks.set(fw.id, fw);
  return fw;
}

function updateFrameworkInfo(
  _s: MasterState,
  fw: FrameworkRecord,
  info: FrameworkInfo,
  suppressed: string[] | undefined,
): void {
  fw.info = { ...info, id: { value: fw.id } };
  fw.capabilities = new Set((info.capabilities ?? []).map((c) => c.type ?? 'UNKNOWN'));
  fw.roles = fw.capabilities.has('MULTI_ROLE') ? [...(info.roles ?? [])] : [info.role ?? '*'];
  fw.suppressedRoles = new Set((suppressed ?? []).filter((r) => fw.roles.includes(r)));
}

function startHeartbeats(s: MasterState, fw: FrameworkRecord): void {
  const connection = fw.connection;
  const beat = (): void => {
    if (!fw.connected || !sameConnection(fw.connection, connection)) return;
    s.toFramework(fw, { type: 'HEARTBEAT' });
    fw.heartbeatTimer = s.timer(s.timings.heartbeatIntervalMs, beat);
  };
  beat();
}

/**
 * The link to a driver broke or a v1 stream closed: a driver is told "Framework disconnected", the framework is
 * deactivated (offers rescinded) and removed unless it re-subscribes within `failover_timeout`.
 */
export function disconnected(s: MasterState, connection: FrameworkConnection): CommandResult {
  for (const fw of s.frameworks.values()) {
    if (!fw.connected || !sameConnection(fw.connection, connection)) continue;
    // A driver is told (the master sends this even though the link is gone; see `Master::exited`).
    if (connection.kind === 'pid') s.toFramework(fw, { type: 'ERROR', message: 'Framework disconnected' });
    if (fw.active) deactivate(s, fw, true);
    fw.connected = false;
    s.clock.cancel(fw.heartbeatTimer);
    fw.heartbeatTimer = undefined;
    const timeoutMs = Math.max(0, (fw.info.failover_timeout ?? 0) * 1000);
    s.note(`framework ${fw.id} disconnected; ${timeoutMs} ms to fail over`);
    fw.failoverTimer = s.timer(timeoutMs, () => {
      fw.failoverTimer = undefined;
      if (!fw.connected) removeFramework(s, fw);
    });
    return OK;
  }
  return OK;
}

/** Stops offers to the framework and removes (optionally rescinds) its outstanding offers. */
export function deactivate(s: MasterState, fw: FrameworkRecord, rescind: boolean): void {
  fw.active = false;
  for (const offerId of [...fw.offers]) removeOffer(s, s.offers.get(offerId)!, { rescind });
}

/** TEARDOWN, or failover timeout: offers dropped, tasks killed, executors shut down, framework completed. */
export function removeFramework(s: MasterState, fw: FrameworkRecord): void {
  s.clock.cancel(fw.failoverTimer);
  s.clock.cancel(fw.heartbeatTimer);
  // Nothing more reaches the framework (no rescinds, no executor exits); a v1 stream is closed.
  const closeStream = fw.connected && fw.connection.kind === 'http';
  fw.connected = false;
  fw.active = false;
  for (const offerId of [...fw.offers]) removeOffer(s, s.offers.get(offerId)!, { rescind: false });
  for (const byAgent of fw.filters.values())
    for (const list of byAgent.values()) for (const f of list) s.clock.cancel(f.timer);
  fw.filters.clear();

  const agentsTouched = new Set<string>();
  for (const task of [...fw.tasks.values()]) {
    agentsTouched.add(task.agentId);
    s.clock.cancel(task.stepTimer);
    s.clock.cancel(task.retryTimer);
    task.pending = [];
    if (!isTerminalState(task.task.state)) {
      const status = masterStatus(s, task.info.task_id, 'TASK_KILLED', {
        reason: 'REASON_FRAMEWORK_REMOVED',
        message: `Framework ${fw.id} removed`,
        slaveId: task.agentId,
        executorId: task.executorId,
      });
      task.task.state = 'TASK_KILLED';
      task.task.statuses.push(status);
      s.operator({ type: 'TASK_UPDATED', framework_id: { value: fw.id }, status, state: 'TASK_KILLED' });
    }
    releaseTask(s, task);
  }
  for (const agent of s.agents.values()) {
    for (const [key, executor] of agent.executors) {
      if (executor.frameworkId !== fw.id) continue;
      agentsTouched.add(agent.id);
      agent.executors.delete(key);
      release(agent, fw, executor.resources);
    }
  }
  for (const agentId of agentsTouched) {
    const agent = s.agents.get(agentId);
    if (agent !== undefined) s.toAgent(agent, { type: 'SHUTDOWN_FRAMEWORK', framework_id: { value: fw.id } });
  }
  if (closeStream) s.toConnection(fw.connection, fw.id, { type: 'CLOSE' });
  fw.unregisteredTime = s.now();
  s.frameworks.delete(fw.id);
  s.removedFrameworkIds.add(fw.id);
  s.completedFrameworks.push(frameworkSnapshotOf(s, fw));
  if (s.completedFrameworks.length > MAX_COMPLETED_FRAMEWORKS) s.completedFrameworks.shift();
  s.operator({ type: 'FRAMEWORK_REMOVED', framework_info: fw.info });
}

/** REVIVE: clears refuse filters and suppression for the roles (all when none given). */
export function revive(s: MasterState, fw: FrameworkRecord, roles: string[]): CommandResult {
  const unknown = roles.find((r) => !fw.roles.includes(r));
  if (unknown !== undefined) {
    return {
      ok: false,
      reason: 'INVALID',
      message: `revive role '${unknown}' is not one of the frameworks's subscribed roles`,
    };
  }
  for (const role of roles.length > 0 ? roles : fw.roles) {
    fw.suppressedRoles.delete(role);
    const byAgent = fw.filters.get(role);
    if (byAgent === undefined) continue;
    for (const list of byAgent.values()) for (const f of list) s.clock.cancel(f.timer);
    fw.filters.delete(role);
  }
  allocateSoon(s);
  return OK;
}

/** SUPPRESS: no offers for the roles (all when none given) until REVIVE. */
export function suppress(fw: FrameworkRecord, roles: string[]): CommandResult {
  const unknown = roles.find((r) => !fw.roles.includes(r));
  if (unknown !== undefined) {
    return {
      ok: false,
      reason: 'INVALID',
      message: `suppress role '${unknown}' is not one of the frameworks's subscribed roles`,
    };
  }
  for (const role of roles.length > 0 ? roles : fw.roles) fw.suppressedRoles.add(role);
  return OK;
}
