import { InvalidRequestError } from './problems.js';

/**
 * X's checks and messages for query parameters (the same wording X uses on its v2 lookups, also for
 * path parameters, which X calls query parameters too).
 */
export type Query = Record<string, string | string[] | undefined>;

/** Refuses parameters the endpoint does not know and parameters given twice. */
export function checkQueryNames(query: Query, allowed: readonly string[]): void {
  for (const [name, value] of Object.entries(query)) {
    if (!allowed.includes(name)) {
      throw InvalidRequestError.of(name, [String(value)], `The query parameter [${name}] is not one of [${allowed.join(',')}]`);
    }
    if (Array.isArray(value)) {
      throw InvalidRequestError.of(name, value, `Duplicate parameters are not allowed: the \`${name}\` query parameter`);
    }
  }
}

/** A comma-separated list parameter, each value checked against `allowed`; undefined when absent. */
export function parseFieldList(query: Query, name: string, allowed: readonly string[]): Set<string> | undefined {
  const raw = query[name];
  if (raw === undefined) return undefined;
  const values = String(raw).split(',');
  for (const value of values) {
    if (!allowed.includes(value)) {
      throw InvalidRequestError.of(name, [String(raw)], `The \`${name}\` query parameter value [${value}] is not one of [${allowed.join(',')}]`);
    }
  }
  return new Set(values);
}

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
