import { InvalidRequestError } from './problems.js';

/**
 * X's checks and messages for query parameters (the same wording X uses on its v2 lookups, also for
 * path parameters, which X calls query parameters too).
 */
export type Query = Record<string, string | string[] | undefined>;

/** Refuses parameters the endpoint does not know and parameters given twice. */
export function checkQueryNames(query: Query, allowed: readonly string[]): void {
  for (const name in query) {
    const value = query[name];
    if (!allowed.includes(name)) {
      throw InvalidRequestError.of(name, [String(value)], `The query parameter [${name}] is not one of [${allowed.join(',')}]`);
    }
    if (Array.isArray(value)) {
      throw InvalidRequestError.of(name, value, `Duplicate parameters are not allowed: the \`${name}\` query parameter`);
    }
  }
}

/**
 * A comma-separated list parameter, each value checked against `allowed`; undefined when absent. The sets of
 * valid lists are kept (per list of allowed values, a few hundred at most): clients ask for the same fields
 * on every request. Callers must not change the set they get.
 */
export function parseFieldList(query: Query, name: string, allowed: readonly string[]): ReadonlySet<string> | undefined {
  const raw = query[name];
  if (raw === undefined) return undefined;
  let known = validLists.get(allowed);
  if (known === undefined) validLists.set(allowed, (known = new Map()));
  const text = String(raw);
  const hit = known.get(text);
  if (hit !== undefined) return hit;
  const values = text.split(',');
  for (const value of values) {
    if (!allowed.includes(value)) {
      throw InvalidRequestError.of(name, [text], `The \`${name}\` query parameter value [${value}] is not one of [${allowed.join(',')}]`);
    }
  }
  const set = new Set(values);
  if (known.size >= 256) known.delete(known.keys().next().value as string);
  known.set(text, set);
  return set;
}

const validLists = new WeakMap<readonly string[], Map<string, ReadonlySet<string>>>();

export function requiredList(query: Query, name: string, max: number): string[] {
  const raw = query[name];
  if (raw === undefined || raw === '') {
    throw InvalidRequestError.of(name, [], `The \`${name}\` query parameter can not be empty`);
  }
  const values = String(raw).split(',');
  if (values.length > max) {
    throw InvalidRequestError.of(
      name,
      [String(raw)],
      `The number of values in the \`${name}\` query parameter list [${values.length}] is not between 1 and ${max}`,
    );
  }
  return values;
}

export function patternMismatch(name: string, value: string, pattern: string): InvalidRequestError {
  return InvalidRequestError.of(name, [value], `The \`${name}\` query parameter value [${value}] does not match ${pattern}`);
}
