import fc from 'fast-check';

/**
 * JSON Schema → fast-check arbitraries, for the keywords our TypeBox route schemas (src/wire) and X's request
 * schemas (../shared/x-spec) use: type, properties, required, additionalProperties, items, minItems,
 * maxItems, minLength, maxLength, pattern, enum, const, anyOf, oneOf, minimum, maximum, local $ref; OpenAPI's
 * annotations (format, example, description, default, discriminator) are ignored.
 *
 * Written here rather than taken from npm: the one package that does this, json-schema-fast-check (0.0.6),
 * was last published in 2019 against fast-check 1.x and pulls in faker 4 and io-ts; zod-fast-check and
 * fast-check-io-ts read other schema languages. The subset is small, and knowing where the boundaries are
 * (maxLength exactly, maxLength + 1, astral characters counted as one code point) is the point of the tests.
 */
export type Schema = Record<string, unknown>;

export interface SchemaOptions {
  /** Resolves a `$ref` (X's documents use `#/components/schemas/Name`). */
  readonly resolve?: (ref: string) => Schema;
  /** Arbitraries to use at given paths instead of the schema's (e.g. a media id that exists): 'metadata.id'. */
  readonly overrides?: Readonly<Record<string, fc.Arbitrary<unknown>>>;
  /** Chance that an optional property is present, 0..1 (default 0.5). */
  readonly optionalRate?: number;
}

/** Strings that stress a server: astral characters (2 UTF-16 units, 1 code point), controls, RTL, NUL, BOM. */
export const nastyChar = fc.constantFrom(
  '\u0000', '\u0001', '\u001f', '\u007f', '\u0085', '\u00a0', '\u200b', '\u200e', '\u202e', '\u2028', '\u2029',
  '\ufeff', '\ufffd', '\uffff', '😀', '𝕏', '\u{10ffff}', '👩‍👩‍👧', 'é', 'e\u0301', '\n', '\r', '\t', '"', '\\', '/', '%', '<', '&',
);

/** Any string, often with characters from `nastyChar`; lone surrogates included when `lone` is set. */
export function nastyString(options: { minLength?: number; maxLength?: number; lone?: boolean } = {}): fc.Arbitrary<string> {
  const unit = options.lone ? fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) : fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 });
  return fc
    .array(fc.oneof({ weight: 3, arbitrary: unit }, { weight: 2, arbitrary: nastyChar }, { weight: 1, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 4 }) }), {
      minLength: options.minLength ?? 0,
      maxLength: options.maxLength ?? 12,
    })
    .map((parts) => parts.join(''));
}

/** A string of exactly `length` code points, astral ones mixed in (the limits are counted in code points). */
export function codePointString(length: number): fc.Arbitrary<string> {
  if (length === 0) return fc.constant('');
  return fc.tuple(fc.constantFrom('a', 'é', '😀', '\n', '𝕏', ' '), fc.constantFrom('b', '😀', '\u0000')).map(([fill, last]) =>
    fill.repeat(length - 1) + last,
  );
}

function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** Numbers JSON can carry, weighted towards the awkward ones. */
export const awkwardNumber = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.constantFrom(0, -0, 1e308, -1e308, 5e-324, 2 ** 53, 2 ** 53 + 2, -(2 ** 63), 2 ** 64, 17_179_869_184, 17_179_869_185, 0.5, -1),
);

export function typeOf(schema: Schema): string | undefined {
  return typeof schema.type === 'string' ? schema.type : undefined;
}

/** An arbitrary of values valid for `schema` (with the overrides in place). */
export function valid(schema: Schema, options: SchemaOptions = {}, path = ''): fc.Arbitrary<unknown> {
  const override = options.overrides?.[path];
  if (override) return override;
  if (typeof schema.$ref === 'string') {
    if (!options.resolve) throw new Error(`no resolver for ${schema.$ref}`);
    return valid(options.resolve(schema.$ref), options, path);
  }
  if ('const' in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  const branches = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (branches) return fc.oneof(...branches.map((b) => valid({ ...schemaWithout(schema, ['anyOf', 'oneOf']), ...b }, options, path)));
  switch (typeOf(schema)) {
    case 'string':
      return validString(schema);
    case 'integer':
      return validInteger(schema);
    case 'number':
      return validNumber(schema);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const items = (schema.items ?? {}) as Schema;
      const minLength = (schema.minItems as number | undefined) ?? 0;
      const maxLength = Math.min((schema.maxItems as number | undefined) ?? minLength + 4, minLength + 30);
      const item = valid(items, options, `${path}[]`);
      // Mostly short lists (each item costs a request time), and now and then one of exactly the limit.
      return fc.oneof(
        { weight: 6, arbitrary: fc.array(item, { minLength, maxLength: Math.min(maxLength, minLength + 3) }) },
        { weight: 1, arbitrary: fc.array(item, { minLength: maxLength, maxLength }) },
      );
    }
    case 'object':
      return validObject(schema, options, path);
    default:
      // No type: any JSON value (X writes `{}` for "anything").
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function schemaWithout(schema: Schema, keys: string[]): Schema {
  const copy = { ...schema };
  for (const key of keys) delete copy[key];
  return copy;
}

function validString(schema: Schema): fc.Arbitrary<string> {
  const minLength = (schema.minLength as number | undefined) ?? 0;
  const maxLength = schema.maxLength as number | undefined;
  if (typeof schema.pattern === 'string') {
    const pattern = new RegExp(schema.pattern, 'u');
    // X's `^.{0,1000}$` is a length limit spelled as a pattern: stringMatching would build 1000-character strings.
    const lengthOnly = /^\^\.\{(\d+),(\d+)\}\$$/.exec(schema.pattern);
    const base = lengthOnly
      ? fc.oneof(nastyString({ maxLength: 20 }), codePointString(Number(lengthOnly[2]))).filter((s) => pattern.test(s))
      : fc.stringMatching(pattern);
    return base.filter((s) => codePoints(s) >= minLength && (maxLength === undefined || codePoints(s) <= maxLength));
  }
  const arbitraries = [nastyString({ minLength, maxLength: Math.min(maxLength ?? 20, 20) }).filter((s) => codePoints(s) >= minLength && (maxLength === undefined || codePoints(s) <= maxLength))];
  // The boundaries: exactly the limit, in code points with astral characters in it.
  if (maxLength !== undefined) arbitraries.push(codePointString(maxLength));
  if (minLength > 0) arbitraries.push(codePointString(minLength));
  return fc.oneof(...arbitraries);
}

function validInteger(schema: Schema): fc.Arbitrary<number> {
  const min = schema.minimum as number | undefined;
  const max = schema.maximum as number | undefined;
  const safeMin = Math.max(min ?? Number.MIN_SAFE_INTEGER, Number.MIN_SAFE_INTEGER);
  const safeMax = Math.min(max ?? Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  const bounds = [min, max].filter((v): v is number => v !== undefined);
  return fc.oneof(fc.integer({ min: Math.max(safeMin, -(2 ** 31)), max: Math.min(safeMax, 2 ** 31 - 1) }), fc.constantFrom(...(bounds.length ? bounds : [0])), fc.maxSafeInteger().filter((n) => n >= safeMin && n <= safeMax));
}

function validNumber(schema: Schema): fc.Arbitrary<number> {
  const min = schema.minimum as number | undefined;
  const max = schema.maximum as number | undefined;
  return fc
    .oneof(fc.double({ noNaN: true, noDefaultInfinity: true, ...(min !== undefined && { min }), ...(max !== undefined && { max }) }), awkwardNumber)
    .filter((n) => (min === undefined || n >= min) && (max === undefined || n <= max));
}

function validObject(schema: Schema, options: SchemaOptions, path: string): fc.Arbitrary<Record<string, unknown>> {
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  const required = new Set((schema.required ?? []) as string[]);
  const names = Object.keys(properties);
  if (names.length === 0 && schema.additionalProperties !== false) {
    return fc.dictionary(fc.string({ maxLength: 6 }).filter((k) => k !== '__proto__'), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 });
  }
  const rate = options.optionalRate ?? 0.5;
  const entries = names.map((name) => {
    const value = valid(properties[name]!, options, path === '' ? name : `${path}.${name}`);
    if (required.has(name)) return value.map((v) => [name, v] as const);
    return fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), value).map(([roll, v]) => (roll < rate ? ([name, v] as const) : undefined));
  });
  return fc.tuple(...entries).map((pairs) => Object.fromEntries(pairs.filter((p) => p !== undefined)));
}

/** What a mutation did, for the failure report. */
export interface Mutant {
  readonly value: unknown;
  readonly mutation: string;
}

/** Values of every JSON type, to put where another type is expected. */
export const anyJsonOfSomeType = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  awkwardNumber,
  nastyString(),
  fc.constantFrom('true', 'false', '123', '', ' ', '0x10', '1e3', 'null', '[]', '{}'),
  fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
);

/** Keys that try to reach an object's prototype, and keys that are merely odd. */
export const awkwardKey = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '', ' ', '$', 'a.b', '😀', '\u0000'),
  nastyString({ maxLength: 6 }),
);

/**
 * A valid value with exactly one thing changed at one place: a value of another type, a string one code point
 * over (or under) its limit, an array one item over (or under), an extra or a missing key, characters that are
 * hard to handle, a huge number, a prototype key. The result may still be valid (an extra key is ignored);
 * the caller's oracle decides.
 */
export function mutated(schema: Schema, options: SchemaOptions = {}): fc.Arbitrary<Mutant> {
  return fc.tuple(valid(schema, options), fc.nat(), fc.nat(), anyJsonOfSomeType, awkwardKey, nastyString({ minLength: 1 }), awkwardNumber).map(
    ([value, pick, kindPick, other, key, text, number]) => {
      const root = structuredClone(value) as unknown;
      const spots = locations(root, schema, options);
      const spot = spots[pick % spots.length]!;
      const kinds = mutationKinds(spot);
      const kind = kinds[kindPick % kinds.length]!;
      const next = apply(spot, kind, { other, key, text, number });
      if (spot.path.length === 0) return { value: next, mutation: `${kind} at $` };
      setAt(root, spot.path, next);
      return { value: root, mutation: `${kind} at $.${spot.path.join('.')}` };
    },
  );
}

interface Spot {
  readonly path: (string | number)[];
  readonly value: unknown;
  readonly schema: Schema | undefined;
}

type MutationKind = 'type' | 'over-limit' | 'under-limit' | 'extra-key' | 'drop-key' | 'prototype-key' | 'nasty-text' | 'huge-number' | 'more-items' | 'no-items' | 'null';

function mutationKinds(spot: Spot): MutationKind[] {
  const kinds: MutationKind[] = ['type', 'null'];
  const v = spot.value;
  if (typeof v === 'string') kinds.push('over-limit', 'under-limit', 'nasty-text');
  if (typeof v === 'number') kinds.push('huge-number');
  if (Array.isArray(v)) kinds.push('more-items', 'no-items');
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    kinds.push('extra-key', 'prototype-key');
    if (Object.keys(v).length > 0) kinds.push('drop-key');
  }
  return kinds;
}

function apply(spot: Spot, kind: MutationKind, random: { other: unknown; key: string; text: string; number: number }): unknown {
  const v = spot.value;
  const schema = spot.schema ?? {};
  switch (kind) {
    case 'type':
      return random.other;
    case 'null':
      return null;
    case 'over-limit': {
      const max = schema.maxLength as number | undefined;
      return max === undefined ? (v as string) + random.text.repeat(50) : '😀'.repeat(max + 1);
    }
    case 'under-limit': {
      const min = schema.minLength as number | undefined;
      return min === undefined || min === 0 ? '' : 'x'.repeat(min - 1);
    }
    case 'nasty-text':
      return random.text;
    case 'huge-number':
      return random.number;
    case 'more-items': {
      const max = (schema.maxItems as number | undefined) ?? 30;
      const list = v as unknown[];
      return Array.from({ length: max + 1 }, (_, i) => list[i % Math.max(list.length, 1)] ?? random.other);
    }
    case 'no-items':
      return [];
    case 'extra-key':
      return { ...(v as object), [random.key]: random.other };
    case 'prototype-key': {
      // An own `__proto__` key (as JSON.parse would make), or the constructor.prototype spelling.
      const copy = { ...(v as object) } as Record<string, unknown>;
      if (random.key.length % 2 === 0) Object.defineProperty(copy, '__proto__', { value: { polluted: true, isAdmin: true }, enumerable: true, configurable: true, writable: true });
      else copy['constructor'] = { prototype: { polluted: true } };
      return copy;
    }
    case 'drop-key': {
      const copy = { ...(v as object) } as Record<string, unknown>;
      const keys = Object.keys(copy);
      delete copy[keys[random.key.length % keys.length]!];
      return copy;
    }
  }
}

/** Every place in `value`, with the schema that describes it there (when known). */
function locations(value: unknown, schema: Schema | undefined, options: SchemaOptions, path: (string | number)[] = []): Spot[] {
  const resolved = schema && resolveAll(schema, value, options);
  const spots: Spot[] = [{ path, value, schema: resolved }];
  if (Array.isArray(value)) {
    const items = resolved?.items as Schema | undefined;
    value.forEach((item, i) => spots.push(...locations(item, items, options, [...path, i])));
  } else if (value !== null && typeof value === 'object') {
    const properties = (resolved?.properties ?? {}) as Record<string, Schema>;
    for (const [key, child] of Object.entries(value)) spots.push(...locations(child, properties[key], options, [...path, key]));
  }
  return spots;
}

/** The schema with $refs followed and, for a union, the branch whose type fits the value. */
function resolveAll(schema: Schema, value: unknown, options: SchemaOptions): Schema {
  let s = schema;
  while (typeof s.$ref === 'string' && options.resolve) s = options.resolve(s.$ref);
  const branches = (s.anyOf ?? s.oneOf) as Schema[] | undefined;
  if (branches) {
    const fits = branches.map((b) => resolveAll(b, value, options)).find((b) => fitsType(b, value));
    if (fits) return fits;
  }
  return s;
}

function fitsType(schema: Schema, value: unknown): boolean {
  switch (typeOf(schema)) {
    case 'string':
      return typeof value === 'string';
    case 'number':
    case 'integer':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return value !== null && typeof value === 'object' && !Array.isArray(value);
    default:
      return true;
  }
}

function setAt(root: unknown, path: (string | number)[], next: unknown): void {
  let current = root as Record<string | number, unknown>;
  for (const segment of path.slice(0, -1)) current = current[segment] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  Object.defineProperty(current, last, { value: next, enumerable: true, configurable: true, writable: true });
}

/** A resolver for `#/components/schemas/Name` references inside one OpenAPI document. */
export function openApiResolver(document: { components: { schemas: Record<string, Schema> } }): (ref: string) => Schema {
  return (ref) => {
    const name = /^#\/components\/schemas\/(.+)$/.exec(ref)?.[1];
    const schema = name === undefined ? undefined : document.components.schemas[name];
    if (!schema) throw new Error(`unresolvable $ref ${ref}`);
    return schema;
  };
}
