// bench-jsforce.mjs is the "plain hand-written jsforce script" lifecycled's
// sync is measured against (docs/benchmarks.md, "Sync"). It does the job of
// one first sync with the rules already evaluated: log in with the client
// credentials flow, query every Account with the fields lifecycled reads
// (REST query, queryMore paging), compare each record with its desired tags
// and status, and update the records that differ through sObject Collections
// in batches of 200 (allOrNone false), one request at a time.
//
// The desired values come from a JSON-lines file made beforehand by
// `lifecycled export | lifecycled eval` over the same emulator data (fields
// Id, tags, status, tags_changed, status_changed), so the script does no rule
// evaluation of its own: that work is not in its time.
//
//   NODE_PATH=/path/to/node_modules node scripts/bench-jsforce.mjs \
//     INSTANCE_URL CLIENT_ID DESIRED.jsonl    (client secret in BENCH_SECRET)
//
// It prints one JSON line: pulled, changed, written, failed, api_calls (query
// pages + update requests it sent), api_used (the org's count from the last
// Sforce-Limit-Info header), token_requests and the phases' durations in ms.
// jsforce is not a dependency of the repository: install it outside the tree
// (npm install jsforce@3) and point NODE_PATH at its node_modules.
import { createRequire } from 'node:module';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

// createRequire resolves through NODE_PATH, which ES module imports ignore.
const require = createRequire(import.meta.url);
const jsforce = require('jsforce');

const [instanceUrl, clientId, desiredPath] = process.argv.slice(2);
const clientSecret = process.env.BENCH_SECRET;
if (!instanceUrl || !clientId || !desiredPath || !clientSecret) {
  console.error('usage: BENCH_SECRET=SECRET node bench-jsforce.mjs INSTANCE_URL CLIENT_ID DESIRED.jsonl');
  process.exit(2);
}

const version = '62.0';
const object = 'Account';
const tagsField = 'Lifecycle_Tags__c';
const statusField = 'Account_Lifecycle_Status__c';
// The fields `lifecycled export` selects with the default config.
const fields = ['Id', 'SystemModstamp', 'RecordTypeId', 'Start_Date__c', 'Renewal_Date__c',
  'Paying_Customer__c', 'Customer_Health__c', 'Active_Users__c', 'Licensed_Seats__c',
  'Last_Activity_Date__c', tagsField, statusField];
const batchSize = 200;

const t0 = performance.now();
const ms = (t) => Math.round(performance.now() - t);

// The desired values, by Id. Only accounts the rules change are kept.
async function readDesired(path) {
  const desired = new Map();
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim()) continue;
    const d = JSON.parse(line);
    if (d.tags_changed || d.status_changed) {
      desired.set(d.Id, { tagsChanged: d.tags_changed, tags: d.tags, statusChanged: d.status_changed, status: d.status });
    }
  }
  return desired;
}

// The token endpoint's client credentials flow, as a plain form POST.
async function login() {
  const res = await fetch(new URL('/services/oauth2/token', instanceUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }),
  });
  const body = await res.json();
  if (!res.ok) throw new Error(`token request: ${res.status} ${body.error}: ${body.error_description}`);
  return new jsforce.Connection({ instanceUrl: body.instance_url, accessToken: body.access_token, version });
}

const same = (a, b) => (a ?? '') === (b ?? '');

async function main() {
  const desired = await readDesired(desiredPath);
  const tDesired = ms(t0);

  const tLogin = performance.now();
  const conn = await login();
  const loginMs = ms(tLogin);

  // Query every account, page by page, and keep the updates to make.
  const tQuery = performance.now();
  const updates = [];
  let pulled = 0;
  let calls = 0;
  let res = await conn.query(`SELECT ${fields.join(', ')} FROM ${object}`);
  calls++;
  for (;;) {
    for (const rec of res.records) {
      pulled++;
      const d = desired.get(rec.Id);
      if (!d) continue;
      const u = {};
      if (d.tagsChanged && !same(rec[tagsField], d.tags)) u[tagsField] = d.tags;
      if (d.statusChanged && !same(rec[statusField], d.status)) u[statusField] = d.status;
      if (Object.keys(u).length > 0) updates.push({ Id: rec.Id, ...u });
    }
    if (res.done) break;
    res = await conn.queryMore(res.nextRecordsUrl);
    calls++;
  }
  const queryMs = ms(tQuery);

  // Update in batches of 200 through sObject Collections, allOrNone false.
  const tWrite = performance.now();
  let written = 0;
  let failed = 0;
  const errors = {};
  for (let i = 0; i < updates.length; i += batchSize) {
    const results = await conn.sobject(object).update(updates.slice(i, i + batchSize), { allOrNone: false });
    calls++;
    for (const r of results) {
      if (r.success) {
        written++;
      } else {
        failed++;
        const code = r.errors?.[0]?.errorCode ?? r.errors?.[0]?.statusCode ?? 'unknown';
        errors[code] = (errors[code] ?? 0) + 1;
      }
    }
  }
  const writeMs = ms(tWrite);

  console.log(JSON.stringify({
    pulled, changed: updates.length, written, failed, errors, api_calls: calls,
    api_used: conn.limitInfo?.apiUsage?.used ?? null, token_requests: 1,
    desired_ms: tDesired, login_ms: loginMs, query_ms: queryMs, write_ms: writeMs, total_ms: ms(t0),
  }));
}

main().catch((err) => {
  console.error(`bench-jsforce: ${err.stack ?? err}`);
  process.exit(1);
});
