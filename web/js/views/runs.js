// The runs page: every tree and branch, newest run first, with progress and change markers.
import { h, replace, shortRef } from '../dom.js';
import * as api from '../api.js';
import { pills, runState, commitLine, emptyNote, branchLabel } from '../components.js';
import { ACTIVE_RUN } from '../status.js';

const MARKED_RUNS = 12; // runs per page that get a full comparison with their previous run

const compareCache = new Map(); // "run/base" -> {stamp, promise}

/* The comparison of a run with its base, recomputed only when the counts of either changed. */
function changes(run, base) {
	const stamp = JSON.stringify([run.counts, base.counts, run.state]);
	const key = `${run.id}/${base.id}`;
	const hit = compareCache.get(key);
	if (hit && hit.stamp === stamp)
		return hit.promise;
	const promise = api.compare(run.id, base.id).then((c) => {
		const n = (k) => c.configs.filter((x) => x.change === k).length;
		return { newFail: n('new-failure'), fixed: n('fixed'), newSigs: c.signatures.filter((s) => s.change === 'new' &&
			!s.secondary).length };
	});
	compareCache.set(key, { stamp, promise });
	promise.catch(() => compareCache.delete(key));
	return promise;
}

function changeCell(run, base, budget) {
	const td = h('td', { class: 'change' });
	if (!base) {
		td.append(h('span', { class: 'muted' }, 'first run'));
		return td;
	}
	if (!(run.counts?.configs > 0) || budget.left <= 0) {
		td.append(h('a', { href: `#/compare/${run.id}/${base.id}`, class: 'muted' }, `vs #${base.id}`));
		return td;
	}
	budget.left--;
	const a = h('a', { href: `#/compare/${run.id}/${base.id}`, class: 'marks', title: `compare with run #${base.id}` },
		h('span', { class: 'muted' }, '…'));
	td.append(a);
	changes(run, base).then((c) => {
		const marks = [];
		if (c.newFail)
			marks.push(h('span', { class: 'mark new-failure', dataset: { mark: 'new-failure' } }, `▲ ${c.newFail} new failure${c.newFail > 1 ? 's' : ''}`));
		if (c.fixed)
			marks.push(h('span', { class: 'mark fixed', dataset: { mark: 'fixed' } }, `▼ ${c.fixed} fixed`));
		if (c.newSigs)
			marks.push(h('span', { class: 'mark new-sig' }, `${c.newSigs} new error${c.newSigs > 1 ? 's' : ''}`));
		if (!marks.length)
			marks.push(h('span', { class: 'mark same' }, `no change vs #${base.id}`));
		if (ACTIVE_RUN.has(run.state))
			marks.push(h('span', { class: 'muted small' }, 'so far'));
		replace(a, marks);
	}, () => replace(a, h('span', { class: 'muted' }, `vs #${base.id}`)));
	return td;
}

function groupTable(runs, budget) {
	const body = h('tbody');
	runs.forEach((r, i) => {
		const base = r.base_run ? runs.find((p) => p.id === r.base_run) || { id: r.base_run } : null;
		const c = r.counts || {};
		body.append(h('tr', { class: `run-row state-${r.state}`, dataset: { run: r.id } },
			h('td', { class: 'num' }, h('a', { href: `#/run/${r.id}` }, `#${r.id}`)),
			h('td', null, runState(r)),
			h('td', { class: 'commit-cell' }, commitLine(r)),
			h('td', null, pills(c.build, `build-${r.id}`), c.configs ? h('div', { class: 'muted small' },
				`${c.configs} configs from ${c.requests} requests`) : h('div', { class: 'muted small' },
				`${c.requests} requests`)),
			h('td', null, pills(c.boot, `boot-${r.id}`)),
			changeCell(r, base, budget)));
	});
	return h('table', { class: 'runs' },
		h('colgroup', null, ['c-id', 'c-state', 'c-commit', 'c-builds', 'c-boots', 'c-change'].map((c) => h('col', { class: c }))),
		h('thead', null, h('tr', null, h('th', null, 'Run'), h('th', null, 'State'), h('th', null, 'Commit'),
			h('th', null, 'Builds'), h('th', null, 'Boots'), h('th', null, 'vs previous'))),
		body);
}

function draw(root, runs, query) {
	const tree = query.get('tree'), ref = query.get('ref');
	const shown = runs.filter((r) => (!tree || r.tree.name === tree) && (!ref || r.ref === ref));
	const groups = new Map();
	for (const r of shown) {
		const k = `${r.tree.name}\n${r.ref}`;
		if (!groups.has(k))
			groups.set(k, []);
		groups.get(k).push(r);
	}
	const out = [h('div', { class: 'page-head' }, h('h1', null, tree ? `Runs of ${tree}${ref ? ` · ${shortRef(ref)}` : ''}` :
		'Runs'), tree ? h('a', { href: '#/', class: 'muted' }, 'all trees and branches') : null)];
	if (!shown.length)
		out.push(emptyNote(runs.length ? 'No run matches this tree and branch.' :
			'No runs yet. Submit one with kmatrixctl submit, a webhook or the post-receive hook.'));
	const budget = { left: MARKED_RUNS };
	for (const list of groups.values()) {
		const r0 = list[0];
		out.push(h('section', { class: 'card group', dataset: { tree: r0.tree.name, ref: r0.ref } },
			h('h2', null, h('a', { href: `#/?tree=${encodeURIComponent(r0.tree.name)}&ref=${encodeURIComponent(r0.ref)}` },
				branchLabel(r0)), h('span', { class: 'muted url' }, r0.tree.url), h('span', { class: 'muted right' },
				`matrix ${r0.matrix_name}`)),
			groupTable(list, budget)));
	}
	replace(root, out);
}

export default {
	key: (r) => r.query.toString(),
	async render(route, root, ctx) {
		ctx.title('Runs');
		let runs = await api.runs(200);
		draw(root, runs, route.query);
		let last = JSON.stringify(runs);
		ctx.poll(async () => {
			runs = await api.runs(200);
			const now = JSON.stringify(runs);
			if (now !== last) {
				last = now;
				draw(root, runs, route.query);
			}
			return true;
		}, runs.some((r) => ACTIVE_RUN.has(r.state)) ? 2000 : 5000);
	},
};
