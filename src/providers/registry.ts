import { RuntimeError } from '../errors.js';
import { dockerProvider } from './docker.js';
import { externalProvider } from './external.js';
import { processProvider } from './process.js';
import type { Provider, ProviderOptions } from './provider.js';
import type { ProviderName } from '../config/providerOptions.js';
import type { ServerSpec } from '../backends/serverSpec.js';

/** Providers that can start servers, in the order `auto` tries them. */
export const PROVIDERS: Provider[] = [dockerProvider, processProvider, externalProvider];

export interface ProviderChoice {
  provider: Provider;
  /** Why this one, and why the ones before it were skipped. */
  why: string;
}

/** Picks the provider for a spec; `auto` takes the first available and says what it skipped. */
export async function chooseProvider(
  wanted: ProviderName,
  spec: ServerSpec,
  options?: ProviderOptions,
): Promise<ProviderChoice> {
  const candidates = wanted === 'auto' ? PROVIDERS : PROVIDERS.filter((p) => p.name === wanted);
  const skipped: string[] = [];
  for (const provider of candidates) {
    const check = await provider.check(spec, options);
    if (check.available) {
      const why = skipped.length ? `${check.reason}; skipped ${skipped.join('; ')}` : check.reason;
      return { provider, why };
    }
    skipped.push(`${provider.name}: ${check.reason}`);
  }
  const tried = skipped.length ? skipped.join('; ') : `no provider named ${wanted} is built in yet`;
  throw new RuntimeError(`cannot start ${spec.variant}: ${tried}`);
}
