// The curated public surface of mesos-wire. Each layer also has its own subpath
// export (mesos-wire/http, mesos-wire/recordio, ...); see package.json.
export type { ErrorCode, ErrorContext } from './errors.ts';
export { ERROR_CODES, isMesosWireError, MesosWireError } from './errors.ts';
