import { SkippedFault } from '../lifecycle/faultTarget.js';
import type { NetworkLink } from './faultProxy.js';
import type { Toxic } from './toxics.js';

/** A node's own switch that cuts it from its peers (`NodeIsolation` of its topology). */
export interface IsolationSwitch {
  /** How it cuts, in one line: "Galera's gmcast.isolate". */
  how: string;
  isolate(): Promise<void>;
  rejoin(): Promise<void>;
}

/**
 * A node's link to its peers where no proxy can stand between them: `partition` and
 * `down` cut the node by its own switch (every peer connection closed, new ones
 * refused) and `clear` lets it rejoin. What the switch cannot do (hold bytes, slow
 * them, reset the connections) is skipped with the reason, not faked.
 */
export function isolationLink(name: string, endpoint: string, sw: IsolationSwitch): NetworkLink {
  const cannot = (what: string) =>
    new SkippedFault(
      `${what} between ${name} and its peers: they are cut only by ${sw.how}, which closes their connections and refuses new ones (partition and down)`,
    );
  return {
    name,
    endpoint,
    async set(toxic: Toxic) {
      if (toxic.kind !== 'partition' && toxic.kind !== 'down') throw cannot(`no ${toxic.kind}`);
      await sw.isolate();
    },
    // Always rejoins, even with no isolate on record: an isolate that timed out may
    // still have been applied, and rejoining a node that is not cut changes nothing.
    clear: () => sw.rejoin(),
    reset: () => Promise.reject(cannot('no reset')),
    retarget: () => Promise.reject(new Error(`${name}: an isolation link has no upstream to move`)),
  };
}
