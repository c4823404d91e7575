/**
 * The v1 HTTP APIs of the mock master, mounted on a libprocess endpoint's router (same port as the libprocess
 * messages and state endpoints, as on a real master): `/api/v1/scheduler` and `/api/v1` (also under the `master`
 * actor prefix, `/master/api/v1/...`).
 */
import type { HttpRouter, RouteHandler } from '../../transport/index.ts';
import type { MasterSimulation } from '../core/index.ts';
import { OperatorApi } from './operator-api.ts';
import type { Leadership } from './request.ts';
import { SchedulerApi } from './scheduler-api.ts';

export {
  APPLICATION_JSON,
  APPLICATION_PROTOBUF,
  acceptsMediaType,
  negotiateContentType,
  type V1ContentType,
} from './media.ts';
export { OperatorApi, type OperatorApiOptions } from './operator-api.ts';
export type { Leadership } from './request.ts';
export { type InjectedSchedulerEvent, SchedulerApi } from './scheduler-api.ts';

/** Paths the APIs answer on (libprocess delegates unknown first segments to the `master` actor, so both work). */
export const SCHEDULER_API_PATHS: readonly string[] = ['/api/v1/scheduler', '/master/api/v1/scheduler'];
/** See SCHEDULER_API_PATHS. */
export const OPERATOR_API_PATHS: readonly string[] = ['/api/v1', '/master/api/v1'];

/** Options of `mountV1Apis`. */
export interface V1ApiOptions {
  /** Initial leadership (default leading). */
  leadership?: Leadership;
  /** HEARTBEAT interval of operator streams (default 15 s; scheduler streams use the core's `heartbeatIntervalMs`). */
  operatorHeartbeatIntervalMs?: number;
  /** What GET_FLAGS lists. */
  flags?: Readonly<Record<string, string>>;
}

/** The mounted APIs: the two handlers, the leadership switch, and `close()`. */
export interface V1Apis {
  readonly scheduler: SchedulerApi;
  readonly operator: OperatorApi;
  /** Current leadership. */
  readonly leadership: Leadership;
  /** Changes leadership (e.g. `{ state: 'redirect', leader: 'host:5050' }`); applies to the next request. */
  setLeadership(leadership: Leadership): void;
  /** Removes the routes and ends every stream. */
  close(): void;
}

/**
 * Mounts the scheduler and operator APIs of `simulation` on `router` (every method: non-POST requests get 405
 * as on Mesos). A client closing its stream's socket (or half-closing it) is noticed at once, through the
 * transport's `ResponseStream.onClose`: the framework is disconnected and its failover timeout starts.
 */
export function mountV1Apis(router: HttpRouter, simulation: MasterSimulation, options: V1ApiOptions = {}): V1Apis {
  let leadership: Leadership = options.leadership ?? { state: 'leading' };
  const current = (): Leadership => leadership;
  const scheduler = new SchedulerApi(simulation, { leadership: current });
  const operator = new OperatorApi(simulation, {
    leadership: current,
    ...(options.operatorHeartbeatIntervalMs === undefined
      ? {}
      : { heartbeatIntervalMs: options.operatorHeartbeatIntervalMs }),
    ...(options.flags === undefined ? {} : { flags: options.flags }),
  });
  const schedulerHandler: RouteHandler = (request, reply) => scheduler.handle(request, reply);
  const operatorHandler: RouteHandler = (request, reply) => operator.handle(request, reply);
  for (const path of SCHEDULER_API_PATHS) router.add('*', path, schedulerHandler);
  for (const path of OPERATOR_API_PATHS) router.add('*', path, operatorHandler);
  return {
    scheduler,
    operator,
    get leadership() {
      return leadership;
    },
    setLeadership(next) {
      leadership = next;
    },
    close() {
      for (const path of SCHEDULER_API_PATHS) router.remove('*', path);
      for (const path of OPERATOR_API_PATHS) router.remove('*', path);
      scheduler.close();
      operator.close();
    },
  };
}

/**
 * The `http` hook of `MockMaster.start` that mounts these APIs on the mock's port:
 * `MockMaster.start({ http: v1ApiHook({}, (apis) => { ... }) })`. `onMount` receives the mounted APIs (leadership
 * switch, event injection).
 */
export function v1ApiHook(
  options: V1ApiOptions = {},
  onMount?: (apis: V1Apis) => void,
): (context: { router: HttpRouter; simulation: MasterSimulation }) => void {
  return ({ router, simulation }) => {
    const apis = mountV1Apis(router, simulation, options);
    onMount?.(apis);
  };
}
