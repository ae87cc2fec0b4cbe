import type { AppRecord } from '../storage/records.js';
import { DuplicateKeyError } from '../storage/store.js';
import { isoTime, JSON_OPTION, listOption, printFields, printTable, stringOption, UsageError, type CliCommand } from './command.js';

function appType(app: AppRecord): string {
  return app.clientSecretHash === null ? 'public' : 'confidential';
}

/** A redirect URI is compared by exact string, so it must be a complete absolute URL without a fragment. */
function checkCallback(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--callback ${JSON.stringify(raw)} is not an absolute URL`);
  }
  if (url.hash !== '') throw new UsageError('a callback URL may not have a #fragment (RFC 6749 §3.1.2)');
  return raw;
}

/** `xmedia app create`: an app with OAuth 2.0 client credentials and OAuth 1.0a consumer keys, shown once. */
export const appCreate: CliCommand = {
  usage: 'app create --name <name> [--callback <url>]... [--public] [--json]',
  options: { name: { type: 'string' }, callback: { type: 'string', multiple: true }, public: { type: 'boolean' }, ...JSON_OPTION },
  async run(ctx, values, out) {
    const name = stringOption(values, 'name');
    if (name === undefined || name.trim() === '') throw new UsageError('--name is required');
    const callbackUrls = listOption(values, 'callback').map(checkCallback);
    let created;
    try {
      created = await ctx.credentials.createApp({ name, callbackUrls, confidential: values.public !== true });
    } catch (error) {
      if (error instanceof DuplicateKeyError) throw new UsageError(`an app named "${name}" exists already`);
      throw error;
    }
    out.note(`created ${appType(created.app)} app "${name}"; its secrets are shown only now, store them`);
    printFields(out, values.json === true, {
      id: created.app.id,
      name,
      type: appType(created.app),
      callback_urls: callbackUrls,
      client_id: created.app.clientId,
      client_secret: created.clientSecret,
      consumer_key: created.consumerKey,
      consumer_secret: created.consumerSecret,
    });
  },
};

export const appList: CliCommand = {
  usage: 'app list [--json]',
  options: { ...JSON_OPTION },
  async run(ctx, values, out) {
    const apps = await ctx.store.listApps();
    printTable(
      out,
      values.json === true,
      apps.map((app) => ({
        id: app.id,
        name: app.name,
        type: appType(app),
        client_id: app.clientId,
        consumer_key: app.consumerKey,
        callback_urls: app.callbackUrls,
        created_at: isoTime(app.createdAtMs),
      })),
    );
  },
};

export const appDelete: CliCommand = {
  usage: 'app delete --app <client_id|consumer_key|name> [--json]',
  options: { app: { type: 'string' }, ...JSON_OPTION },
  async run(ctx, values, out) {
    const reference = stringOption(values, 'app');
    if (reference === undefined) throw new UsageError('--app is required');
    const app = await ctx.credentials.findApp(reference);
    if (!app || !(await ctx.store.deleteApp(app.id))) throw new UsageError(`no app ${JSON.stringify(reference)}`);
    out.note(`deleted app "${app.name}" and every token issued to it`);
    printFields(out, values.json === true, { deleted: true, id: app.id, name: app.name, client_id: app.clientId });
  },
};
