// The ceiling: node:http answering every request with a constant JSON body, reading (and discarding) the body.
import http from 'node:http';

const body = Buffer.from(JSON.stringify({ data: { id: '1146654567674912769', associated_metadata: { alt_text: { text: 'dancing cat' } } } }));
const server = http.createServer((req, res) => {
  req.on('data', () => {});
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
    res.end(body);
  });
});
server.keepAliveTimeout = 72_000;
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('ready\n'));
