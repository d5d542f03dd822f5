import { UsageError } from '../errors.js';
import { FAULT_ACTIONS, FAULT_TARGET_HELP, type FaultInput } from './schema.js';

const FAULT_SPEC = /^([a-z]+):([a-z0-9]+)@([^:]+)(?::(.+))?$/;

export const FAULT_SPEC_HELP =
  '<action>:<target>@<at>[:<duration>], e.g. kill:app@3s or pause:app@4s:1s ' +
  `(actions: ${FAULT_ACTIONS.join(', ')}; targets: ${FAULT_TARGET_HELP})`;

/**
 * Turns `--fault pause:app@4s:1s` into the same shape a scenario file uses, so
 * one schema validates both. Only the outer syntax is checked here.
 */
export function parseFaultSpec(spec: string): FaultInput {
  const match = FAULT_SPEC.exec(spec.trim());
  if (!match) {
    throw new UsageError(
      `--fault ${JSON.stringify(spec)} is malformed: expected ${FAULT_SPEC_HELP}`,
    );
  }
  const [, action, target, at, duration] = match as unknown as [
    string,
    string,
    string,
    string,
    string?,
  ];
  const fault: Record<string, string> = { action, target, at };
  if (duration !== undefined) fault.duration = duration;
  return fault as unknown as FaultInput;
}
