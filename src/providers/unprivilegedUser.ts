import { readFileSync } from 'node:fs';
import { RuntimeError } from '../errors.js';

/** A local account a server runs as when session-bench is root. */
export interface Account {
  name: string;
  uid: number;
  gid: number;
}

/** Used when the spec's own user (e.g. postgres) does not exist here. */
export const FALLBACK_USER = 'nobody';

/** The account named `name` in /etc/passwd-formatted text, if any. */
export function accountIn(passwd: string, name: string): Account | undefined {
  for (const line of passwd.split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === name && uid !== undefined && gid !== undefined) {
      return { name, uid: Number(uid), gid: Number(gid) };
    }
  }
  return undefined;
}

/**
 * The account a root-refusing server runs as: its own user where it exists, else
 * nobody; a RuntimeError saying why when neither can be used.
 */
export function serverAccount(
  server: string,
  wanted: string,
  setpriv: string | undefined,
  passwd = readPasswd(),
): Account {
  const why = `${server} refuses to run as root, and session-bench runs as root`;
  if (!setpriv) {
    throw new RuntimeError(
      `${why}: it needs setpriv (util-linux) to run ${server} as user ${wanted}; ` +
        'install util-linux, or run session-bench as an unprivileged user',
    );
  }
  const account = accountIn(passwd, wanted) ?? accountIn(passwd, FALLBACK_USER);
  if (!account || account.uid === 0) {
    throw new RuntimeError(
      `${why}: neither user ${wanted} nor ${FALLBACK_USER} exists to run it as; ` +
        `create one (e.g. useradd --system ${wanted}) or run session-bench as an unprivileged user`,
    );
  }
  return account;
}

/** setpriv's options that switch to the account (no supplementary groups). */
export function userSwitchArgs(account: Account): string[] {
  return ['--reuid', String(account.uid), '--regid', String(account.gid), '--clear-groups'];
}

function readPasswd(): string {
  try {
    return readFileSync('/etc/passwd', 'utf8');
  } catch {
    return '';
  }
}
