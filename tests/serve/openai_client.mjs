// The official openai npm client against a running edt serve: non-streaming and streaming completions and chat,
// usage, finish_reason, stop strings, logprobs, seeds, the EDT fields, errors, and the API key.
// usage: node openai_client.mjs BASE_URL [API_KEY]
import OpenAI from 'openai';
import assert from 'node:assert/strict';

const base = process.argv[2];
const key = process.argv[3] || 'unused';
const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: key, maxRetries: 0, timeout: 60000 });
let checks = 0;
const check = (cond, what) => { assert.ok(cond, what); ++checks; };

async function collect(stream) {
  let text = '', finish = null, usage = null, chunks = 0;
  for await (const c of stream) {
    ++chunks;
    if (c.usage) usage = c.usage;
    if (!c.choices.length) continue;
    const ch = c.choices[0];
    text += ch.text ?? ch.delta?.content ?? '';
    if (ch.finish_reason) finish = ch.finish_reason;
  }
  return { text, finish, usage, chunks };
}

// Models.
const models = await client.models.list();
check(models.data.length === 1 && typeof models.data[0].id === 'string', 'one model listed');

// Completions: non-streamed, then the same seed streamed gives the same text.
const prompt = 'Call me Ishmael. Some years ago';
const a = await client.completions.create({ model: 'm', prompt, max_tokens: 24, seed: 42 });
check(a.object === 'text_completion' && a.choices.length === 1, 'completion object');
check(a.choices[0].finish_reason === 'length' || a.choices[0].finish_reason === 'stop', 'finish_reason');
check(a.usage.completion_tokens >= 1 && a.usage.completion_tokens <= 24, 'usage.completion_tokens');
check(a.usage.prompt_tokens > 0 && a.usage.total_tokens === a.usage.prompt_tokens + a.usage.completion_tokens, 'usage');
const s = await collect(await client.completions.create({
  model: 'm', prompt, max_tokens: 24, seed: 42, stream: true, stream_options: { include_usage: true } }));
check(s.text === a.choices[0].text, `streamed text equals the non-streamed one: ${JSON.stringify(s.text)} vs ${JSON.stringify(a.choices[0].text)}`);
check(s.finish === a.choices[0].finish_reason, 'streamed finish_reason');
check(s.usage && s.usage.completion_tokens === a.usage.completion_tokens, 'streamed usage');
check(s.chunks >= 3, 'several chunks');

// Token ids as the prompt; temperature 0 is greedy and repeatable without a seed.
const ids = await (await fetch(`${base}/tokenize`, { method: 'POST', headers: { Authorization: `Bearer ${key}` },
  body: JSON.stringify({ content: prompt, add_special: true }) })).json();
check(Array.isArray(ids.tokens) && ids.tokens.length > 3, '/tokenize');
const g1 = await client.completions.create({ model: 'm', prompt: ids.tokens, max_tokens: 12, temperature: 0 });
const g2 = await client.completions.create({ model: 'm', prompt, max_tokens: 12, temperature: 0 });
check(g1.choices[0].text === g2.choices[0].text, 'token-id prompt equals the text prompt (greedy)');
const detok = await (await fetch(`${base}/detokenize`, { method: 'POST', headers: { Authorization: `Bearer ${key}` },
  body: JSON.stringify({ tokens: ids.tokens }) })).json();
check(detok.content === prompt, `/detokenize round trip: ${JSON.stringify(detok.content)}`);

// Stop strings: the text ends before the first one.
const st = await client.completions.create({ model: 'm', prompt, max_tokens: 64, seed: 3, stop: ['\n', '.'] });
check(!st.choices[0].text.includes('\n') && !st.choices[0].text.includes('.'), 'stop strings cut the text');

// Logprobs (completions' legacy shape) and the EDT / dynatemp fields.
const lp = await client.completions.create({ model: 'm', prompt, max_tokens: 5, seed: 1, logprobs: 3 });
const L = lp.choices[0].logprobs;
check(L.tokens.length === lp.usage.completion_tokens && L.top_logprobs.every(t => Object.keys(t).length >= 1), 'logprobs');
check(L.token_logprobs.every(x => x <= 0), 'log-probabilities are <= 0');
const e1 = await client.completions.create({ model: 'm', prompt, max_tokens: 16, seed: 9, edt: { t0: 1.2, n: 0.7, theta: 2 } });
const e2 = await client.completions.create({ model: 'm', prompt, max_tokens: 16, seed: 9, edt: { t0: 1.2, n: 0.7, theta: 2 } });
check(e1.choices[0].text === e2.choices[0].text, 'EDT parameters with a seed repeat');
const d = await client.completions.create({ model: 'm', prompt, max_tokens: 8, seed: 9, dynatemp_range: 0.5, dynatemp_exponent: 1.5 });
check(d.usage.completion_tokens >= 1, 'dynatemp request');

// Chat, non-streamed and streamed with the same seed.
const messages = [{ role: 'system', content: 'You are terse.' }, { role: 'user', content: 'Tell me of the sea.' }];
const c1 = await client.chat.completions.create({ model: 'm', messages, max_tokens: 20, seed: 5 });
check(c1.object === 'chat.completion' && c1.choices[0].message.role === 'assistant', 'chat object');
check(typeof c1.choices[0].message.content === 'string', 'chat content');
const c2 = await collect(await client.chat.completions.create({ model: 'm', messages, max_tokens: 20, seed: 5, stream: true }));
check(c2.text === c1.choices[0].message.content, 'streamed chat equals the non-streamed one');
check(c2.finish === c1.choices[0].finish_reason, 'streamed chat finish_reason');
const c3 = await client.chat.completions.create({ model: 'm', messages, max_completion_tokens: 4, seed: 5, logprobs: true, top_logprobs: 2 });
check(c3.choices[0].logprobs.content.length === c3.usage.completion_tokens, 'chat logprobs per token');
check(c3.choices[0].logprobs.content.every(t => t.top_logprobs.length === 2), 'chat top_logprobs');
// The next turn shares the conversation's prefix: the server reuses that slot's cache.
const turn2 = [...messages, { role: 'assistant', content: c1.choices[0].message.content }, { role: 'user', content: 'More.' }];
const c4 = await client.chat.completions.create({ model: 'm', messages: turn2, max_tokens: 8, seed: 5 });
check(c4.usage.prompt_tokens_details.cached_tokens > 0, `prompt cache reused (${c4.usage.prompt_tokens_details.cached_tokens} tokens)`);

// Errors come back as the client's typed errors with the status.
for (const [body, status] of [[{ prompt, n: 2 }, 400], [{ prompt, max_tokens: -5 }, 400], [{ prompt, temperature: 9 }, 400],
                              [{ prompt, logit_bias: { x: 1 } }, 400]]) {
  try {
    await client.completions.create({ model: 'm', ...body });
    check(false, `expected ${status} for ${JSON.stringify(body)}`);
  } catch (e) {
    check(e instanceof OpenAI.APIError && e.status === status, `status ${e.status} for ${JSON.stringify(body)}`);
    check(typeof e.error?.message === 'string' && e.error.message.length > 0, 'error message');
  }
}
try {
  await client.chat.completions.create({ model: 'm', messages: [{ role: 'wizard', content: 'x' }] });
  check(false, 'unknown role accepted');
} catch (e) {
  check(e.status === 400 && /role/.test(e.error?.message ?? e.message), 'unknown role is a 400 naming the role');
}
console.log(`openai client: ${checks} checks passed`);
