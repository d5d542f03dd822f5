#!/usr/bin/env node
import { buildProgram } from './program.js';
import { exitCodeFor } from './exitCodes.js';

try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  const { code, message } = exitCodeFor(error);
  if (message) process.stderr.write(`${message}\n`);
  process.exitCode = code;
}
