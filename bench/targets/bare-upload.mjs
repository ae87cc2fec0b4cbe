// The upload ceiling: node:http streaming each request body onto the end of one file and fsyncing it before
// answering, as a durable append must.
import { createWriteStream, mkdirSync, openSync, fsyncSync, closeSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

const dir = process.env.BENCH_DIR;
mkdirSync(dir, { recursive: true });
let n = 0;
const server = http.createServer(async (req, res) => {
  const file = path.join(dir, `segment-${n++}`);
  await pipeline(req, createWriteStream(file));
  const fd = openSync(file, 'r');
  fsyncSync(fd);
  closeSync(fd);
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end('{"data":{}}');
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('ready\n'));
