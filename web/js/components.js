// Pieces several views share: status badges, count pills, breadcrumbs, run headers, points.
import { h, timeEl, shortRef, shortCommit } from './dom.js';
import { cls, progress, progressText, etaText, ACTIVE_RUN } from './status.js';

export const LABEL = { PASS: 'pass', FAIL: 'fail', ERROR: 'error', MISS: 'missed', SKIP: 'skipped',
	running: 'running', queued: 'queued', cancelled: 'cancelled' };

export function badge(status, text) {
	return h('span', { class: `badge ${cls(status)}`, title: LABEL[status] || status }, text ?? status ?? '—');
}

/*
 * Count pills of a {STATUS: n} object in a fixed order, zero counts left out; with `key`,
 * each pill carries data-count="key-STATUS" (tests and live updates find them).
 */
export function pills(counts, key, order = ['PASS', 'FAIL', 'ERROR', 'MISS', 'SKIP', 'running', 'queued',
	'cancelled']) {
	const out = h('span', { class: 'pills' });
	for (const s of order) {
		const n = counts?.[s];
		if (!n)
			continue;
		out.append(h('span', { class: `pill ${cls(s)}`, title: `${n} ${LABEL[s] || s}`,
			dataset: key ? { count: `${key}-${s}` } : undefined }, h('b', null, n), ' ', LABEL[s] || s));
	}
	if (!out.childElementCount)
		out.append(h('span', { class: 'muted' }, '—'));
	return out;
}

export function crumbs(...items) {
	const nav = h('nav', { class: 'crumbs', 'aria-label': 'breadcrumb' });
	items.forEach((it, i) => {
		if (i)
			nav.append(h('span', { class: 'sep', 'aria-hidden': 'true' }, '›'));
		nav.append(Array.isArray(it) ? h('a', { href: it[1] }, it[0]) : h('span', null, it));
	});
	return nav;
}

export const branchHref = (run) => `#/?tree=${encodeURIComponent(run.tree.name)}&ref=${encodeURIComponent(run.ref)}`;
export const branchLabel = (run) => `${run.tree.name} · ${shortRef(run.ref)}`;

/* The state of a run: a badge for the stage, a bar for the share of finished jobs. */
export function runState(run) {
	const wrap = h('span', { class: 'runstate', dataset: { state: run.state } });
	const active = ACTIVE_RUN.has(run.state);
	const st = { done: 'PASS', error: 'ERROR', superseded: 'SKIP', cancelled: 'cancelled' }[run.state];
	wrap.append(h('span', { class: `state ${active ? 's-running' : cls(st)}` }, run.state));
	if (run.state === 'done' || run.state === 'error' || run.state === 'cancelled' || run.state === 'superseded') {
		if (run.state === 'superseded' && run.superseded_by)
			wrap.append(' ', h('a', { href: `#/run/${run.superseded_by}`, class: 'muted' }, `by #${run.superseded_by}`));
		return wrap;
	}
	const p = progress(run);
	const bar = h('span', { class: 'bar', title: p === null ? 'configuring' : `${Math.round(p * 100)} % of jobs done` });
	const fill = h('span', { class: 'fill' });
	fill.style.width = `${Math.round((p ?? 0) * 100)}%`;
	bar.append(fill);
	wrap.append(bar);
	const counts = progressText(run), eta = etaText(run);
	if (counts)
		wrap.append(h('span', { class: 'stage muted', dataset: { progress: '' } }, counts));
	if (eta)
		wrap.append(h('span', { class: 'stage muted', dataset: { eta: String(run.progress.eta_s) },
			title: `estimated from the median build (${Math.round(run.progress.eta_basis.build_s)} s) and boot ` +
				`(${Math.round(run.progress.eta_basis.boot_s)} s) of ${run.progress.eta_basis.from}` }, ` · ${eta}`));
	return wrap;
}

/* Commit, subject and author of a run, as a compact block. */
export function commitLine(run, withLink = true, withSubject = true) {
	const subject = run.subject || (run.commit_id ? '(no subject)' : run.state === 'superseded' || run.state === 'cancelled' ?
		`(${run.state} before it started)` : '(commit not resolved yet)');
	return h('span', { class: 'commit' },
		!withSubject ? null : withLink ? h('a', { href: `#/run/${run.id}`, class: 'subject' }, subject) :
			h('span', { class: 'subject' }, subject),
		h('span', { class: 'meta' },
			run.commit_id ? h('code', { title: run.commit_id }, shortCommit(run.commit_id)) : null,
			run.author_name ? h('span', { title: run.author_email || '' }, run.author_name) : null,
			timeEl(run.created_at)));
}

/* A point as a row of small "SYMBOL=v" chips; `other` marks the axes that differ from it. */
export function pointChips(point, axes, other) {
	const out = h('span', { class: 'chips' });
	axes.forEach((a, i) => {
		const v = point?.[i] ?? '?';
		const diff = other && other[i] !== v;
		out.append(h('span', { class: `chip v-${v}${diff ? ' diff' : ''}`, title: `${a.symbol}=${v}` },
			h('span', { class: 'sym' }, a.symbol), h('span', { class: 'val' }, v)));
	});
	return out;
}

export function section(title, ...children) {
	return h('section', { class: 'card' }, h('h2', null, title), ...children);
}

export function emptyNote(text) {
	return h('p', { class: 'muted empty' }, text);
}
