// --api-key: requests need "Authorization: Bearer KEY"; a wrong or missing key is a 401 error object; /health is open.
// usage: node auth_client.mjs BASE_URL KEY
import OpenAI from 'openai';
import assert from 'node:assert/strict';

const [base, key] = process.argv.slice(2);
const good = new OpenAI({ baseURL: `${base}/v1`, apiKey: key, maxRetries: 0 });
const bad = new OpenAI({ baseURL: `${base}/v1`, apiKey: key + 'x', maxRetries: 0 });
const r = await good.completions.create({ model: 'm', prompt: 'The', max_tokens: 3 });
assert.equal(r.choices.length, 1);
await assert.rejects(bad.completions.create({ model: 'm', prompt: 'The', max_tokens: 3 }),
  e => e instanceof OpenAI.AuthenticationError && e.status === 401);
await assert.rejects(bad.models.list(), e => e.status === 401);
const noKey = await fetch(`${base}/v1/models`);
assert.equal(noKey.status, 401);
assert.equal(typeof (await noKey.json()).error.message, 'string');
assert.equal((await fetch(`${base}/health`)).status, 200);
console.log('auth: 6 checks passed');
