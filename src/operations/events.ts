/**
 * What a long operation tells its caller while it runs. The CLI prints these; library callers may
 * ignore them. Install adds download progress on top (InstallEvents).
 */
export interface OperationEvents {
  /** Progress lines, e.g. "fetching X from the index". */
  info?: (message: string) => void;
  warn?: (message: string) => void;
  /** Another omnipkg process holds the environment's lock; called once, with its pid. */
  onLockWait?: (pid: number | undefined) => void;
}
