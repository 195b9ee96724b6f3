// Throughput and latency of edt serve at one concurrency level: CLIENTS clients each send REQUESTS streamed
// completions of MAX_TOKENS tokens (no early stop: the model's end token is biased out), one after another.
// Prints one JSON line: aggregate generated tokens/s over the wall time, time to first token p50/p99 and
// inter-token latency p50/p99 in ms.
// usage: [PROMPT_TOKENS=8] node bench.mjs BASE_URL CLIENTS REQUESTS MAX_TOKENS EOS_ID
const [base, c, r, m, eos] = process.argv.slice(2);
const clients = Number(c), requests = Number(r), maxTokens = Number(m);
const promptTokens = Number(process.env.PROMPT_TOKENS || 8);
const ttft = [], itl = [];
let tokens = 0;

async function one(client, i) {
  // A prompt of PROMPT_TOKENS token ids (default 8), different per request, so no prompt is served from the cache.
  const prompt = Array.from({ length: promptTokens }, (_, k) => 100 + ((client * 131 + i * 17 + k * 37) % 900));
  const body = { prompt, max_tokens: maxTokens,
                 seed: client * 1000 + i, stream: true, stream_options: { include_usage: true },
                 logit_bias: { [eos]: -100 } };
  const t0 = performance.now();
  const res = await fetch(`${base}/v1/completions`, { method: 'POST', body: JSON.stringify(body) });
  if (res.status !== 200) throw new Error(`status ${res.status}: ${await res.text()}`);
  const decoder = new TextDecoder();
  let buf = '', last = null;
  for await (const part of res.body) {
    buf += decoder.decode(part, { stream: true });
    let k;
    while ((k = buf.indexOf('\n\n')) >= 0) {
      const ev = buf.slice(0, k);
      buf = buf.slice(k + 2);
      if (!ev.startsWith('data: ') || ev === 'data: [DONE]') continue;
      const j = JSON.parse(ev.slice(6));
      if (j.usage) tokens += j.usage.completion_tokens;
      if (!j.choices?.length || !j.choices[0].text) continue;
      const now = performance.now();
      if (last === null) ttft.push(now - t0);
      else itl.push(now - last);
      last = now;
    }
  }
}

const pct = (a, p) => { const s = [...a].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
const t0 = performance.now();
await Promise.all([...Array(clients).keys()].map(async client => { for (let i = 0; i < requests; ++i) await one(client, i); }));
const seconds = (performance.now() - t0) / 1000;
console.log(JSON.stringify({ clients, requests: clients * requests, tokens, seconds: +seconds.toFixed(2),
  tok_s: +(tokens / seconds).toFixed(1), ttft_p50_ms: +pct(ttft, 0.5).toFixed(1), ttft_p99_ms: +pct(ttft, 0.99).toFixed(1),
  itl_p50_ms: +pct(itl, 0.5).toFixed(2), itl_p99_ms: +pct(itl, 0.99).toFixed(2) }));
