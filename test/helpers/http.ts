import { request as httpRequest, type Agent, type OutgoingHttpHeaders } from 'node:http';
import { connect } from 'node:net';

/** Small fetch wrappers: every call returns status, headers and both the raw and parsed body. */
export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- test assertions navigate freely
}

export async function request(url: string, init: RequestInit = {}): Promise<HttpResult> {
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: parseOrUndefined(text) };
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * A request through node:http rather than fetch: far less CPU per call (fuzzing), and control of the connection
 * (`agent: false` for one of its own). Sends the headers as given (no content type added) and reads the whole answer.
 */
export function nodeRequest(
  url: string,
  init: { method?: string; headers?: OutgoingHttpHeaders; body?: string | Buffer; agent?: Agent | false } = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(url, { method: init.method ?? 'GET', headers: init.headers, agent: init.agent }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const headers = new Headers();
        for (const [name, value] of Object.entries(response.headers)) {
          if (value !== undefined) for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
        }
        resolve({ status: response.statusCode ?? 0, headers, text, json: parseOrUndefined(text) });
      });
    });
    outgoing.on('error', reject);
    outgoing.end(init.body);
  });
}

export function postJson(url: string, token: string | undefined, body: unknown): Promise<HttpResult> {
  return request(url, {
    method: 'POST',
    headers: { ...(token && { authorization: `Bearer ${token}` }), 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

export function get(url: string, token?: string): Promise<HttpResult> {
  return request(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
}

/** Writes `bytes` on a fresh TCP connection to 127.0.0.1:port and resolves to everything the server sends back. */
export function rawExchange(port: number, bytes: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}
