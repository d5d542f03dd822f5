import type { Readable } from 'node:stream';

/** Keeps the last lines a child process printed, for error messages. */
export class LogTail {
  private readonly lines: string[] = [];
  private partial = '';

  constructor(private readonly keep = 40) {}

  follow(stream: Readable | null, onLine?: (line: string) => void): void {
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      const parts = (this.partial + chunk).split('\n');
      this.partial = parts.pop() ?? '';
      for (const line of parts) {
        this.push(line);
        onLine?.(line);
      }
    });
  }

  push(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.keep) this.lines.shift();
  }

  tail(): string[] {
    return this.partial ? [...this.lines, this.partial] : [...this.lines];
  }
}
