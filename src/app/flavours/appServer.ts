import type { RequestListener } from 'node:http';

/** What a flavour gives the app's main: the request listener, and how to close its store. */
export interface AppServer {
  listener: RequestListener;
  close(): Promise<void>;
}
