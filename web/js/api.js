// The JSON API the dashboard reads.

export class ApiError extends Error {
	constructor(status, message) {
		super(message);
		this.status = status;
	}
}

async function request(path) {
	let res;
	try {
		res = await fetch(`/api/v1${path}`, { cache: 'no-cache' }); // revalidated: run views answer 304 by ETag
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
export const bisections = (id) => getJSON(`/runs/${id}/bisections`).then((r) => r.bisections);
export const workers = () => getJSON('/workers').then((r) => r.workers);
export const job = (id) => getJSON(`/jobs/${id}`);
export const artifactPath = (job, name) => `/api/v1/jobs/${job}/artifacts/${encodeURIComponent(name)}`;
export const artifact = (job, name) => getText(`/jobs/${job}/artifacts/${encodeURIComponent(name)}`);

/*
 * The server's comparison of run `id` with run `base` (default: the run's base_run, the one rule
 * the API and the mail use too): {run, base, provisional, configs: [{point, config_id,
 * base_config_id, status, base_status, change}], signatures: [{id, type, message, change, configs}]}.
 */
export const compare = (id, base = null) => getJSON(`/runs/${id}/compare${base ? `?base=${base}` : ''}`);
