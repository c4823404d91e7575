/**
 * Exit codes of the mesos-wire CLI (documented in README.md).
 * 0: everything decoded / done; 1: the input had errors (all decodable records
 * were still printed); 2: usage error; 3: I/O error (file missing, peer
 * unreachable); 70: internal error (a bug).
 */
export const EXIT = {
  OK: 0,
  INPUT_ERRORS: 1,
  USAGE: 2,
  IO: 3,
  INTERNAL: 70,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
