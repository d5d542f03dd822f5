/**
 * Entry point of the app child process. The runner starts it with the config in
 * SESSION_BENCH_APP_CONFIG, waits for READY_LINE on stdout, and sends SIGTERM for a
 * graceful stop (finish requests in flight, close the store).
 */
import { createServer } from 'node:http';
import { answerRequests } from '../lifecycle/ipcChild.js';
import { LinkHost } from '../network/linkHost.js';
import type { ProxyCommand } from '../network/toxics.js';
import { APP_CONFIG_ENV, READY_LINE, type AppConfig } from './appConfig.js';
import type { AppServer } from './flavours/appServer.js';

const config = JSON.parse(process.env[APP_CONFIG_ENV] ?? 'null') as AppConfig | null;
if (!config)
  throw new Error(`${APP_CONFIG_ENV} is not set: this process is started by session-bench`);

/** The flavour's module is loaded only when it runs: builtin never loads express or fastify. */
async function startFlavour(config: AppConfig): Promise<AppServer> {
  switch (config.flavour ?? 'builtin') {
    case 'builtin':
      return (await import('./flavours/builtin.js')).builtinApp(config);
    case 'express':
    case 'express:recommended':
      return (await import('./flavours/express.js')).expressApp(config);
    case 'fastify':
      return (await import('./flavours/fastify.js')).fastifyApp(config);
  }
}

// The fault proxy's links, when they run here: answering the runner at once (a fault
// command waits for them to listen), listening before the store connects through them.
if (config.proxyLinks) {
  const links = new LinkHost();
  answerRequests((command: ProxyCommand) => links.handle(command));
  await links.handle({ id: 0, type: 'start', links: config.proxyLinks });
}

const app = await startFlavour(config);
const server = createServer({ keepAliveTimeout: 30_000 }, app.listener);

server.listen(config.port, '127.0.0.1', () => {
  process.stdout.write(
    `${READY_LINE} ${JSON.stringify({ pid: process.pid, port: config.port })}\n`,
  );
});

// Started with an IPC channel: when session-bench goes away (even by SIGKILL), so does the app.
process.on('disconnect', () => process.exit(1));

// Graceful stop, as a web server does it on a deploy: no new connections, answers in
// flight are sent (with Connection: close), keep-alive sockets are closed as soon as
// they go idle, then the store is closed.
process.once('SIGTERM', () => {
  server.on('request', (_req, res) => res.setHeader('connection', 'close'));
  server.close(() => {
    void app.close().finally(() => process.exit(0));
  });
  server.closeIdleConnections();
  setInterval(() => server.closeIdleConnections(), 50).unref();
  setTimeout(() => server.closeAllConnections(), 5_000).unref();
});
