import type { Request, RequestHandler, Response } from 'express';

/** The session calls the routes need, whatever middleware keeps the session. */
export interface SessionLayer {
  middleware: RequestHandler;
  data(req: Request): { u?: number; c?: number; payload?: string } | undefined;
  /** A fresh session on login (a fixation-safe new id when one was loaded). */
  start(req: Request): Promise<void>;
  /** Written to the store now, so a failed write answers 503 instead of 200. */
  save(req: Request): Promise<void>;
  destroy(req: Request, res: Response): Promise<void>;
  close(): Promise<void>;
}
