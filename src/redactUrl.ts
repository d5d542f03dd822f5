/** Userinfo of a URL with a password: scheme://user:password@ (no / ? # @ or space inside). */
const CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:@/?#]*):[^\s@/?#]*@/gi;

/**
 * Replaces the password of every URL in `text` with ***: `mysql://root:secret@h:3306`
 * becomes `mysql://root:***@h:3306`. Works on a bare URL and on a message quoting
 * one, so results, reports and errors can all pass through it.
 */
export function redactUrl(text: string): string {
  return text.replace(CREDENTIALS, '$1:***@');
}
