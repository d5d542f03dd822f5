// A web app that follows session-bench's app contract (README "Your own app"), with
// node:http only and the sessions in this process's memory. Run it yourself
// (PORT=3000 node server.mjs) and give --app-url, or let session-bench start it:
//   session-bench run --backends memory --app-url http://127.0.0.1:3000 \
//     --app-command 'node examples/own-app/server.mjs' --fault kill:app@10s
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import process from 'node:process';
import { URL } from 'node:url';

const sessions = new Map(); // session id -> { u: user id, c: counter }
// cookie: a session id sets it, '' clears it, undefined leaves it alone.
const send = (res, status, body, cookie) => {
  const headers = { 'content-type': 'application/json' };
  if (cookie !== undefined)
    headers['set-cookie'] = `sid=${cookie}; Path=/; HttpOnly${cookie ? '' : '; Max-Age=0'}`;
  res.writeHead(status, headers).end(JSON.stringify(body));
};
const server = createServer((req, res) => {
  req.resume();
  const url = new URL(req.url, 'http://app');
  const sid = /(?:^|;\s*)sid=([0-9a-f]{32})/.exec(req.headers.cookie ?? '')?.[1];
  const session = sid && sessions.get(sid);
  const route = `${req.method} ${url.pathname}`;
  if (route === 'GET /health') return send(res, 200, { ok: true });
  if (route === 'POST /login') {
    const u = Number(url.searchParams.get('u') || NaN); // a missing or empty id is no user 0
    if (!Number.isSafeInteger(u) || u < 0) return send(res, 400, { error: 'bad user id' });
    const id = randomBytes(16).toString('hex');
    sessions.set(id, { u, c: 0 });
    return send(res, 200, { u, c: 0 }, id);
  }
  if (!['GET /page', 'POST /update', 'POST /logout'].includes(route)) return send(res, 404, {});
  if (!session) return send(res, 401, { error: 'not logged in' });
  if (route === 'POST /update') session.c += 1;
  if (route === 'POST /logout') sessions.delete(sid);
  send(res, 200, session, route === 'POST /logout' ? '' : undefined);
});
server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1');
process.on('SIGTERM', () => {
  server.close(() => process.exit(0)); // answers in flight are sent, then it exits
  server.closeIdleConnections();
});
