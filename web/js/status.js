// Statuses: what a configuration's build and boots add up to, and how points are written.

export const ACTIVE_RUN = new Set(['queued', 'configuring', 'building', 'booting']);

export const isFinal = (s) => ['PASS', 'FAIL', 'ERROR', 'MISS', 'SKIP', 'cancelled'].includes(s);

/* CSS class of a status: s-pass, s-fail, s-running ... */
export const cls = (s) => `s-${String(s || 'queued').toLowerCase()}`;

const BUILD_WHY = { FAIL: 'the build failed', ERROR: 'the build could not be done (farm error)', MISS: 'not built',
	SKIP: 'build skipped', running: 'building', queued: 'build queued', cancelled: 'build cancelled' };
const BOOT_WHY = { FAIL: 'boot failed', ERROR: 'boot not done (farm error)', running: 'booting', queued: 'boot queued',
	MISS: 'boot missed' };

/*
 * A configuration from /runs/{id}/matrix as one status: the build's, then the boots', then its
 * findings (EXPECT: an [expect] rule is violated; RACE: repeated boots disagree about an owner).
 * Returns {status, stage: 'build'|'boot', why} where why names what decided it.
 */
export function configStatus(c) {
	const b = c && c.build;
	if (!b || !b.status)
		return { status: 'queued', stage: 'build', why: 'build not queued yet' };
	if (b.status !== 'PASS')
		return { status: b.status, stage: 'build', why: BUILD_WHY[b.status] || `build ${b.status}` };
	const boots = c.boots || [];
	for (const s of ['FAIL', 'ERROR', 'running', 'queued', 'MISS']) {
		const hit = boots.filter((x) => x.status === s);
		if (hit.length) {
			const status = s === 'queued' ? 'running' : s;
			return { status, stage: 'boot', why: `${BOOT_WHY[s]}: ${hit.map((x) => x.variant).join(', ')}` };
		}
	}
	/* Findings of the matrix's [expect] rules: a violated rule, else a boot race (repeats disagreed). */
	const findings = c.findings || [];
	for (const [type, status, what] of [['expect', 'EXPECT', 'violates'], ['race', 'RACE', 'boots race in']]) {
		const hit = findings.filter((f) => f.type === type);
		if (hit.length) {
			const names = [...new Set(hit.map((f) => (type === 'race' ? f.variant : f.rule)))];
			return { status, stage: 'expect', why: `${what} ${names.join(', ')}` };
		}
	}
	return { status: 'PASS', stage: boots.length ? 'boot' : 'build', why: boots.length ? 'built and booted' : 'built' };
}

/* {PASS: n, FAIL: n, ...} of a status list. */
export function tally(list) {
	const t = {};
	for (const s of list)
		t[s] = (t[s] || 0) + 1;
	return t;
}

/* Sum of a run's counts object for one job kind ({PASS: 3, queued: 2}). */
export const total = (o) => Object.values(o || {}).reduce((a, b) => a + b, 0);

/* Finished jobs over all jobs of the run (build and boot), 0..1; null when nothing is known yet. */
export function progress(run) {
	// Totals known up front (configs × variants once configured) beat counting the jobs made so far.
	const p = run.progress;
	if (p?.builds?.total !== undefined && p?.boots?.total !== undefined) {
		const all = p.builds.total + p.boots.total;
		return all ? (p.builds.done + p.boots.done) / all : null;
	}
	const c = run.counts || {};
	const all = total(c.build) + total(c.boot);
	if (!all)
		return null;
	const pending = (c.build?.queued || 0) + (c.build?.running || 0) + (c.boot?.queued || 0) + (c.boot?.running || 0);
	return (all - pending) / all;
}

/* Number of axes on which two points differ. */
export function distance(p, q) {
	let d = 0;
	for (let i = 0; i < Math.max(p.length, q.length); i++)
		if (p[i] !== q[i])
			d++;
	return d;
}

/* "about 14 min left" from the server's estimate (measured job times of this matrix), or null. */
export function etaText(run) {
	const p = run.progress;
	if (p?.eta_s === undefined || p.eta_s === null)
		return null;
	// The view was rendered at the run's last change: count down from then.
	const s = Math.max(0, p.eta_s - (p.estimated_at ? Date.now() / 1000 - p.estimated_at : 0));
	if (s < 60)
		return 'less than a minute left';
	if (s < 3600)
		return `about ${Math.round(s / 60)} min left`;
	return `about ${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min left`;
}

/* "builds 12/81 · boots 30/243" once the totals are known, else null. */
export function progressText(run) {
	const p = run.progress;
	if (p?.builds?.total === undefined)
		return null;
	const parts = [`builds ${p.builds.done}/${p.builds.total}`];
	if (p.boots?.total)
		parts.push(`boots ${p.boots.done}/${p.boots.total}`);
	return parts.join(' · ');
}
