import { UsageError } from '../errors.js';

/**
 * The web app under test: `builtin` (session-bench's own app and stores), or real
 * session middleware with the store package people use for each backend.
 */
export const APP_FLAVOURS = ['builtin', 'express', 'express:recommended', 'fastify'] as const;
export type AppFlavour = (typeof APP_FLAVOURS)[number];

export const APP_FLAVOUR_HELP =
  'builtin (ours, the default), express (express-session with its own defaults), ' +
  'express:recommended (resave: false, saveUninitialized: false, as its README says), ' +
  'fastify (@fastify/session with its own defaults)';

/** Middleware option values as written (`resave=false`): kept as text in the plan and result. */
export type AppOptions = Record<string, string>;

const OPTION_KEY = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/;

/** `--app-option key=value` (repeatable) into options; a bad one is a usage error naming it. */
export function parseAppOptions(specs: readonly string[]): AppOptions {
  const options: AppOptions = {};
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    const key = eq < 0 ? '' : spec.slice(0, eq).trim();
    if (!OPTION_KEY.test(key)) {
      throw new UsageError(
        `--app-option ${JSON.stringify(spec)}: expected key=value, e.g. resave=false or cookie.maxAge=60000`,
      );
    }
    options[key] = spec.slice(eq + 1);
  }
  return options;
}

/** A scenario's `app.options` value (YAML may give true or 60000) as the text a flag would carry. */
export function optionText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * The options object handed to the middleware: each value parsed as JSON where it
 * parses (false, 60000, null, {"a":1}), else kept as the string; dotted keys nest
 * (`cookie.maxAge=60000` is `{ cookie: { maxAge: 60000 } }`).
 */
export function middlewareOptions(options: AppOptions): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, text] of Object.entries(options)) {
    const path = key.split('.');
    let place = result;
    for (const part of path.slice(0, -1)) {
      const next = place[part];
      place = (next !== null && typeof next === 'object' ? next : (place[part] = {})) as Record<
        string,
        unknown
      >;
    }
    place[path[path.length - 1]!] = jsonOrText(text);
  }
  return result;
}

function jsonOrText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
