/**
 * The user's own app (`--app-url`, `--app-command`): where it listens, checked by its
 * shape alone. The network rule holds for it too: every connection goes to this
 * machine's loopback, so only http://127.0.0.1, http://[::1] or http://localhost
 * with an explicit port are accepted.
 */

export const APP_URL_FORMS =
  'http://127.0.0.1:<port>, http://[::1]:<port> or http://localhost:<port>';

const LOOPBACK_HOSTS = ['127.0.0.1', '[::1]', 'localhost'];

export interface AppUrl {
  /** Scheme, host and port, no trailing slash: the base every request path goes on. */
  url: string;
  port: number;
}

/** The URL, normalised, or why it is refused (a sentence for "<field>: <problem>, got <value>"). */
export function readAppUrl(value: unknown): AppUrl | { problem: string } {
  const refuse = (why: string) => ({ problem: `${why}; allowed: ${APP_URL_FORMS}` });
  if (typeof value !== 'string' || value.trim() === '') return refuse('expected a URL');
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    return refuse('not a URL');
  }
  if (parsed.protocol !== 'http:') return refuse(`scheme ${parsed.protocol}// is not http://`);
  if (!LOOPBACK_HOSTS.includes(parsed.hostname)) {
    return refuse(`${parsed.hostname} is not this machine's loopback (the network rule)`);
  }
  if (parsed.username || parsed.password) return refuse('takes no credentials');
  // new URL() drops a default port (:80); the port must be written, so it is read from the text.
  const written = /^http:\/\/(?:\[[^\]]*\]|[^:/?#]*):(\d+)(?:[/?#]|$)/i.exec(value.trim());
  const port = written ? Number(written[1]) : NaN;
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    return refuse('needs a port from 1 to 65535');
  }
  if ((parsed.pathname !== '/' && parsed.pathname !== '') || parsed.search || parsed.hash) {
    return refuse('takes no path, query or fragment (the endpoints are /login, /page, ...)');
  }
  return { url: `http://${parsed.hostname}:${port}`, port };
}

/**
 * How `app.flavour`, `app.url` and `app.command` may be combined, as written (before
 * defaults): the user's app is the flavour `external`, so no other flavour goes with
 * it, and session-bench can only start an app it knows the address of.
 */
export function appChoiceProblems(app: {
  flavour?: unknown;
  url?: unknown;
  command?: unknown;
}): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  if (app.url !== undefined && app.flavour !== undefined && app.flavour !== 'external') {
    problems.push({
      field: 'app.flavour',
      message:
        `flavour ${String(app.flavour)} and app.url (--app-url) both given: --app-url drives ` +
        'your own app (flavour external), --app one of ours; drop one',
    });
  }
  if (app.command !== undefined && app.url === undefined) {
    problems.push({
      field: 'app.command',
      message: 'needs app.url (--app-url): where the app will listen (its port is passed as PORT)',
    });
  }
  return problems;
}
