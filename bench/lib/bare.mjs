// The ceiling: bare node:http (targets/bare-http.mjs), answering a constant JSON or replaying one of xmedia's answers.
import path from 'node:path';
import { freePort, startProcess } from './processes.mjs';

const BARE_HTTP = path.resolve(import.meta.dirname, '../targets/bare-http.mjs');

/**
 * `answer`: the headers and body to answer with instead of the constant JSON (see answerOf); `nodeArgs`: options
 * for node itself; `cpus`: keep the server on these CPUs (taskset).
 */
export async function startBare(answer, { nodeArgs = [], cpus } = {}) {
  const port = await freePort();
  const env = { PORT: String(port), ...(answer && { BARE_ANSWER: JSON.stringify(answer) }) };
  const server = await startProcess('bare node:http', [...nodeArgs, BARE_HTTP], env, { cpus });
  return { ...server, url: `http://127.0.0.1:${port}` };
}

/** The headers (but those node:http adds itself) and body of one answer, for a bare server to replay. */
export async function answerOf({ url, headers }) {
  const response = await fetch(url, { headers });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  const own = new Set(['date', 'connection', 'keep-alive', 'content-length']);
  return { headers: [...response.headers].filter(([name]) => !own.has(name)).flat(), body: await response.text() };
}
