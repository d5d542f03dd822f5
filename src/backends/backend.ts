import type { GaleraSstChoice } from '../config/schema.js';
import type { ServerSpec } from './serverSpec.js';

export interface VariantInfo {
  /** As written on the command line: "disk:fsync". */
  id: string;
  description: string;
}

/** A kind of session storage, as the runner sees it (the app only sees its store module). */
export interface Backend {
  name: string;
  variants: VariantInfo[];
  /** embedded: nothing to start. server: a provider starts nodes first. */
  kind: 'embedded' | 'server';
  /** Module loaded by the app; its default export is a CreateStore. */
  storeModule: URL;
  /** Server backends: what to start for a variant (any provider runs it). */
  serverSpec?(variant: string, options: ServerSpecOptions): ServerSpec;
}

/** What a plan asks of a server backend's topology. */
export interface ServerSpecOptions {
  /** --nodes: independent nodes of a pooled backend. */
  nodes: number;
  /** Detection timings of replicated topologies; absent fields: the backend's defaults. */
  failover?: {
    sentinelDownAfterMs?: number;
    sentinelFailoverTimeoutMs?: number;
    clusterNodeTimeoutMs?: number;
    /** mysql:replica / mysql:semisync: the orchestrator's detection window. */
    mysqlDetectionMs?: number;
    /** mysql:semisync: rpl_semi_sync_master_timeout. */
    semiSyncTimeoutMs?: number;
  };
  /** mysql:galera: the state transfer method; absent: auto. */
  galeraSst?: GaleraSstChoice;
}

/** Splits "redis:aof-always" into its backend name and variant id. */
export function backendNameOf(variant: string): string {
  return variant.split(':')[0] ?? variant;
}

/** Splits a node's endpoint "127.0.0.1:6379" into host and port. */
export function hostPort(endpoint: string): { host: string; port: number } {
  const colon = endpoint.lastIndexOf(':');
  return { host: endpoint.slice(0, colon), port: Number(endpoint.slice(colon + 1)) };
}
