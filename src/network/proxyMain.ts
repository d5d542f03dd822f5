/**
 * Entry point of the fault proxy child process: one ProxyLink per node, driven by
 * ProxyCommand messages on the IPC channel. It shares no event loop with the load
 * generator, and exits when its parent goes away (even by SIGKILL: the channel closes).
 */
import { answerRequests } from '../lifecycle/ipcChild.js';
import { LinkHost } from './linkHost.js';
import type { ProxyCommand } from './toxics.js';

const links = new LinkHost();
answerRequests((command: ProxyCommand) => links.handle(command));

process.on('disconnect', () => process.exit(0));
// Ctrl-C reaches the whole process group; the runner stops the proxy in its cleanup
// order (SIGTERM), after the load: dying first would read as an unplanned death.
process.on('SIGINT', () => undefined);
process.once('SIGTERM', () => {
  void links.close().finally(() => process.exit(0));
});
