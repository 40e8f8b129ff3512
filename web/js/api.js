// The JSON API, and the run comparison (server-side when the server has it, else computed here).

export class ApiError extends Error {
	constructor(status, message) {
		super(message);
		this.status = status;
	}
}

async function request(path) {
	let res;
	try {
		res = await fetch(`/api/v1${path}`, { cache: 'no-store' });
	} catch (e) {
		throw new ApiError(0, `the server cannot be reached (${e.message})`);
	}
	if (!res.ok) {
		let msg = `HTTP ${res.status}`;
		try {
			const body = await res.json();
			if (body && body.error)
				msg = body.error;
		} catch (e) {
			/* not JSON: keep the status line */
		}
		throw new ApiError(res.status, msg);
	}
	return res;
}

export const getJSON = async (path) => (await request(path)).json();
export const getText = async (path) => (await request(path)).text();

export const runs = (limit = 200) => getJSON(`/runs?limit=${limit}`).then((r) => r.runs);
export const run = (id) => getJSON(`/runs/${id}`);
export const matrix = (id) => getJSON(`/runs/${id}/matrix`);
export const signatures = (id) => getJSON(`/runs/${id}/signatures`).then((r) => r.signatures);
export const config = (id) => getJSON(`/configs/${id}`);
export const configText = (id) => getText(`/configs/${id}/config`);
export const signature = (id) => getJSON(`/signatures/${id}`);
export const workers = () => getJSON('/workers').then((r) => r.workers);
export const job = (id) => getJSON(`/jobs/${id}`);
export const artifactPath = (job, name) => `/api/v1/jobs/${job}/artifacts/${encodeURIComponent(name)}`;
export const artifact = (job, name) => getText(`/jobs/${job}/artifacts/${encodeURIComponent(name)}`);

/* Runs a run is compared with by default: finished ones (as the server's compare does). */
export const comparable = (r) => r.state === 'done';

/* The default base of a run: the newest earlier finished run of the same tree and ref. */
export async function defaultBase(r) {
	const list = await getJSON(`/runs?tree=${encodeURIComponent(r.tree.name)}&ref=${encodeURIComponent(r.ref)}` +
		'&limit=200').then((x) => x.runs);
	const prev = list.find((p) => p.id < r.id && comparable(p));
	return prev ? prev.id : null;
}

let endpoint = null; // Promise<boolean>: does the server answer GET /runs/{id}/compare?

/* The server has no such route (an unknown run is a 404 too, with another message). */
const missing = (e) => e instanceof ApiError && (e.status === 405 || /no such API endpoint/.test(e.message));

/*
 * Compares run `id` with run `base`: {run, base, configs: [{point, config_id, base_config_id,
 * status, base_status, change}], signatures: [{id, type, message, change, configs}]}.
 * Uses GET /runs/{id}/compare when the server has it, otherwise the same from the two runs'
 * matrices and signatures.
 */
export async function compare(id, base) {
	const path = `/runs/${id}/compare?base=${base}`;
	if (!endpoint) {
		const first = getJSON(path);
		endpoint = first.then(() => true, (e) => !missing(e));
		try {
			return await first;
		} catch (e) {
			if (!missing(e))
				throw e;
			return compareLocal(id, base);
		}
	}
	return (await endpoint) ? getJSON(path) : compareLocal(id, base);
}

export async function compareLocal(id, base) {
	const [m, mb, s, sb] = await Promise.all([matrix(id), matrix(base), signatures(id), signatures(base)]);
	return compareData(m, mb, s, sb);
}

/*
 * A configuration's verdict for comparisons, as the server computes it: FAIL when the build or
 * any boot failed, else ERROR when one errored, else PASS; "" while unfinished. SKIP and MISS
 * boots never hide the build's status.
 */
export function verdict(c) {
	const order = ['', 'MISS', 'SKIP', 'PASS', 'ERROR', 'FAIL'];
	let st = '';
	const combine = (s) => {
		const a = order.indexOf(st), b = order.indexOf(s ?? '');
		if (b > a && b >= 3)
			st = order[b];
	};
	const b = c.build?.status;
	combine(order.includes(b) ? b : '');
	if (st === 'PASS')
		for (const x of c.boots || [])
			if (order.includes(x.status))
				combine(x.status);
	return st;
}

/* What changed for one configuration, given its verdict now and in the base (null: not there). */
export function changeOf(now, before) {
	const failNow = now === 'FAIL', failBefore = before === 'FAIL';
	if (before === null)
		return failNow ? 'new-failure' : 'new';
	if (failNow && failBefore)
		return 'still-failing';
	if (failNow)
		return before === 'PASS' ? 'new-failure' : 'failing';
	if (failBefore && now === 'PASS')
		return 'fixed';
	if (now === 'PASS' && before === 'PASS')
		return 'still-passing';
	return 'unknown'; // unfinished, or a farm ERROR on one side
}

/*
 * The comparison from already fetched data, the same as the server's: a configuration matches
 * the base configuration with the same hash, else the one a request of the same point resolved to.
 */
export function compareData(m, mb, s, sb) {
	const reqPoints = (mx) => {
		const out = new Map();
		for (const r of mx.requests) {
			if (!r.config_id)
				continue;
			if (!out.has(r.config_id))
				out.set(r.config_id, []);
			out.get(r.config_id).push(r.point);
		}
		return out;
	};
	const baseByHash = new Map(mb.configs.map((c) => [c.hash, c]));
	const baseByPoint = new Map();
	for (const [id, points] of reqPoints(mb))
		for (const p of points)
			if (!baseByPoint.has(p))
				baseByPoint.set(p, mb.configs.find((c) => c.id === id));
	const nowPoints = reqPoints(m);
	const configs = m.configs.map((c) => {
		let b = baseByHash.get(c.hash) || null;
		for (const p of nowPoints.get(c.id) || []) {
			if (b)
				break;
			b = baseByPoint.get(p) || null;
		}
		const st = verdict(c), bst = b ? verdict(b) : null;
		return { point: c.point, config_id: c.id, base_config_id: b ? b.id : null, status: st, base_status: bst,
			change: changeOf(st, bst) };
	});
	const sigBefore = new Set(sb.map((x) => x.id));
	const sigNow = new Set(s.map((x) => x.id));
	const sig = (x, change) => ({ id: x.id, type: x.type, message: x.message, secondary: !!x.secondary,
		signature: x.signature, configs: x.configs, change });
	const sigs = s.map((x) => sig(x, sigBefore.has(x.id) ? 'still' : 'new'));
	for (const x of sb)
		if (!sigNow.has(x.id))
			sigs.push(sig(x, 'gone'));
	return { run: m.run.id, base: mb.run.id, configs, signatures: sigs };
}
