// N concurrent requests through the load balancer, half streamed; prints a JSON summary. A replica is killed while
// they run (by nginx_test.sh). Each request is bounded by a timeout, so a hang shows up as "hung", not as a stuck test;
// the bound (200 s) is far above the slowest honest finish (about 60 s at the scalar level on one thread).
// usage: node nginx_clients.mjs BASE_URL N
const [base, nArg] = process.argv.slice(2);
const n = Number(nArg);
const summary = { plain_ok: 0, plain_failed: [], stream_done: 0, stream_error: 0, hung: 0 };

async function one(i) {
  const stream = i % 2 === 1;
  const body = { prompt: `The sea ${i}`, max_tokens: 60 + (i % 4) * 30, seed: i, stream };
  const signal = AbortSignal.timeout(200000);
  try {
    const res = await fetch(`${base}/v1/completions`, { method: 'POST', body: JSON.stringify(body), signal,
                                                        headers: { 'Content-Type': 'application/json' } });
    if (!stream) {
      const j = await res.json();
      if (res.status === 200 && j.choices?.[0]?.text !== undefined && j.usage.completion_tokens >= 1) ++summary.plain_ok;
      else summary.plain_failed.push(`${i}: ${res.status} ${JSON.stringify(j).slice(0, 200)}`);
      return;
    }
    if (res.status !== 200) { ++summary.stream_error; return; }
    const text = await res.text();  // throws when the connection is cut mid-stream
    if (text.trimEnd().endsWith('data: [DONE]')) ++summary.stream_done;
    else ++summary.stream_error;    // ended without [DONE]: an error event or a cut
  } catch (e) {
    if (e.name === 'TimeoutError') ++summary.hung;
    else if (stream) ++summary.stream_error;
    else summary.plain_failed.push(`${i}: ${e.name} ${e.message} ${e.cause?.message ?? ''}`);
  }
}

await Promise.all([...Array(n).keys()].map(one));
console.log(JSON.stringify(summary));
if (summary.hung || summary.plain_failed.length || summary.plain_ok + summary.stream_done + summary.stream_error !== n)
  process.exit(1);
