import type { parseArgs } from 'node:util';
import type { AppContext } from '../context.js';

/**
 * `xmedia <command>`: administration from the shell, against the same data (same settings) as the server,
 * safe to run while it serves. Results go to stdout (secrets last, so scripts can `tail -1`), notes to stderr.
 */
export interface CliCommand {
  readonly usage: string;
  readonly options: NonNullable<Parameters<typeof parseArgs>[0]>['options'];
  run(ctx: AppContext, values: Record<string, string | boolean | undefined>, out: CliOutput): Promise<void>;
}

export interface CliOutput {
  line(text: string): void;
  note(text: string): void;
}

/** A mistake in the command line: printed with the usage, exit code 2. */
export class UsageError extends Error {}
