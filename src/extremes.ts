/**
 * The largest and smallest of many numbers. `Math.max(...values)` passes every value
 * as an argument and overflows the call stack past ~100k of them (a 15-minute run's
 * 5 ms lag ticks, a day's per-second samples): these loop instead.
 */
export function maxOf(values: ArrayLike<number>, empty = -Infinity): number {
  let max = empty;
  for (let i = 0; i < values.length; i++) if (values[i]! > max) max = values[i]!;
  return max;
}

export function minOf(values: ArrayLike<number>, empty = Infinity): number {
  let min = empty;
  for (let i = 0; i < values.length; i++) if (values[i]! < min) min = values[i]!;
  return min;
}
