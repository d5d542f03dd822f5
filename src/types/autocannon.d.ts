// autocannon ships no types for its current major; only what session-bench uses.
declare module 'autocannon' {
  export interface AutocannonRequest {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string;
    setupRequest?: (
      request: AutocannonRequest,
      context: Record<string, unknown>,
    ) => AutocannonRequest;
    onResponse?: (
      status: number,
      body: string,
      context: Record<string, unknown>,
      headers: Record<string, string | string[]>,
    ) => void;
  }

  export interface HistogramSummary {
    average: number;
    mean: number;
    stddev: number;
    min: number;
    max: number;
    total: number;
    p50: number;
    p90: number;
    p99: number;
    p99_9: number;
  }

  export interface Result {
    requests: HistogramSummary;
    latency: HistogramSummary;
    duration: number;
    errors: number;
    timeouts: number;
    non2xx: number;
    '2xx': number;
  }

  /** One connection (lib/httpClient.js); the events session-bench listens to. */
  export interface AutocannonClient {
    on(event: 'connError', listener: (error: Error) => void): this;
    on(event: 'request' | 'timeout', listener: () => void): this;
  }

  export interface Options {
    url: string | string[];
    connections?: number;
    duration?: number;
    timeout?: number;
    pipelining?: number;
    /** Sampling period, ms; autocannon also checks for its end (duration, stop()) only then. */
    sampleInt?: number;
    requests?: AutocannonRequest[];
    /** Called with each connection's client before its first request is sent. */
    setupClient?: (client: AutocannonClient) => void;
  }

  export interface Instance extends PromiseLike<Result> {
    stop(): void;
    on(event: 'done', listener: (result: Result) => void): this;
  }

  function autocannon(options: Options): Instance;
  export default autocannon;
}
