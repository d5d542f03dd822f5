import type { Chart as ChartClass } from 'chart.js';
import type {} from 'chartjs-plugin-annotation';

declare global {
  /** Chart.js's UMD build, inlined before the client script; the annotation plugin registers itself on it. */
  const Chart: typeof ChartClass;
}
