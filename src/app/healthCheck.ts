import http from 'node:http';

/**
 * One GET /health of the contract: resolves on a 200, rejects with what it got
 * otherwise. Its own agent-less request, so a probe never holds a socket afterwards.
 */
export function checkHealth(baseUrl: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.get(new URL('/health', baseUrl), { agent: false }, (res) => {
      res.resume();
      res.on('end', () =>
        res.statusCode === 200
          ? resolve()
          : reject(new Error(`GET /health answered ${res.statusCode}`)),
      );
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () =>
      req.destroy(new Error(`GET /health: no answer within ${timeoutMs} ms`)),
    );
    req.on('error', reject);
  });
}
