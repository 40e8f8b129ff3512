#!/usr/bin/env node
// What the dashboard shows for a run's comparison, computed by the dashboard's own module
// (web/js/api.js) against a running server: the base it compares with and the changes.
//   node dashboard_compare.mjs URL RUN  ->  {"base":N|null,"configs":{change:count},"signatures":{"ID":change}}
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

const [url, runArg] = process.argv.slice(2);
const realFetch = globalThis.fetch;
globalThis.fetch = (path, opts) => realFetch(new URL(path, url), opts);
const api = await import(pathToFileURL(join(process.env.KM_SOURCE_DIR, 'web/js/api.js')));

const cmp = await api.compare(Number(runArg));
const configs = {};
for (const c of cmp.configs)
	configs[c.change] = (configs[c.change] || 0) + 1;
const signatures = {};
for (const s of cmp.signatures)
	if (!s.secondary)
		signatures[s.id] = s.change;
console.log(JSON.stringify({ base: cmp.base, configs, signatures }));
