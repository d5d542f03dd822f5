import type { ChildProcess } from 'node:child_process';
import { RuntimeError } from '../errors.js';

/** A command union as the parent sends it: IpcRequests adds the id to each. */
export type WithoutId<C> = C extends unknown ? Omit<C, 'id'> : never;

/** Every reply carries the id of the request it answers, and whether it worked. */
export type IpcReply = { id: number } & ({ ok: true } | { ok: false; error: string });

/**
 * Requests to a child process over its IPC channel, each answered by one reply with
 * the same id: a reply that does not come in time, a child that exits, or a send that
 * fails rejects the request instead of leaving it waiting.
 */
export class IpcRequests<Command extends { type: string }, Reply extends IpcReply> {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    (reply: Reply | { id: number; ok: false; error: string }) => void
  >();

  constructor(
    private readonly child: ChildProcess,
    /** "the fault proxy": names the child in errors. */
    private readonly label: string,
    private readonly defaultTimeoutMs: number,
  ) {
    child.on('message', (reply: Reply) => {
      this.pending.get(reply.id)?.(reply);
      this.pending.delete(reply.id);
    });
    // A failed send (the child just died) is answered by the exit below; it must not
    // become an uncaught 'error' that ends session-bench.
    child.on('error', () => undefined);
    child.on('exit', (code, signal) => {
      const error = `${label} exited (${signal ?? `code ${code}`})`;
      for (const [id, answer] of this.pending) answer({ id, ok: false, error });
      this.pending.clear();
    });
  }

  /** The child is there to ask (its channel is open). */
  get open(): boolean {
    return this.child.connected;
  }

  send(command: Command, timeoutMs = this.defaultTimeoutMs): Promise<Reply & { ok: true }> {
    const id = this.nextId++;
    const { label } = this;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new RuntimeError(`${label} did not answer ${command.type} in ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, (reply) => {
        clearTimeout(timer);
        if (reply.ok) resolve(reply as Reply & { ok: true });
        else reject(new RuntimeError(`${label} ${command.type}: ${reply.error}`));
      });
      if (!this.child.connected) {
        this.pending.delete(id);
        clearTimeout(timer);
        return reject(new RuntimeError(`${label} is not running`));
      }
      this.child.send({ id, ...command }, (error) => {
        if (!error || !this.pending.delete(id)) return;
        clearTimeout(timer);
        reject(new RuntimeError(`${label} did not take ${command.type}: ${error.message}`));
      });
    });
  }
}

/** The child's side: answers each request with the handler's reply (or its error). */
export function answerRequests<Command extends { id: number; type: string }>(
  handle: (command: Command) => Promise<object>,
): void {
  process.on('message', (command: Command) => {
    handle(command).then(
      (reply) => process.send?.({ id: command.id, ok: true, ...reply }),
      (error: unknown) =>
        process.send?.({
          id: command.id,
          ok: false,
          error: error instanceof Error ? error.message : String(error),
        }),
    );
  });
}
