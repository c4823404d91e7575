/**
 * The libprocess front end's vocabulary: what a master does with each message a scheduler driver sends (legacy
 * `mesos.internal` messages of drivers <= 0.25 and the v0 `mesos.scheduler.Call` of later ones), and which message
 * carries each simulation output to a driver (wire-protocol.md §3.1, §3.4, §3.5).
 */
import type { Command, FrameworkConnection } from './core/commands.ts';
import type { AgentMessage, SchedulerEvent } from './core/outputs.ts';
import type {
  Filters,
  FrameworkInfo,
  IdValue,
  OfferOperation,
  ResourceRequest,
  StatusUpdate,
  TaskInfo,
  TaskStatus,
} from './core/types.ts';
import type { PlainMessage } from './protobuf.ts';

/** Wire names the master process handles (drivers' messages and `Call`). */
export const SCHEDULER_CALL = 'mesos.scheduler.Call';

/** What to do with one inbound message: a command, or nothing (with the reason the master ignores it). */
export type Translation = { command: Command } | { ignored: string };

const id = (v: unknown): IdValue => ({ value: String((v as IdValue | undefined)?.value ?? '') });

/**
 * Maps a message the master received from `from` (the sender UPID text) onto a simulation command. Messages the
 * master does not handle, and Call types it drops for driver frameworks, come back as `ignored`.
 */
export function commandFromMessage(name: string, body: PlainMessage, from: string): Translation {
  const conn: FrameworkConnection = { kind: 'pid', pid: from };
  const fwId = id(body.framework_id);
  switch (name) {
    case SCHEDULER_CALL:
      return commandFromCall(body, conn);
    case 'mesos.internal.RegisterFrameworkMessage':
      return { command: { type: 'SUBSCRIBE', from: conn, framework_info: body.framework as FrameworkInfo } };
    case 'mesos.internal.ReregisterFrameworkMessage':
      return {
        command: {
          type: 'SUBSCRIBE',
          from: conn,
          framework_info: body.framework as FrameworkInfo,
          force: body.failover === true,
        },
      };
    case 'mesos.internal.UnregisterFrameworkMessage':
      return { command: { type: 'TEARDOWN', framework_id: fwId, from: conn } };
    case 'mesos.internal.DeactivateFrameworkMessage':
      return { command: { type: 'DEACTIVATE', framework_id: fwId, from: conn } };
    case 'mesos.internal.LaunchTasksMessage':
      return {
        command: {
          type: 'LAUNCH_TASKS',
          framework_id: fwId,
          from: conn,
          offer_ids: ((body.offer_ids as IdValue[] | undefined) ?? []).map(id),
          tasks: (body.tasks as TaskInfo[] | undefined) ?? [],
          ...(body.filters === undefined ? {} : { filters: body.filters as Filters }),
        },
      };
    case 'mesos.internal.ReviveOffersMessage':
      return {
        command: { type: 'REVIVE', framework_id: fwId, from: conn, roles: (body.roles as string[] | undefined) ?? [] },
      };
    case 'mesos.internal.KillTaskMessage':
      return {
        command: {
          type: 'KILL',
          framework_id: fwId,
          from: conn,
          task_id: id(body.task_id),
          ...(body.kill_policy === undefined ? {} : { kill_policy: body.kill_policy as Record<string, unknown> }),
        },
      };
    case 'mesos.internal.StatusUpdateAcknowledgementMessage':
      return {
        command: {
          type: 'ACKNOWLEDGE',
          framework_id: fwId,
          from: conn,
          slave_id: id(body.slave_id),
          task_id: id(body.task_id),
          uuid: (body.uuid as Uint8Array | undefined) ?? new Uint8Array(0),
        },
      };
    case 'mesos.internal.ReconcileTasksMessage':
      return {
        command: {
          type: 'RECONCILE',
          framework_id: fwId,
          from: conn,
          tasks: ((body.statuses as TaskStatus[] | undefined) ?? []).map((s) => ({
            task_id: id(s.task_id),
            ...(s.slave_id === undefined ? {} : { slave_id: id(s.slave_id) }),
          })),
        },
      };
    case 'mesos.internal.ResourceRequestMessage':
      return {
        command: {
          type: 'REQUEST',
          framework_id: fwId,
          from: conn,
          requests: (body.requests as ResourceRequest[] | undefined) ?? [],
        },
      };
    case 'mesos.internal.FrameworkToExecutorMessage':
      return {
        command: {
          type: 'MESSAGE',
          framework_id: fwId,
          from: conn,
          slave_id: id(body.slave_id),
          executor_id: id(body.executor_id),
          data: (body.data as Uint8Array | undefined) ?? new Uint8Array(0),
        },
      };
    default:
      return { ignored: `the master has no handler for ${name}` };
  }
}

function commandFromCall(call: PlainMessage, from: FrameworkConnection): Translation {
  const framework_id = id(call.framework_id);
  const type = String(call.type ?? 'UNKNOWN');
  const part = (key: string): PlainMessage => (call[key] as PlainMessage | undefined) ?? {};
  switch (type) {
    case 'SUBSCRIBE': {
      const subscribe = part('subscribe');
      return {
        command: {
          type: 'SUBSCRIBE',
          from,
          framework_info: subscribe.framework_info as FrameworkInfo,
          force: subscribe.force === true,
          suppressed_roles: (subscribe.suppressed_roles as string[] | undefined) ?? [],
        },
      };
    }
    case 'TEARDOWN':
      return { command: { type: 'TEARDOWN', framework_id, from } };
    case 'ACCEPT': {
      const accept = part('accept');
      return {
        command: {
          type: 'ACCEPT',
          framework_id,
          from,
          offer_ids: ((accept.offer_ids as IdValue[] | undefined) ?? []).map(id),
          operations: (accept.operations as OfferOperation[] | undefined) ?? [],
          ...(accept.filters === undefined ? {} : { filters: accept.filters as Filters }),
        },
      };
    }
    case 'DECLINE': {
      const decline = part('decline');
      return {
        command: {
          type: 'DECLINE',
          framework_id,
          from,
          offer_ids: ((decline.offer_ids as IdValue[] | undefined) ?? []).map(id),
          ...(decline.filters === undefined ? {} : { filters: decline.filters as Filters }),
        },
      };
    }
    case 'REVIVE':
    case 'SUPPRESS': {
      const roles = (part(type.toLowerCase()).roles as string[] | undefined) ?? [];
      return { command: { type, framework_id, from, roles } };
    }
    case 'KILL': {
      const kill = part('kill');
      return {
        command: {
          type: 'KILL',
          framework_id,
          from,
          task_id: id(kill.task_id),
          ...(kill.slave_id === undefined ? {} : { slave_id: id(kill.slave_id) }),
          ...(kill.kill_policy === undefined ? {} : { kill_policy: kill.kill_policy as Record<string, unknown> }),
        },
      };
    }
    case 'SHUTDOWN': {
      const shutdown = part('shutdown');
      return {
        command: {
          type: 'SHUTDOWN',
          framework_id,
          from,
          slave_id: id(shutdown.slave_id),
          executor_id: id(shutdown.executor_id),
        },
      };
    }
    case 'ACKNOWLEDGE': {
      const ack = part('acknowledge');
      return {
        command: {
          type: 'ACKNOWLEDGE',
          framework_id,
          from,
          slave_id: id(ack.slave_id),
          task_id: id(ack.task_id),
          uuid: (ack.uuid as Uint8Array | undefined) ?? new Uint8Array(0),
        },
      };
    }
    case 'RECONCILE': {
      const tasks = (part('reconcile').tasks as { task_id: IdValue; slave_id?: IdValue }[] | undefined) ?? [];
      return {
        command: {
          type: 'RECONCILE',
          framework_id,
          from,
          tasks: tasks.map((t) => ({
            task_id: id(t.task_id),
            ...(t.slave_id === undefined ? {} : { slave_id: id(t.slave_id) }),
          })),
        },
      };
    }
    case 'MESSAGE': {
      const message = part('message');
      return {
        command: {
          type: 'MESSAGE',
          framework_id,
          from,
          slave_id: id(message.slave_id),
          executor_id: id(message.executor_id),
          data: (message.data as Uint8Array | undefined) ?? new Uint8Array(0),
        },
      };
    }
    case 'REQUEST':
      return {
        command: {
          type: 'REQUEST',
          framework_id,
          from,
          requests: (part('request').requests as ResourceRequest[] | undefined) ?? [],
        },
      };
    case 'ACCEPT_INVERSE_OFFERS':
    case 'DECLINE_INVERSE_OFFERS':
      return { ignored: `${type}: the mock master makes no inverse offers` };
    case 'ACKNOWLEDGE_OPERATION_STATUS':
    case 'RECONCILE_OPERATIONS':
      return { ignored: `${type} is dropped for frameworks that are not connected via HTTP` };
    case 'UPDATE_FRAMEWORK':
      return { ignored: 'UPDATE_FRAMEWORK is not simulated' };
    default:
      return { ignored: `Call of type ${type} is not handled` };
  }
}

/** One message for the wire: name, body as a plain object, and the sender when it is not the master. */
export interface WireMessage {
  name: string;
  body: PlainMessage;
  /** Sender UPID text when not the master (ExecutorToFrameworkMessage comes from the agent). */
  from?: string;
}

/** The empty UPID as libprocess prints it: the `pid` of master-generated status updates (nothing to ack). */
export const EMPTY_UPID_TEXT = '@0.0.0.0:0';

/** The message a master sends a scheduler driver for a simulation event; undefined for v1-only events. */
export function messageForEvent(event: SchedulerEvent, frameworkId: string | undefined): WireMessage | undefined {
  switch (event.type) {
    case 'SUBSCRIBED':
      return {
        name: event.reregistered
          ? 'mesos.internal.FrameworkReregisteredMessage'
          : 'mesos.internal.FrameworkRegisteredMessage',
        body: { framework_id: event.framework_id, master_info: event.master_info },
      };
    case 'OFFERS':
      return { name: 'mesos.internal.ResourceOffersMessage', body: { offers: event.offers, pids: event.pids } };
    case 'RESCIND':
      return { name: 'mesos.internal.RescindResourceOfferMessage', body: { offer_id: event.offer_id } };
    case 'UPDATE':
      return {
        name: 'mesos.internal.StatusUpdateMessage',
        body: { update: event.update as StatusUpdate, pid: event.pid === '' ? EMPTY_UPID_TEXT : event.pid },
      };
    case 'MESSAGE':
      return {
        name: 'mesos.internal.ExecutorToFrameworkMessage',
        body: {
          slave_id: event.slave_id,
          framework_id: { value: frameworkId ?? '' },
          executor_id: event.executor_id,
          data: event.data,
        },
        from: event.agent_pid,
      };
    case 'FAILURE':
      if (event.executor_id !== undefined) {
        return {
          name: 'mesos.internal.ExitedExecutorMessage',
          body: {
            slave_id: event.slave_id,
            framework_id: { value: frameworkId ?? '' },
            executor_id: event.executor_id,
            status: event.status ?? 0,
          },
        };
      }
      return { name: 'mesos.internal.LostSlaveMessage', body: { slave_id: event.slave_id } };
    case 'ERROR':
      return { name: 'mesos.internal.FrameworkErrorMessage', body: { message: event.message } };
    default:
      return undefined;
  }
}

/** The `mesos.internal` message a master sends a (virtual) agent for a simulation agent message. */
export function messageForAgent(message: AgentMessage): WireMessage {
  switch (message.type) {
    case 'RUN_TASK':
      return {
        name: 'mesos.internal.RunTaskMessage',
        body: {
          framework: message.framework,
          task: message.task,
          pid: message.pid,
          launch_executor: message.launch_executor,
        },
      };
    case 'RUN_TASK_GROUP':
      return {
        name: 'mesos.internal.RunTaskGroupMessage',
        body: {
          framework: message.framework,
          executor: message.executor,
          task_group: message.task_group,
          launch_executor: message.launch_executor,
        },
      };
    case 'KILL_TASK': {
      const { type: _type, ...body } = message;
      return { name: 'mesos.internal.KillTaskMessage', body };
    }
    case 'STATUS_UPDATE_ACKNOWLEDGEMENT': {
      const { type: _type, ...body } = message;
      return { name: 'mesos.internal.StatusUpdateAcknowledgementMessage', body };
    }
    case 'FRAMEWORK_TO_EXECUTOR': {
      const { type: _type, ...body } = message;
      return { name: 'mesos.internal.FrameworkToExecutorMessage', body };
    }
    case 'SHUTDOWN_FRAMEWORK':
      return { name: 'mesos.internal.ShutdownFrameworkMessage', body: { framework_id: message.framework_id } };
    case 'SHUTDOWN_EXECUTOR':
      return {
        name: 'mesos.internal.ShutdownExecutorMessage',
        body: { executor_id: message.executor_id, framework_id: message.framework_id },
      };
  }
}
