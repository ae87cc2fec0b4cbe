// A deliberate leak, for checking that `npm run soak` catches one (`--inject-leak BYTES`): preloaded into the
// server, it keeps BYTES of every request forever, out of the V8 heap (Buffers), as a native leak would.
import http from 'node:http';

const bytes = Number(process.env.XMEDIA_SOAK_LEAK_BYTES ?? 0);
const kept = [];
const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function (event, ...args) {
  if (event === 'request' && bytes > 0) kept.push(Buffer.alloc(bytes, 1));
  return emit.call(this, event, ...args);
};
