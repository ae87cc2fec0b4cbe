import { readFileSync } from 'node:fs';
import { generateSecret } from '../auth/secrets.js';
import { DuplicateKeyError } from '../storage/store.js';
import { checkUsername, isoTime, JSON_OPTION, printFields, printTable, stringOption, UsageError, type CliCommand } from './command.js';

/** `xmedia user create`: a user who can sign in on the consent page. */
export const userCreate: CliCommand = {
  usage: 'user create --name <name> [--password <password> | --password-stdin] [--json]   (no password: one is generated and printed)',
  options: { name: { type: 'string' }, password: { type: 'string' }, 'password-stdin': { type: 'boolean' }, ...JSON_OPTION },
  async run(ctx, values, out) {
    const username = stringOption(values, 'name');
    if (username === undefined) throw new UsageError('--name is required');
    checkUsername(username);
    const given = stringOption(values, 'password');
    if (given !== undefined && values['password-stdin'] === true) throw new UsageError('give --password or --password-stdin, not both');
    // Read from stdin so the password stays out of shell history and `ps`; the first line only.
    const fromStdin = values['password-stdin'] === true ? readFileSync(0, 'utf8').split(/\r?\n/)[0] : undefined;
    const password = given ?? fromStdin ?? generateSecret(12);
    if (password.length < 8) throw new UsageError('a password has at least 8 characters');
    let user;
    try {
      user = await ctx.credentials.createUser(username, password);
    } catch (error) {
      if (error instanceof DuplicateKeyError) throw new UsageError(`a user named "${username}" exists already`);
      throw error;
    }
    const generated = given === undefined && fromStdin === undefined;
    out.note(`created user "${username}"${generated ? '; the generated password is shown only now' : ''}`);
    printFields(out, values.json === true, { id: user.id, username, ...(generated && { password }) });
  },
};

export const userList: CliCommand = {
  usage: 'user list [--json]',
  options: { ...JSON_OPTION },
  async run(ctx, values, out) {
    const users = await ctx.store.listUsers();
    printTable(
      out,
      values.json === true,
      users.map((user) => ({
        id: user.id,
        username: user.username,
        has_password: user.passwordHash !== null,
        created_at: isoTime(user.createdAtMs),
      })),
    );
  },
};

export const userDelete: CliCommand = {
  usage: 'user delete --name <name> [--json]',
  options: { name: { type: 'string' }, ...JSON_OPTION },
  async run(ctx, values, out) {
    const username = stringOption(values, 'name');
    if (username === undefined) throw new UsageError('--name is required');
    const user = await ctx.store.findUserByName(username);
    if (!user || !(await ctx.store.deleteUser(user.id))) throw new UsageError(`no user "${username}"`);
    out.note(`deleted user "${user.username}" and every token of theirs (their media stay until they expire)`);
    printFields(out, values.json === true, { deleted: true, id: user.id, username: user.username });
  },
};
