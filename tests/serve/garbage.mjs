// Random and malformed bytes at the HTTP layer (cpp-httplib's parser): random bytes, broken request lines, bad
// Content-Length and chunked bodies, huge headers, truncated requests. Each connection is bounded (1 s); afterwards
// the server must still answer. usage: node garbage.mjs HOST PORT COUNT SEED
import net from 'node:net';

const [host, portArg, countArg, seedArg] = process.argv.slice(2);
const port = Number(portArg), count = Number(countArg);
let seed = Number(seedArg) >>> 0;
const rand = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 4294967296);
const pick = a => a[Math.floor(rand() * a.length)];
const bytes = n => Buffer.from(Array.from({ length: n }, () => Math.floor(rand() * 256)));

const good = '{"prompt": "The sea", "max_tokens": 2}';
const shapes = [
  () => bytes(1 + Math.floor(rand() * 400)),
  () => Buffer.from(`${pick(['POST', 'GET', 'PUT', 'BREW', ''])} ${pick(['/v1/completions', '/', '*', '//..//', '/%00'])} ${pick(['HTTP/1.1', 'HTTP/9.9', '', 'HTTP/1.1 extra'])}\r\n\r\n`),
  () => Buffer.from(`POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: ${pick(['99999999999', '-5', 'abc', '10', '1e3'])}\r\n\r\n${good}`),
  () => Buffer.from(`POST /v1/completions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${pick(['zz\r\n', 'ffffffffffff\r\n', '5\r\nabc', '3\r\n{"p\r\n0\r\n\r\n'])}`),
  () => Buffer.from(`GET /health HTTP/1.1\r\n${'X-Long: ' + 'a'.repeat(Math.floor(rand() * 20000))}\r\n\r\n`),
  () => Buffer.from(`GET /health HTTP/1.1\r\n${Array.from({ length: 200 }, (_, i) => `H${i}: v`).join('\r\n')}\r\n\r\n`),
  () => { const r = Buffer.from(`POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: ${good.length}\r\n\r\n${good}`);
          return r.subarray(0, Math.floor(rand() * r.length)); },
  () => { const r = Buffer.from(`POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: ${good.length}\r\n\r\n${good}`);
          for (let i = 0; i < 4; ++i) r[Math.floor(rand() * r.length)] = Math.floor(rand() * 256);
          return r; },
];

function one() {
  return new Promise(resolve => {
    const s = net.connect(port, host);
    const done = () => { s.destroy(); resolve(); };
    s.setTimeout(1000, done);
    s.on('error', done);
    s.on('close', done);
    s.on('data', () => {});
    s.on('connect', () => { s.write(pick(shapes)()); if (rand() < 0.5) s.end(); });
  });
}

for (let i = 0; i < count; i += 15) await Promise.all(Array.from({ length: Math.min(15, count - i) }, one));
const res = await fetch(`http://${host}:${port}/v1/completions`, { method: 'POST', body: good });
if (res.status !== 200) { console.error(`after the garbage: ${res.status}`); process.exit(1); }
console.log(`garbage: ${count} malformed connections; the server still answers`);
