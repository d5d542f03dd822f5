import type { NodePlacement } from '../../src/backends/serverSpec.js';

/** Node `index` of a mysql:galera spec as a provider would place it (gcomm, IST, SST ports). */
export const galeraPlacement = (index: number): NodePlacement => ({
  index,
  port: 3306,
  dataDir: `/d${index}`,
  runDir: `/r${index}`,
  extraPorts: [4567 + index * 10, 4568 + index * 10, 4444 + index * 10],
});
