import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { PAYLOAD_TOO_LARGE_BODY } from './helpers/assertions.js';
import { nodeRequest, request, type HttpResult } from './helpers/http.js';
import { png, uploadImage } from './helpers/images.js';
import { ensureBuilt, rssBytes, startServerProcess, tokenFromHint, type ServerProcess } from './helpers/process.js';
import { ConfigError, readConfig } from '../src/config.js';
import { startServer, tempDir } from './helpers/server.js';

const MB = 1024 * 1024;
const GB = 1024 * MB;
/**
 * The server process's resident memory never goes over this, whatever the attack. It starts near 80 MB and peaks
 * near 210 MB here (docs/RELIABILITY.md); a single 18 MB JSON bomb used to take it to 950 MB.
 */
const RSS_BOUND = 300 * MB;
const REQUEST_TIMEOUT_BODY = '{"title":"Request Timeout","type":"about:blank","status":408,"detail":"The request did not arrive in time."}';

/**
 * Short timeouts, so that each slow attack is over in a few seconds (the defaults are in src/config.ts), yet
 * long enough for a normal request on this shared, often overloaded 2-core machine. The attacks by size run
 * against a second server with the default timeouts: a 20 MB body can hold the event loop for a second or
 * more here, and a normal request caught behind one would run into a short timeout.
 */
const SHORT_TIMEOUTS = {
  XMEDIA_HEADERS_TIMEOUT_MS: '2000',
  XMEDIA_REQUEST_TIMEOUT_MS: '4000',
  XMEDIA_CONNECTION_IDLE_TIMEOUT_MS: '3000',
  XMEDIA_KEEP_ALIVE_TIMEOUT_MS: '1000',
};

/** A client on a raw TCP connection: writes what the test says, collects whatever comes back. */
class RawClient {
  readonly socket: Socket;
  received = '';
  bytesWritten = 0;
  readonly closed: Promise<void>;
  readonly connected: Promise<void>;
  /** Whether the server had sent anything or closed before the client gave up. */
  answered = false;

  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    this.connected = new Promise((resolve) => this.socket.once('connect', () => resolve()));
    this.socket.on('data', (chunk: Buffer) => {
      this.answered = true;
      this.received += chunk.toString('latin1');
    });
    this.socket.on('error', () => {});
    this.closed = new Promise((resolve) =>
      this.socket.once('close', () => {
        this.answered = true;
        resolve();
      }),
    );
  }

  get open(): boolean {
    return !this.socket.destroyed;
  }

  async write(bytes: string | Buffer): Promise<boolean> {
    if (!this.open || this.socket.writableEnded) return false;
    const flushed = this.socket.write(bytes);
    this.bytesWritten += Buffer.byteLength(bytes);
    if (!flushed) await Promise.race([new Promise((resolve) => this.socket.once('drain', resolve)), this.closed]);
    return this.open;
  }

  /** Writes `bytes` one byte every `everyMs` until the server closes the connection. */
  async trickle(bytes: string, everyMs: number, then?: () => string): Promise<void> {
    await this.connected;
    for (let i = 0; this.open; i++) {
      const next = i < bytes.length ? bytes[i] : then?.();
      if (next === undefined) break;
      await this.write(next);
      await Promise.race([sleep(everyMs), this.closed]);
    }
  }

  /** The response's status code, headers (lower-cased names) and body. */
  response(): { status: number; headers: Record<string, string>; body: string } {
    const end = this.received.indexOf('\r\n\r\n');
    assert.ok(end > 0, `no response: ${JSON.stringify(this.received.slice(0, 200))}`);
    const [statusLine, ...lines] = this.received.slice(0, end).split('\r\n');
    const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
    return { status: Number(statusLine!.split(' ')[1]), headers, body: this.received.slice(end + 4) };
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/**
 * One call on a connection of its own (`Connection: close`). fetch's pool would reuse a kept-alive connection,
 * and this test process, busy building 20 MB bodies, can notice too late that the server has closed one.
 */
function call(url: string, init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<HttpResult> {
  return nodeRequest(url, { ...init, agent: false });
}

/** The server answered `status` with `body`, said it would close the connection, and did. */
function assertClosedWith(client: RawClient, status: number, body: string): void {
  assert.equal(client.open, false, 'the server closed the connection');
  const response = client.response();
  assert.equal(response.status, status, client.received.slice(0, 300));
  assert.equal(response.body, body);
  assert.equal(response.headers.connection, 'close');
}

/** Peak resident memory of the server process, sampled every 10 ms, overall and per attack. */
class RssSampler {
  peak = 0;
  phasePeak = 0;
  readonly peaks: Record<string, number> = {};
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pid: number) {
    this.timer = setInterval(() => this.sample(), 10);
  }

  sample(): number {
    const rss = rssBytes(this.pid);
    this.peak = Math.max(this.peak, rss);
    this.phasePeak = Math.max(this.phasePeak, rss);
    return rss;
  }

  /** Runs one attack and checks the bound on memory across it. */
  async during<T>(t: TestContext, name: string, attack: () => Promise<T>): Promise<T> {
    this.phasePeak = this.sample();
    const result = await attack();
    this.sample();
    this.peaks[name] = this.phasePeak;
    t.diagnostic(`server RSS peak during ${name}: ${(this.phasePeak / MB).toFixed(1)} MB`);
    assert.ok(this.phasePeak < RSS_BOUND, `server RSS peaked at ${(this.phasePeak / MB).toFixed(1)} MB during ${name}`);
    return result;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/**
 * Hostile clients (docs/RELIABILITY.md, "Hostile clients"): against the real server process, each attack is
 * cut off by a setting, a normal client is served while it goes on, and the server's memory stays bounded.
 * Bad bodies as such (bytes that are not JSON, prototype keys, deep nesting within the metadata limit) are
 * test/hostile-input.test.ts's.
 */
/** One real server process, with the memory sampler and the calls a normal client makes. */
class Target {
  private constructor(
    readonly process: ServerProcess,
    readonly dataDir: string,
    readonly token: string,
    readonly mediaId: string,
    readonly rss: RssSampler,
  ) {}

  static async start(env: Record<string, string>): Promise<Target> {
    const dataDir = tempDir();
    const server = await startServerProcess(dataDir, { XMEDIA_RATE_LIMITS: 'off', ...env });
    const token = tokenFromHint(server.stdout())!;
    const upload = await uploadImage(server.url, token, png());
    assert.equal(upload.status, 200);
    return new Target(server, dataDir, token, upload.json.data.id, new RssSampler(server.child.pid!));
  }

  get url(): string {
    return this.process.url;
  }

  get port(): number {
    return Number(new URL(this.process.url).port);
  }

  auth(): Record<string, string> {
    return { authorization: `Bearer ${this.token}` };
  }

  /** A normal client's call, made while an attack goes on: it must succeed. */
  async normalClientIsServed(label: string): Promise<void> {
    const result = await call(`${this.url}/2/media/metadata/create`, {
      method: 'POST',
      headers: { ...this.auth(), 'content-type': 'application/json' },
      body: JSON.stringify({ media_id: this.mediaId, alt_text: { text: label } }),
    });
    assert.equal(result.status, 200, `${label}: ${result.text}`);
    assert.equal(result.json.data.associated_metadata.alt_text.text, label);
  }

  async initializeUpload(totalBytes = 64 * MB): Promise<string> {
    const init = await request(`${this.url}/2/media/upload/initialize`, {
      method: 'POST',
      headers: { ...this.auth(), 'content-type': 'application/json' },
      body: JSON.stringify({ media_type: 'video/mp4', total_bytes: totalBytes, media_category: 'tweet_video' }),
    });
    assert.equal(init.status, 200, init.text);
    return init.json.data.id as string;
  }

  /** A request head, authorized. */
  head(method: string, path: string, headers: Record<string, string | number>): string {
    const lines = Object.entries({ host: '127.0.0.1', ...this.auth(), ...headers }).map(([name, value]) => `${name}: ${value}\r\n`);
    return `${method} ${path} HTTP/1.1\r\n${lines.join('')}\r\n`;
  }

  async stop(name: string): Promise<void> {
    this.rss.stop();
    process.stdout.write(
      `# ${name} server RSS peaks (MB): ${Object.entries(this.rss.peaks)
        .map(([phase, peak]) => `${phase} ${(peak / MB).toFixed(1)}`)
        .join(', ')}; overall ${(this.rss.peak / MB).toFixed(1)}\n`,
    );
    await this.process.kill();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/**
 * Hostile clients (docs/RELIABILITY.md, "Hostile clients"): against real server processes, each attack is cut
 * off by a setting, a normal client is served while it goes on, and the server's memory stays bounded. Bad
 * bodies as such (bytes that are not JSON, prototype keys, deep nesting within the metadata limit) are
 * test/hostile-input.test.ts's.
 */
describe('hostile clients', { concurrency: true }, () => {
  /** Short timeouts: the slow attacks. */
  let slow: Target;
  /** Default timeouts: the attacks by size. */
  let big: Target;

  before(async () => {
    await ensureBuilt();
    [slow, big] = await Promise.all([Target.start(SHORT_TIMEOUTS), Target.start({})]);
  });
  after(async () => {
    await Promise.all([slow?.stop('short-timeout'), big?.stop('default-timeout')]);
  });

  // The two servers are attacked at the same time: the slow attacks mostly wait out timeouts.
  describe('slow attacks (short timeouts)', { concurrency: false }, () => {
    it('slowloris: headers trickled byte by byte are cut off after XMEDIA_HEADERS_TIMEOUT_MS, others are served', async (t) => {
      const clients = Array.from({ length: 100 }, () => new RawClient(slow.port));
      await slow.rss.during(t, 'slowloris', async () => {
        let header = 0;
        const attack = clients.map((client) =>
          client.trickle(`GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n`, 100, () => (header++ % 2 === 0 ? 'X' : ':')),
        );
        await sleep(200);
        await slow.normalClientIsServed('during slowloris');
        await Promise.all(attack);
      });
      // Each is answered 408 and closed; a client still sending as the connection closes may see it reset
      // before it reads the answer (the server does not linger to drain what it will not read).
      for (const client of clients) {
        assert.equal(client.open, false);
        if (client.received !== '') assertClosedWith(client, 408, REQUEST_TIMEOUT_BODY);
      }
      assert.ok(clients.some((client) => client.received !== ''), 'some slowloris client read its 408');
    });

    it('bodies that never finish: stalled get a 408 after the idle timeout, trickled after the request timeout', async (t) => {
      const appendId = await slow.initializeUpload();
      const routes = [
        ['/2/media/metadata/create', 'application/json', '{"media_id":'],
        ['/2/media/upload', 'application/json', '{"media":"'],
        [`/2/media/upload/${appendId}/append`, 'multipart/form-data; boundary=b', '--b\r\nContent-Disposition: form-data; name="segment_index"\r\n\r\n0\r\n--b\r\nContent-Disposition: form-data; name="media"\r\n\r\n'],
      ] as const;
      const stalled = routes.map(() => new RawClient(slow.port));
      const trickled = routes.map(() => new RawClient(slow.port));
      await slow.rss.during(t, 'unfinished bodies', async () => {
        const attack = routes.flatMap(([path, contentType, start], i) => [
          // Promises 100 KB, sends the start, then nothing: silent for longer than XMEDIA_CONNECTION_IDLE_TIMEOUT_MS.
          (async () => {
            await stalled[i]!.connected;
            await stalled[i]!.write(slow.head('POST', path, { 'content-type': contentType, 'content-length': 100_000 }) + start);
            await stalled[i]!.closed;
          })(),
          // Sends a byte every 300 ms, never silent for long, until XMEDIA_REQUEST_TIMEOUT_MS has passed.
          (async () => {
            await trickled[i]!.connected;
            await trickled[i]!.write(slow.head('POST', path, { 'content-type': contentType, 'content-length': 100_000 }) + start);
            await trickled[i]!.trickle('', 300, () => 'A');
          })(),
        ]);
        await sleep(300);
        await slow.normalClientIsServed('during unfinished bodies');
        await Promise.all(attack);
      });
      for (const client of stalled) assertClosedWith(client, 408, REQUEST_TIMEOUT_BODY);
      for (const client of trickled) {
        assert.equal(client.open, false);
        if (client.received !== '') assertClosedWith(client, 408, REQUEST_TIMEOUT_BODY);
        // At most the 4 s request timeout's worth of bytes: about 14 each.
        assert.ok(client.bytesWritten < 2000, `${client.bytesWritten} bytes`);
      }
    });

    it('2,000 idle connections: others are served, and each is closed after the headers timeout', async (t) => {
      const limit = Number(/^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1] ?? 0);
      if (limit < 5000) return t.skip(`needs 2,000 connections at each end; the open-file limit is ${limit}`);
      const clients: RawClient[] = [];
      await slow.rss.during(t, '2,000 idle connections', async () => {
        for (let i = 0; i < 2000; i++) {
          const client = new RawClient(slow.port);
          clients.push(client);
          if (i % 100 === 99) await client.connected;
        }
        await Promise.all(clients.map((client) => client.connected));
        await slow.normalClientIsServed('during 2,000 idle connections');
        // Every one is closed by the server, none by the client.
        await Promise.all(clients.map((client) => client.closed));
      });
      for (const client of clients) {
        // Node answers a connection that never sent a byte with the headers timeout's 408, like any other.
        if (client.received !== '') assertClosedWith(client, 408, REQUEST_TIMEOUT_BODY);
      }
    });

    it('a kept-alive connection is closed after XMEDIA_KEEP_ALIVE_TIMEOUT_MS without a request', async () => {
      const client = new RawClient(slow.port);
      await client.connected;
      await client.write('GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      await client.closed;
      assert.equal(client.response().status, 200);
      assert.equal(client.response().headers['keep-alive'], 'timeout=1');
    });

    it('is still healthy after all of it, and stayed under the bound throughout', async () => {
      await slow.normalClientIsServed('after all of it');
      assert.ok(slow.rss.peak < RSS_BOUND, `server RSS peaked at ${(slow.rss.peak / MB).toFixed(1)} MB`);
    });
  });

  describe('attacks by size (default timeouts)', { concurrency: false }, () => {
    it('a slow but steady 5 MB append succeeds with the default timeouts', async () => {
      const id = await big.initializeUpload(5 * MB);
      const form = new FormData();
      form.append('segment_index', '0');
      form.append('media', new Blob([new Uint8Array(5 * MB)]));
      const encoded = new Response(form);
      const contentType = encoded.headers.get('content-type')!;
      const body = Buffer.from(await encoded.arrayBuffer());
      const client = new RawClient(big.port);
      await client.connected;
      await client.write(big.head('POST', `/2/media/upload/${id}/append`, { 'content-type': contentType, 'content-length': body.length }));
      // Ten slices 200 ms apart, as a slow uplink sends them: far within the defaults (30 s idle, 300 s in all).
      const slice = Math.ceil(body.length / 10);
      for (let at = 0; at < body.length; at += slice) {
        await client.write(body.subarray(at, at + slice));
        await sleep(200);
      }
      while (!client.received.includes('\r\n\r\n') && client.open) await sleep(20);
      client.destroy();
      assert.equal(client.response().status, 200, client.received);
    });

    it('a 1 GB body with a Content-Length gets 413 before any of it is sent, on every upload route', async (t) => {
      const appendId = await big.initializeUpload();
      const cases = [
        ['/2/media/metadata/create', 'application/json'],
        ['/2/media/metadata', 'application/json'],
        ['/2/media/upload', 'application/json'],
        ['/2/media/upload', 'multipart/form-data; boundary=b'],
        ['/2/media/upload?command=APPEND', 'multipart/form-data; boundary=b'],
        [`/2/media/upload/${appendId}/append`, 'application/json'],
        [`/2/media/upload/${appendId}/append`, 'multipart/form-data; boundary=b'],
        ['/1.1/media/upload.json', 'multipart/form-data; boundary=b'],
        ['/1.1/media/upload.json', 'application/x-www-form-urlencoded'],
      ] as const;
      await big.rss.during(t, '1 GB with Content-Length', async () => {
        const clients = await Promise.all(
          cases.map(async ([path, contentType]) => {
            const client = new RawClient(big.port);
            await client.connected;
            await client.write(big.head('POST', path, { 'content-type': contentType, 'content-length': GB }));
            await client.closed;
            return client;
          }),
        );
        for (const [i, client] of clients.entries()) {
          const { status, headers, body } = client.response();
          assert.equal(status, 413, `${cases[i]!.join(' ')}: ${client.received.slice(0, 200)}`);
          assert.equal(headers.connection, 'close', cases[i]!.join(' '));
          if (!cases[i]![0].startsWith('/1.1/')) assert.equal(body, PAYLOAD_TOO_LARGE_BODY);
        }
        // Refused for another reason before the body is read: answered and closed, the body never read either.
        for (const [path, authorization, status] of [
          ['/2/media/upload', 'Bearer not-a-token', 401],
          ['/2/no/such/route', `Bearer ${big.token}`, 413], // over the 1 MB limit of routes that set none
        ] as const) {
          const client = new RawClient(big.port);
          await client.connected;
          await client.write(big.head('POST', path, { authorization, 'content-type': 'application/json', 'content-length': GB }));
          await client.closed;
          assert.equal(client.response().status, status, client.received);
          assert.equal(client.response().headers.connection, 'close');
        }
        await big.normalClientIsServed('after 1 GB bodies');
      });
    });

    it('a 1 GB chunked body is cut off once it passes the route’s limit, on every upload route', async (t) => {
      const appendId = await big.initializeUpload();
      const multipartStart = '--b\r\nContent-Disposition: form-data; name="segment_index"\r\n\r\n0\r\n--b\r\nContent-Disposition: form-data; name="media"\r\n\r\n';
      const APPEND_LIMIT = 7 * MB + 64 * 1024;
      const cases = [
        ['/2/media/metadata/create', 'application/json', '{"media_id":"', 256 * 1024],
        ['/2/media/upload', 'application/json', '{"media":"', 21 * MB],
        ['/2/media/upload', 'multipart/form-data; boundary=b', multipartStart, 21 * MB],
        [`/2/media/upload/${appendId}/append`, 'application/json', '{"segment_index":0,"media":"', APPEND_LIMIT],
        [`/2/media/upload/${appendId}/append`, 'multipart/form-data; boundary=b', multipartStart, APPEND_LIMIT],
      ] as const;
      const chunk = Buffer.alloc(256 * 1024, 'A');
      const framed = Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]);
      await big.rss.during(t, '1 GB chunked', async () => {
        // All at once, each streaming as fast as the server reads.
        const clients = await Promise.all(
          cases.map(async ([path, contentType, start]) => {
            const client = new RawClient(big.port);
            await client.connected;
            await client.write(big.head('POST', path, { 'content-type': contentType, 'transfer-encoding': 'chunked' }));
            await client.write(`${Buffer.byteLength(start).toString(16)}\r\n${start}\r\n`);
            while (client.bytesWritten < GB && !client.answered && (await client.write(framed)));
            await client.closed;
            return client;
          }),
        );
        for (const [j, client] of clients.entries()) {
          const [path, contentType, , limit] = cases[j]!;
          assert.ok(client.bytesWritten < GB, `${path}: the server read the whole body`);
          // The limit, plus what the kernel's socket buffers took in before the server stopped reading.
          assert.ok(client.bytesWritten < limit + 16 * MB, `${path}: ${(client.bytesWritten / MB).toFixed(1)} MB sent`);
          if (client.received === '') continue; // reset while still sending, before reading the answer
          const { status, body } = client.response();
          if (contentType.startsWith('multipart') && status === 400) {
            // A segment's file part is refused as soon as it passes 5 MB; the connection is cut at the limit.
            assert.match(body, /A segment may be at most 5242880 bytes \(5 MB\)\./);
          } else {
            assert.equal(status, 413, `${path}: ${client.received.slice(0, 200)}`);
          }
        }
        await big.normalClientIsServed('after chunked 1 GB bodies');
      });
    });

    it('JSON and form bombs within the body limit get a 400 without being parsed into memory', async (t) => {
      // On a connection of its own, reading the answer even if it comes before the whole body has gone.
      const post = async (path: string, contentType: string, text: string): Promise<HttpResult> => {
        const body = Buffer.from(text);
        const client = new RawClient(big.port);
        await client.connected;
        await client.write(big.head('POST', path, { 'content-type': contentType, 'content-length': body.length, connection: 'close' }));
        for (let at = 0; at < body.length && !client.answered; at += 1024 * 1024) await client.write(body.subarray(at, at + 1024 * 1024));
        await client.closed;
        if (client.received === '') return { status: 0, headers: new Headers(), text: '(reset before the answer was read)', json: undefined };
        const { status, body: answer } = client.response();
        return { status, headers: new Headers(), text: answer, json: undefined };
      };
      const tooMany = `Request body holds more than 100000 JSON values.`;
      const deep = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
      const mediaId = big.mediaId;
      // name, route, content type, body, status, a piece of the answer
      const bombs: [string, string, string, () => string, number, string][] = [
        // Within the metadata routes' 256 KB: 100,000-element arrays, 20,000 keys, a 250 KB string, 99,990 levels.
        ['100k-element array', '/2/media/metadata/create', 'application/json', () => `{"media_id":"${mediaId}","x":[${'0,'.repeat(99_990)}0]}`, 200, '"id"'],
        ['20k keys', '/2/media/metadata', 'application/json', () => `{"id":"${mediaId}","metadata":{${Array.from({ length: 20_000 }, (_, i) => `"k${i}":0`).join(',')}}}`, 200, '"id"'],
        ['250 KB string', '/2/media/metadata/create', 'application/json', () => `{"media_id":"${mediaId}","alt_text":{"text":"${'x'.repeat(250_000)}"}}`, 400, 'alt_text.text'],
        ['99,990 levels', '/2/media/metadata/create', 'application/json', () => `{"media_id":${deep(99_990)}}`, 400, '$.media_id: array found, string expected'],
        // Within the one-shot upload's 21 MB: what would parse into hundreds of MB.
        ['5M-element array', '/2/media/upload', 'application/json', () => `{"media":[${'0,'.repeat(5_000_000)}0]}`, 400, tooMany],
        ['500k keys', '/2/media/upload', 'application/json', () => `{${Array.from({ length: 500_000 }, (_, i) => `"k${i}":0`).join(',')}}`, 400, tooMany],
        ['2M levels', '/2/media/upload', 'application/json', () => deep(2_000_000), 400, tooMany],
        ['20 MB string', '/2/media/upload', 'application/json', () => `{"media":"${'A'.repeat(20 * MB)}","media_category":"tweet_image"}`, 400, 'not a readable'],
        ['5M form fields', '/2/media/upload?command=INIT', 'application/x-www-form-urlencoded', () => 'a&'.repeat(5_000_000), 400, 'Request body holds more than 50 form fields.'],
        [
          'a 9 MB JSON multipart field of 3M objects', // answered at the part's head, the rest never read
          '/2/media/upload',
          'multipart/form-data; boundary=b',
          () => `--b\r\nContent-Disposition: form-data; name="media_category"\r\nContent-Type: application/json\r\n\r\n[${'{},'.repeat(3_000_000)}{}]\r\n--b--\r\n`,
          400,
          'only one file, named media, may be sent',
        ],
      ];
      await big.rss.during(t, 'JSON and form bombs', async () => {
        // One at a time, each with a normal call beside it.
        for (const [name, path, type, body, status, piece] of bombs) {
          const [result] = await Promise.all([post(path, type, body()), big.normalClientIsServed(`beside ${name}`)]);
          // Answered before the body was all sent, and closed: the client may see the reset before the answer.
          if (result.status === 0 && name.includes('multipart')) continue;
          assert.equal(result.status, status, `${name}: ${result.text.slice(0, 300)}`);
          assert.ok(result.text.includes(piece), `${name}: ${result.text.slice(0, 300)}`);
        }
      });
    });

    it('many concurrent chunked uploads stay within the bound, and others are served', async (t) => {
      const sessions = await Promise.all(Array.from({ length: 6 }, () => big.initializeUpload(6 * MB)));
      const segment = new Uint8Array(3 * MB);
      const base64 = Buffer.from(segment).toString('base64');
      const formOf = (index: number): FormData => {
        const form = new FormData();
        form.append('segment_index', String(index));
        form.append('media', new Blob([segment]));
        return form;
      };
      await big.rss.during(t, '12 concurrent 3 MB appends', async () => {
        const appends = sessions.flatMap((id, i) =>
          [0, 1].map(async (index) => {
            const init: RequestInit =
              i % 3 === 0
                ? // one in three as the xdk sends it: JSON, base64, held in memory (4 MB of body)
                  { method: 'POST', headers: { ...big.auth(), 'content-type': 'application/json' }, body: JSON.stringify({ segment_index: index, media: base64 }) }
                : // the others as twitter-api-v2 does: multipart, streamed to disk
                  { method: 'POST', headers: big.auth(), body: formOf(index) };
            return request(`${big.url}/2/media/upload/${id}/append`, init);
          }),
        );
        await sleep(50);
        await big.normalClientIsServed('during concurrent uploads');
        for (const result of await Promise.all(appends)) assert.equal(result.status, 200, result.text);
      });
    });

    it('is still healthy after all of it, and stayed under the bound throughout', async () => {
      await big.normalClientIsServed('after all of it');
      assert.ok(big.rss.peak < RSS_BOUND, `server RSS peaked at ${(big.rss.peak / MB).toFixed(1)} MB`);
    });
  });
});

describe('hostile clients: XMEDIA_MAX_CONNECTIONS and XMEDIA_MAX_REQUESTS_PER_SOCKET', () => {
  it('closes connections over the cap at once, and serves again once idle ones are reaped', async () => {
    const server = await startServer({
      XMEDIA_MAX_CONNECTIONS: '20',
      XMEDIA_MAX_REQUESTS_PER_SOCKET: '2',
      XMEDIA_HEADERS_TIMEOUT_MS: '500',
      XMEDIA_REQUEST_TIMEOUT_MS: '1000',
    });
    try {
      const port = Number(new URL(server.url).port);
      const idle = Array.from({ length: 20 }, () => new RawClient(port));
      await Promise.all(idle.map((client) => client.connected));
      await sleep(50);
      // The 21st is accepted by the kernel and closed by the server without a byte.
      const over = new RawClient(port);
      await over.connected;
      await over.write('GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      await over.closed;
      assert.equal(over.received, '');
      // The idle ones are closed after the headers timeout; then there is room again.
      await Promise.all(idle.map((client) => client.closed));
      const served = await request(`${server.url}/health/live`);
      assert.equal(served.status, 200, served.text);

      // The second request on a connection is its last: its answer says so.
      const client = new RawClient(port);
      await client.connected;
      for (let i = 0; i < 2; i++) {
        await client.write('GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
        while (client.received.split('HTTP/1.1 200 OK').length < i + 2) await sleep(10);
      }
      client.destroy();
      const [first, second] = client.received.split('HTTP/1.1 200 OK').slice(1);
      assert.match(first!, /\r\nKeep-Alive: timeout=\d+, max=2\r\n/);
      assert.match(second!, /\r\nConnection: close\r\n/);
    } finally {
      await server.close();
    }
  });
});

describe('hostile clients: kept-alive connections stay open', () => {
  it('a lookup answered synchronously, before Node marks its bodyless request complete, keeps its connection', async () => {
    const server = await startServer();
    try {
      const token = await server.token();
      const id = (await uploadImage(server.url, token)).json.data.id as string;
      const client = new RawClient(Number(new URL(server.url).port));
      await client.connected;
      const get = `GET /2/media/3_${id}?media.fields=alt_text HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n\r\n`;
      for (let i = 0; i < 2; i++) {
        await client.write(get);
        while (client.open && client.received.split('HTTP/1.1 200 OK').length < i + 2) await sleep(10);
        assert.equal(client.open, true, `the server closed the connection after answer ${i + 1}`);
      }
      client.destroy();
      for (const answer of client.received.split('HTTP/1.1 200 OK').slice(1)) assert.doesNotMatch(answer, /\r\nconnection: close\r\n/i);
    } finally {
      await server.close();
    }
  });
});

describe('hostile clients: the settings', () => {
  it('reads the limits once, with defaults for a server that faces its clients directly', () => {
    const config = readConfig({});
    assert.deepEqual(config.connections, {
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 300_000,
      keepAliveTimeoutMs: 5_000,
      connectionIdleTimeoutMs: 30_000,
      maxConnections: 10_000,
      maxRequestsPerSocket: 0,
    });
    assert.equal(config.jsonMaxValues, 100_000);
    assert.equal(readConfig({ XMEDIA_REQUEST_TIMEOUT_MS: '0', XMEDIA_HEADERS_TIMEOUT_MS: '0' }).connections.requestTimeoutMs, 0);
    assert.throws(() => readConfig({ XMEDIA_HEADERS_TIMEOUT_MS: '20000', XMEDIA_REQUEST_TIMEOUT_MS: '10000' }), ConfigError);
    assert.throws(() => readConfig({ XMEDIA_MAX_CONNECTIONS: '-1' }), ConfigError);
    assert.throws(() => readConfig({ XMEDIA_JSON_MAX_VALUES: '0' }), ConfigError);
  });
});
