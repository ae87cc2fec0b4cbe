import type { parseArgs } from 'node:util';
import type { AppContext } from '../context.js';

/**
 * `xmedia <command>`: administration from the shell, against the same data (same settings) as the server,
 * safe to run while it serves. Results go to stdout (secrets last, so scripts can `tail -1`; with `--json`,
 * one JSON document), notes to stderr.
 */
export interface CliCommand {
  readonly usage: string;
  readonly options: NonNullable<Parameters<typeof parseArgs>[0]>['options'];
  run(ctx: AppContext, values: CliValues, out: CliOutput): Promise<void>;
}

export type CliValues = Readonly<Record<string, string | boolean | string[] | undefined>>;

export interface CliOutput {
  line(text: string): void;
  note(text: string): void;
}

/** A mistake in the command line: printed with the usage, exit code 2. */
export class UsageError extends Error {}

/** The `--json` flag every command takes. */
export const JSON_OPTION = { json: { type: 'boolean' } } as const;

export function stringOption(values: CliValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

export function listOption(values: CliValues, name: string): string[] {
  const value = values[name];
  return Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
}

/** Prints `fields` as one JSON object (`--json`) or as `name: value` lines, in the order given. */
export function printFields(out: CliOutput, json: boolean, fields: Readonly<Record<string, unknown>>): void {
  if (json) {
    out.line(JSON.stringify(fields));
    return;
  }
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined || value === null) continue;
    out.line(`${name}: ${Array.isArray(value) ? value.join(' ') : String(value)}`);
  }
}

/**
 * Prints newly issued credentials: as one JSON object (`--json`), or for scripts the secret values alone on
 * stdout, one per line in the order given, so `tail -1` captures the last; the other fields go to stderr.
 */
export function printSecrets(
  out: CliOutput,
  json: boolean,
  fields: Readonly<Record<string, unknown>>,
  secretNames: readonly string[],
): void {
  if (json) {
    out.line(JSON.stringify(fields));
    return;
  }
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined || value === null || secretNames.includes(name)) continue;
    out.note(`${name}: ${Array.isArray(value) ? value.join(' ') : String(value)}`);
  }
  for (const name of secretNames) out.line(String(fields[name]));
}

/** Prints rows as a JSON array (`--json`) or as aligned columns with a header. */
export function printTable(out: CliOutput, json: boolean, rows: readonly Readonly<Record<string, unknown>>[]): void {
  if (json) {
    out.line(JSON.stringify(rows));
    return;
  }
  if (rows.length === 0) {
    out.note('(none)');
    return;
  }
  const columns = Object.keys(rows[0]!);
  const text = (value: unknown): string =>
    value === null || value === undefined ? '-' : Array.isArray(value) ? value.join(' ') || '-' : String(value);
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => text(r[c]).length)));
  const format = (cells: string[]): string => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
  out.line(format(columns));
  for (const row of rows) out.line(format(columns.map((c) => text(row[c]))));
}

export function isoTime(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** X's rule for screen names, used for xmedia's user names too. */
export function checkUsername(username: string): void {
  if (!/^[A-Za-z0-9_]{1,15}$/.test(username)) throw new UsageError('a user name is 1-15 letters, digits or underscores, as on X');
}
