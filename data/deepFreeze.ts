/**
 * Deep immutability for fitted models: a model hands out its matrices and lists, and a caller that
 * writes into one must not change the model behind it.
 */

/**
 * Freeze a value and everything reachable from it (plain objects and arrays), in place.
 * Typed arrays cannot be frozen by JavaScript; they are left as they are, so models must keep
 * their numbers in plain arrays or hand out copies of typed arrays.
 *
 * @param value any value; primitives are returned unchanged
 * @returns the same value, frozen in depth
 */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value) || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const key of Object.keys(value as object)) deepFreeze((value as Record<string, unknown>)[key]);
  return value;
}
