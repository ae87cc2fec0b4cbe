// The ceiling: node:http answering every request with a constant JSON body, reading (and discarding) the body.
// With BARE_ANSWER (JSON: { headers: [name, value, ...], body }) it answers those headers and that body instead:
// the lookup scenario replays xmedia's own answer, to show what the answer's size alone costs node:http.
import http from 'node:http';

const answer = process.env.BARE_ANSWER
  ? JSON.parse(process.env.BARE_ANSWER)
  : { headers: ['content-type', 'application/json; charset=utf-8'], body: JSON.stringify({ data: { id: '1146654567674912769', associated_metadata: { alt_text: { text: 'dancing cat' } } } }) };
const body = Buffer.from(answer.body);
const headers = [...answer.headers, 'content-length', String(body.length)];
const server = http.createServer((req, res) => {
  req.on('data', () => {});
  req.on('end', () => {
    res.writeHead(200, headers);
    res.end(body);
  });
});
server.keepAliveTimeout = 72_000;
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('ready\n'));
