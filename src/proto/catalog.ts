/**
 * The message catalog (shared/protocol/message-catalog.tsv) as a typed table: every
 * name that travels as a libprocess message, the proto type of its body, the roles
 * that send and receive it and the Mesos versions in which it travels.
 *
 * The rows below are the TSV's (same order; role lists joined by `; ` as there);
 * `until` was added from the notes and wire-protocol.md 3.4 (the last release line that
 * sends it; empty = still sent). The type of a body is its wire name, except for the raw
 * names (PING, PONG), whose file column says `(raw string, no proto)`.
 */

/** One row of the catalog. */
export interface CatalogEntry {
  /** The name in the libprocess request path (`/<receiver>/<wireName>`). */
  readonly wireName: string;
  /** Full protobuf type of the body; undefined for raw names (PING, PONG). */
  readonly typeName: string | undefined;
  /** Upstream file that defines the type (`(raw string, no proto)` for raw names). */
  readonly protoFile: string;
  /** Roles that send it (e.g. `master`, `agent`, `scheduler driver`, `(legacy) ...`). */
  readonly senders: readonly string[];
  /** Roles that receive it. */
  readonly receivers: readonly string[];
  /** First release in which it travels (`0.9.0` = already in the oldest tag). */
  readonly since: string;
  /** The catalog's since text, which may say which side started when. */
  readonly sinceDetail: string;
  /** Last release line in which it is sent (e.g. `0.23.x`); undefined while current. */
  readonly until: string | undefined;
  /** Facts worth knowing when reading it. */
  readonly note: string;
}

/** wire name, proto file, senders, receivers, since (text), until ('' while current), note. */
type CatalogRow = readonly [string, string, string, string, string, string, string];

// biome-ignore format: a table, one row per line
const ROWS: readonly CatalogRow[] = [
  ['mesos.scheduler.Call', 'include/mesos/scheduler/scheduler.proto', 'scheduler driver', 'master', '0.22.0 (master accepts); 0.24.0 (driver sends)', '', 'v0 schema; Subscribe.force=2 differs from v1; types SUBSCRIBE,TEARDOWN,ACCEPT,DECLINE(0.26),REVIVE,SUPPRESS(0.25),KILL,ACKNOWLEDGE,RECONCILE,MESSAGE,REQUEST(0.26),UPDATE_FRAMEWORK(1.9); master drops ACKNOWLEDGE_OPERATION_STATUS/RECONCILE_OPERATIONS from pid frameworks'],
  ['mesos.scheduler.Event', 'include/mesos/scheduler/scheduler.proto', 'master', 'scheduler driver', '0.24.0 (driver accepts)', '', 'HEAD master sends it over libprocess only for UPDATE_OPERATION_STATUS; other events go as legacy messages'],
  ['mesos.internal.RegisterFrameworkMessage', 'src/messages/messages.proto', 'scheduler driver', 'master', '0.9.0', '0.23.x', 'legacy: sent by drivers <=0.23.x; HEAD master still handles it'],
  ['mesos.internal.ReregisterFrameworkMessage', 'src/messages/messages.proto', 'scheduler driver', 'master', '0.9.0', '0.23.x', 'legacy: drivers <=0.23.x; fields 2 framework, 3 failover'],
  ['mesos.internal.UnregisterFrameworkMessage', 'src/messages/messages.proto', 'scheduler driver', 'master', '0.9.0', '0.23.x', 'legacy: drivers <=0.23.x; replaced by Call TEARDOWN'],
  ['mesos.internal.DeactivateFrameworkMessage', 'src/messages/messages.proto', 'scheduler driver', 'master', '0.9.0', '', 'still sent by HEAD driver on abort()'],
  ['mesos.internal.ResourceRequestMessage', 'src/messages/messages.proto', 'scheduler driver', 'master', '0.9.0', '0.25.x', 'legacy: drivers <=0.25.x; replaced by Call REQUEST in 0.26.0'],
  ['mesos.internal.LaunchTasksMessage', 'src/messages/messages.proto', 'scheduler driver', 'master', '0.9.0', '0.23.x', 'legacy: drivers <=0.23.x; replaced by Call ACCEPT/DECLINE'],
  ['mesos.internal.ReviveOffersMessage', 'src/messages/messages.proto', 'scheduler driver', 'master', '0.9.0', '0.23.x', 'legacy: drivers <=0.23.x; replaced by Call REVIVE'],
  ['mesos.internal.KillTaskMessage', 'src/messages/messages.proto', 'master; agent; (legacy) scheduler driver', 'agent; executor driver; (legacy) master', '0.9.0', '', 'current hops master->agent and agent->executor; driver->master only for drivers <=0.23.x (Call KILL since 0.24.0)'],
  ['mesos.internal.StatusUpdateAcknowledgementMessage', 'src/messages/messages.proto', 'master; agent; (legacy) scheduler driver', 'agent; executor driver; (legacy) master or agent', '0.9.0', '', 'current: master->agent after Call ACKNOWLEDGE, agent->executor once checkpointed; drivers <=0.18.x sent it to the agent directly, 0.19.0-0.23.x to the master'],
  ['mesos.internal.FrameworkToExecutorMessage', 'src/messages/messages.proto', 'scheduler driver; master', 'agent; executor driver', '0.9.0', '', 'driver->agent directly when the agent pid is known (from ResourceOffersMessage.pids), else Call MESSAGE via master (driver->master form only <=0.23.x); master->agent; agent->executor'],
  ['mesos.internal.ReconcileTasksMessage', 'src/messages/messages.proto', 'scheduler driver', 'master', '0.15.0', '0.23.x', 'legacy: drivers 0.15.0-0.23.x; replaced by Call RECONCILE; master->agent form only embedded in SlaveReregisteredMessage.reconciliations'],
  ['mesos.internal.FrameworkRegisteredMessage', 'src/messages/messages.proto', 'master', 'scheduler driver', '0.9.0', '', 'answer to first SUBSCRIBE/registration'],
  ['mesos.internal.FrameworkReregisteredMessage', 'src/messages/messages.proto', 'master', 'scheduler driver', '0.9.0', '', 'answer to re-subscription'],
  ['mesos.internal.ResourceOffersMessage', 'src/messages/messages.proto', 'master', 'scheduler driver', '0.9.0', '', 'pids[i] = agent UPID for offers[i]'],
  ['mesos.internal.RescindResourceOfferMessage', 'src/messages/messages.proto', 'master', 'scheduler driver', '0.9.0', '', ''],
  ['mesos.internal.InverseOffersMessage', 'src/messages/messages.proto', 'master', 'scheduler driver', '1.0.0', '', 'proto says v1-only but master send path does not filter pid frameworks; driver has no handler (202 then ignored)'],
  ['mesos.internal.RescindInverseOfferMessage', 'src/messages/messages.proto', 'master', 'scheduler driver', '1.0.0', '', 'same caveat as InverseOffersMessage'],
  ['mesos.internal.StatusUpdateMessage', 'src/messages/messages.proto', 'executor driver; agent; master', 'agent; master; scheduler driver', '0.9.0', '', 'hops executor->agent (pid=executor), agent->master (pid=agent), master->driver (pid=agent, empty for master-generated updates)'],
  ['mesos.internal.LostSlaveMessage', 'src/messages/messages.proto', 'master', 'scheduler driver', '0.9.0', '', ''],
  ['mesos.internal.ExitedExecutorMessage', 'src/messages/messages.proto', 'agent; master', 'master; scheduler driver', '0.9.0', '', 'agent->master always; master->driver since 0.27.0'],
  ['mesos.internal.ExecutorToFrameworkMessage', 'src/messages/messages.proto', 'executor driver; agent; master', 'agent; scheduler driver; master', '0.9.0', '', 'executor->agent; agent->driver directly if framework pid known, else agent->master (0.24.0+) and master->driver'],
  ['mesos.internal.FrameworkErrorMessage', 'src/messages/messages.proto', 'master', 'scheduler driver', '0.9.0', '', 'field number 2; also sent when a framework exceeds --rate_limits capacity'],
  ['mesos.internal.RegisterSlaveMessage', 'src/messages/messages.proto', 'agent', 'master', '0.9.0', '', 'master records the sender UPID as the agent pid'],
  ['mesos.internal.ReregisterSlaveMessage', 'src/messages/messages.proto', 'agent', 'master', '0.9.0', '', ''],
  ['mesos.internal.SlaveRegisteredMessage', 'src/messages/messages.proto', 'master', 'agent', '0.9.0', '', 'connection.total_ping_timeout_seconds since 0.23.0'],
  ['mesos.internal.SlaveReregisteredMessage', 'src/messages/messages.proto', 'master', 'agent', '0.9.0', '', 'embeds ReconcileTasksMessage list'],
  ['mesos.internal.UnregisterSlaveMessage', 'src/messages/messages.proto', 'agent', 'master', '0.9.0', '', ''],
  ['mesos.internal.ShutdownMessage', 'src/messages/messages.proto', 'master', 'agent', '0.9.0', '', 'agent refused/removed; agent shuts down'],
  ['mesos.internal.PingSlaveMessage', 'src/messages/messages.proto', 'master slave-observer(N)', 'agent', '0.21.0 (agent accepts); 0.25.0 (master sends)', '', '0.21.0-0.24.x masters embedded this protobuf in a raw PING message'],
  ['mesos.internal.PongSlaveMessage', 'src/messages/messages.proto', 'agent', 'master slave-observer(N)', '0.21.0 (agent sends); 0.25.0 (master accepts)', '', 'always an empty body (no Transfer-Encoding header)'],
  ['mesos.internal.ShutdownFrameworkMessage', 'src/messages/messages.proto', 'master', 'agent', '0.9.0', '', ''],
  ['mesos.internal.ShutdownExecutorMessage', 'src/messages/messages.proto', 'agent; master', 'executor driver; agent', '0.9.0', '', 'agent->executor always; master->agent since 0.24.0 (Call SHUTDOWN)'],
  ['mesos.internal.UpdateFrameworkMessage', 'src/messages/messages.proto', 'master', 'agent', '0.9.0', '', 'framework_info field (3) added in 1.3.0; pid field carries the new framework UPID'],
  ['mesos.internal.CheckpointResourcesMessage', 'src/messages/messages.proto', 'master', 'agent', '0.22.0', '', 'HEAD: only to agents without RESOURCE_PROVIDER capability'],
  ['mesos.internal.UpdateSlaveMessage', 'src/messages/messages.proto', 'agent', 'master', '0.23.0', '', 'oversubscription; operations/resource providers since 1.5.0'],
  ['mesos.internal.UpdateOperationStatusMessage', 'src/messages/messages.proto', 'agent', 'master', '1.5.0', '', ''],
  ['mesos.internal.ApplyOperationMessage', 'src/messages/messages.proto', 'master', 'agent', '1.5.0', '', ''],
  ['mesos.internal.AcknowledgeOperationStatusMessage', 'src/messages/messages.proto', 'master', 'agent', '1.5.0', '', ''],
  ['mesos.internal.ReconcileOperationsMessage', 'src/messages/messages.proto', 'master', 'agent', '1.5.0', '', ''],
  ['mesos.internal.DrainSlaveMessage', 'src/messages/messages.proto', 'master', 'agent', '1.9.0', '', ''],
  ['mesos.internal.RunTaskMessage', 'src/messages/messages.proto', 'master; agent', 'agent; executor driver', '0.9.0', '', ''],
  ['mesos.internal.RunTaskGroupMessage', 'src/messages/messages.proto', 'master', 'agent', '1.1.0', '', 'agent delivers task groups to HTTP executors only (LAUNCH_GROUP event)'],
  ['mesos.internal.RegisterExecutorMessage', 'src/messages/messages.proto', 'executor driver', 'agent', '0.9.0', '', 'executor driver links to MESOS_SLAVE_PID first'],
  ['mesos.internal.ExecutorRegisteredMessage', 'src/messages/messages.proto', 'agent', 'executor driver', '0.9.0', '', ''],
  ['mesos.internal.ReregisterExecutorMessage', 'src/messages/messages.proto', 'executor driver', 'agent', '0.13.0', '', 'agent recovery'],
  ['mesos.internal.ExecutorReregisteredMessage', 'src/messages/messages.proto', 'agent', 'executor driver', '0.13.0', '', 'agent recovery'],
  ['mesos.internal.ReconnectExecutorMessage', 'src/messages/messages.proto', 'agent', 'executor driver', '0.13.0', '', 'resent until the executor re-registers'],
  ['mesos.internal.SubmitSchedulerRequest', 'src/messages/messages.proto', '(none in tree)', 'master', '0.9.0', '', 'vestigial; master replies SubmitSchedulerResponse okay=false'],
  ['mesos.internal.SubmitSchedulerResponse', 'src/messages/messages.proto', 'master', 'requester', '0.9.0', '', 'vestigial'],
  ['mesos.internal.TaskHealthStatus', 'src/messages/messages.proto', 'mesos-health-check binary', 'command/docker executor', '0.20.0', '1.0.x', 'on the wire 0.20.0-1.0.x only; 1.1.x local delivery; removed as a message in 1.2.0'],
  ['mesos.internal.HookExecuted', 'src/messages/messages.proto', 'test hook module', 'test hook module', '0.23.0', '', 'tests only'],
  ['mesos.internal.ResourceProviderCallMessage', 'src/messages/messages.proto', '(not sent)', '(not sent)', '1.4.0', '', 'defined only; resource providers use /api/v1/resource_provider'],
  ['mesos.internal.ResourceProviderEventMessage', 'src/messages/messages.proto', '(not sent)', '(not sent)', '1.4.0', '', 'defined only'],
  ['mesos.internal.AuthenticateMessage', 'include/mesos/authentication/authentication.proto', 'crammd5-authenticatee(N) (driver or agent side)', 'master', '0.15.0', '', 'pid field = UPID being authenticated; in messages.proto until 0.21.x, package always mesos.internal'],
  ['mesos.internal.AuthenticationMechanismsMessage', 'include/mesos/authentication/authentication.proto', 'crammd5-authenticator-session(N) on master', 'authenticatee', '0.15.0', '', 'mechanisms = [CRAM-MD5]'],
  ['mesos.internal.AuthenticationStartMessage', 'include/mesos/authentication/authentication.proto', 'authenticatee', 'authenticator session', '0.15.0', '', 'mechanism CRAM-MD5, data empty'],
  ['mesos.internal.AuthenticationStepMessage', 'include/mesos/authentication/authentication.proto', 'authenticator session; authenticatee', 'authenticatee; authenticator session', '0.15.0', '', 'server challenge / client response'],
  ['mesos.internal.AuthenticationCompletedMessage', 'include/mesos/authentication/authentication.proto', 'authenticator session', 'authenticatee', '0.15.0', '', 'empty body'],
  ['mesos.internal.AuthenticationFailedMessage', 'include/mesos/authentication/authentication.proto', 'authenticator session', 'authenticatee', '0.15.0', '', 'empty body'],
  ['mesos.internal.AuthenticationErrorMessage', 'include/mesos/authentication/authentication.proto', 'authenticator session or master', 'authenticatee', '0.15.0', '', 'master sends it directly when no authenticator is loaded'],
  ['mesos.internal.log.PromiseRequest', 'src/messages/log.proto', 'log coordinator/recover/catch-up (__req_res__(N))', 'log-replica(N)', '0.9.0', '', 'replicated log; masters use it for the registry since 0.19.0'],
  ['mesos.internal.log.PromiseResponse', 'src/messages/log.proto', 'log-replica(N)', 'requesting __req_res__(N)', '0.9.0', '', 'reply()'],
  ['mesos.internal.log.WriteRequest', 'src/messages/log.proto', 'log coordinator (__req_res__(N))', 'log-replica(N)', '0.9.0', '', 'append.bytes = serialized mesos.internal.state.Operation for the registrar'],
  ['mesos.internal.log.WriteResponse', 'src/messages/log.proto', 'log-replica(N)', 'requesting __req_res__(N)', '0.9.0', '', 'reply()'],
  ['mesos.internal.log.LearnedMessage', 'src/messages/log.proto', 'log-network(N)', 'log-replica(N) (all)', '0.9.0', '', 'broadcast, no reply'],
  ['mesos.internal.log.RecoverRequest', 'src/messages/log.proto', 'recovering replica (__req_res__(N))', 'log-replica(N) (all)', '0.17.0', '', 'empty body'],
  ['mesos.internal.log.RecoverResponse', 'src/messages/log.proto', 'log-replica(N)', 'requesting __req_res__(N)', '0.17.0', '', ''],
  ['mesos.internal.log.LearnRequest', 'src/messages/log.proto (until 0.16.x)', 'log coordinator', 'log-replica(N)', '0.9.0', '0.16.x', 'removed after 0.16.x'],
  ['mesos.internal.log.LearnResponse', 'src/messages/log.proto (until 0.16.x)', 'log-replica(N)', 'requester', '0.9.0', '0.16.x', 'removed after 0.16.x'],
  ['PING', '(raw string, no proto)', 'master slave-observer(N)', 'agent', '0.9.0', '0.25.x', 'sent by masters <=0.24.x; empty body <=0.20.x, serialized PingSlaveMessage 0.21.0-0.24.x; agents accept it until 0.25.x'],
  ['PONG', '(raw string, no proto)', 'agent', 'master slave-observer(N)', '0.9.0', '0.25.x', 'empty body; sent by agents <=0.25.x in reply to PING; masters accept it until 0.25.x'],
  ['mesos.internal.NewMasterDetectedMessage', 'src/messages/messages.proto (until 0.15.x)', 'master detector (in-process)', 'master; agent; scheduler driver', '0.9.0', '0.15.x', 'removed after 0.15.x; local only in practice'],
  ['mesos.internal.NoMasterDetectedMessage', 'src/messages/messages.proto (until 0.15.x)', 'master detector (in-process)', 'master; agent; scheduler driver', '0.9.0', '0.15.x', 'removed after 0.15.x; local only'],
  ['mesos.internal.GotMasterTokenMessage', 'src/messages/messages.proto (0.9.0 only)', 'master detector (in-process)', 'master', '0.9.0', '0.9.x', '0.9.0 only'],
  ['mesos.internal.HeartbeatMessage', 'src/messages/messages.proto (until 0.20.x)', '(not sent)', '(not sent)', '0.9.0', '0.20.x', 'defined until 0.20.x; unused in 0.10+'],
  ['mesos.internal.FrameworkExpiredMessage', 'src/messages/messages.proto (until 0.20.x)', '(not sent)', '(not sent)', '0.9.0', '0.20.x', 'defined until 0.20.x; unused in 0.10+'],
  ['mesos.internal.RegisterProjdMessage', 'src/messages/messages.proto (until 0.20.x)', '(not sent)', '(not sent)', '0.9.0', '0.20.x', 'defined until 0.20.x; unused'],
  ['mesos.internal.ProjdReadyMessage', 'src/messages/messages.proto (until 0.20.x)', '(not sent)', '(not sent)', '0.9.0', '0.20.x', 'defined until 0.20.x; unused'],
  ['mesos.internal.ProjdUpdateResourcesMessage', 'src/messages/messages.proto (until 0.20.x)', '(not sent)', '(not sent)', '0.9.0', '0.20.x', 'defined until 0.20.x; unused'],
];

function entryOf([wireName, protoFile, senders, receivers, sinceDetail, until, note]: CatalogRow): CatalogEntry {
  return {
    wireName,
    typeName: protoFile.startsWith('(raw') ? undefined : wireName,
    protoFile,
    senders: senders.split('; '),
    receivers: receivers.split('; '),
    since: /\d+\.\d+\.\d+/.exec(sinceDetail)?.[0] ?? sinceDetail,
    sinceDetail,
    until: until === '' ? undefined : until,
    note,
  };
}

/** Every catalog row, in the TSV's order. */
export const MESSAGE_CATALOG: readonly CatalogEntry[] = ROWS.map(entryOf);
