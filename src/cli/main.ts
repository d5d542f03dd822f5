#!/usr/bin/env node
import { EXIT, exitCodeFor } from './exitCodes.js';
import { interrupts } from './interrupt.js';

// Listening first, loading the rest after: ES modules are all loaded before any runs,
// so a static import of the program would leave the first ~0.5 s to Node's default
// (exit 143 / 129, no result, the temp folder left behind).
interrupts.listen();
try {
  const { buildProgram } = await import('./program.js');
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  const { code, message } = exitCodeFor(error);
  if (message) process.stderr.write(`${message}\n`);
  process.exitCode = code;
}
if (interrupts.signal.aborted) {
  process.exitCode = EXIT.interrupted;
  // Everything is stopped and written: a stray socket or timer must not delay the exit.
  setTimeout(() => process.exit(), 200).unref();
}
