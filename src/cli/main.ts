import { parseArgs } from 'node:util';
import { UsageError, type CliCommand, type CliOutput, type CliValues } from './command.js';
import { ConfigError, readConfig } from '../config.js';
import { closeContext, createContext } from '../context.js';
import { appCreate, appDelete, appList } from './app.js';
import { migrate } from './migrate.js';
import { tokenCreate, tokenList, tokenRevoke } from './token.js';
import { userCreate, userDelete, userList } from './user.js';

/** `xmedia <command>`: see src/cli/command.ts. */
const COMMANDS: Readonly<Record<string, CliCommand>> = {
  'app create': appCreate,
  'app list': appList,
  'app delete': appDelete,
  'user create': userCreate,
  'user list': userList,
  'user delete': userDelete,
  'token create': tokenCreate,
  'token list': tokenList,
  'token revoke': tokenRevoke,
  migrate,
};

async function main(argv: readonly string[]): Promise<number> {
  // Commands are one word (`migrate`) or two (`token create`).
  const words = COMMANDS[argv.slice(0, 2).join(' ')] ? 2 : 1;
  const command = COMMANDS[argv.slice(0, words).join(' ')];
  if (!command) {
    process.stderr.write(`usage:\n${Object.values(COMMANDS).map((c) => `  xmedia ${c.usage}`).join('\n')}\n`);
    return argv.length === 0 || argv[0] === 'help' || argv[0] === '--help' ? 0 : 2;
  }
  let values: CliValues;
  try {
    values = parseArgs({ args: [...argv.slice(words)], options: command.options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    process.stderr.write(`xmedia: ${(error as Error).message}\nusage: xmedia ${command.usage}\n`);
    return 2;
  }
  const ctx = await createContext(readConfig());
  const out: CliOutput = {
    line: (text) => process.stdout.write(`${text}\n`),
    note: (text) => process.stderr.write(`${text}\n`),
  };
  try {
    await command.run(ctx, values, out);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`xmedia: ${error.message}\nusage: xmedia ${command.usage}\n`);
      return 2;
    }
    throw error;
  } finally {
    await closeContext(ctx);
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`xmedia: ${error instanceof ConfigError ? error.message : String((error as Error).stack ?? error)}\n`);
  process.exitCode = 1;
}
