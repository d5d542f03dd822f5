import os from 'node:os';
import { readProcess } from '../processLeftovers.js';

/** Every container, volume and network a run creates carries this label; `clean` removes by it. */
export const RUN_ID_LABEL = 'session-bench.run-id';
/** host:pid:startTime of the session-bench process that owns it (clean spares live runs). */
export const OWNER_LABEL = 'session-bench.owner';

/** "host:pid:startTime" of this session-bench process, the value of OWNER_LABEL. */
export function ownerLabel(): string {
  const startTime = readProcess(process.pid).startTime;
  return `${os.hostname()}:${process.pid}:${startTime ?? ''}`;
}
