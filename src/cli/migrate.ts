import { printFields, type CliCommand } from './command.js';

/**
 * `xmedia migrate`: brings the database (SQLite in the data dir, or DATABASE_URL) to the newest schema.
 * Opening a store migrates it, so this is what every start does too; run it alone to migrate before a rollout.
 * Safe to run while instances serve and from several places at once (a lock lets one apply each migration).
 */
export const migrate: CliCommand = {
  usage: 'migrate [--json]',
  options: { json: { type: 'boolean' } },
  async run(ctx, values, out) {
    printFields(out, values.json === true, { backend: ctx.store.backend, schema_version: await ctx.store.schemaVersion() });
  },
};
