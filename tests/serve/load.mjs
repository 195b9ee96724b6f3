// Bounded load: CLIENTS clients x REQUESTS requests of mixed lengths, streamed and not, at once. Every request must
// succeed, and each seeded request's text must equal its run alone (measured first, one request at a time).
// usage: node load.mjs BASE_URL CLIENTS REQUESTS
import assert from 'node:assert/strict';

const [base, clientsArg, requestsArg] = process.argv.slice(2);
const clients = Number(clientsArg), perClient = Number(requestsArg);
const words = ['The sea', 'Call me Ishmael.', 'In the beginning', 'Mr. Speaker, the state of the Union is',
               'It was a dark night and', 'The Congress shall', 'And the whale', 'Whenever I find myself'];

function requestFor(c, r) {
  const i = c * perClient + r;
  const body = { prompt: `${words[i % words.length]} ${'and the ship '.repeat(i % 5)}`.trim(),
                 max_tokens: 8 + (i * 7) % 40 };
  if (i % 2 === 0) body.seed = 1000 + i;  // half seeded: compared with their lone runs
  if (i % 3 === 0) body.stream = true;
  return body;
}

async function run(body) {
  const res = await fetch(`${base}/v1/completions`, { method: 'POST', body: JSON.stringify(body),
                                                      signal: AbortSignal.timeout(120000) });
  if (res.status !== 200) throw new Error(`status ${res.status}: ${await res.text()}`);
  if (!body.stream) return (await res.json()).choices[0].text;
  const raw = await res.text();
  const events = raw.split('\n\n').filter(e => e.startsWith('data: ')).map(e => e.slice(6));
  assert.equal(events.at(-1), '[DONE]', 'a stream ends with [DONE]');
  let text = '';
  for (const e of events.slice(0, -1)) text += JSON.parse(e).choices[0].text;
  return text;
}

const all = [];
for (let c = 0; c < clients; ++c) for (let r = 0; r < perClient; ++r) all.push([c, r]);
const alone = new Map();
for (const [c, r] of all) {
  const body = requestFor(c, r);
  if (body.seed !== undefined) alone.set(`${c}/${r}`, await run(body));
}
const t0 = Date.now();
let done = 0, mismatches = [];
await Promise.all([...Array(clients).keys()].map(async c => {
  for (let r = 0; r < perClient; ++r) {
    const body = requestFor(c, r);
    const text = await run(body);
    ++done;
    if (body.seed !== undefined && text !== alone.get(`${c}/${r}`))
      mismatches.push(`${c}/${r}: ${JSON.stringify(text)} vs alone ${JSON.stringify(alone.get(`${c}/${r}`))}`);
  }
}));
assert.equal(done, clients * perClient);
assert.deepEqual(mismatches, [], 'seeded requests give the text they give alone');
console.log(`load: ${done} requests from ${clients} clients in ${((Date.now() - t0) / 1000).toFixed(1)} s; ` +
            `${alone.size} seeded ones equal their lone runs`);
