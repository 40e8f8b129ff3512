// An error signature: the error, where it occurs (every run and configuration), first and last seen.
import { h, replace, when, timeEl, shortRef, shortCommit } from '../dom.js';
import * as api from '../api.js';
import { crumbs, pointChips, section, emptyNote } from '../components.js';
import { conditionBlock, diagnosisBlock } from '../insight.js';
import { bisectionSteps } from './bisection.js';

export default {
	async render(route, root, ctx) {
		const id = Number(route.args[0]);
		const { signature: sig, occurrences: occ, condition, condition_run: conditionRun, bisections = [] } = await api.signature(id);
		ctx.title(`Error #${id}`);
		/* Axis names per run, for the point chips (one request per distinct run). */
		const runIds = [...new Set(occ.map((o) => o.run_id))];
		const runs = new Map(await Promise.all(runIds.slice(0, 30).map((r) => api.run(r).then((x) => [r, x], () => [r, null]))));
		const byRun = new Map();
		for (const o of occ) {
			if (!byRun.has(o.run_id))
				byRun.set(o.run_id, []);
			byRun.get(o.run_id).push(o);
		}
		const latest = occ[0];
		const cards = [];
		for (const [runId, list] of byRun) {
			const r = runs.get(runId);
			const o0 = list[0];
			cards.push(h('tr', { dataset: { run: runId } },
				h('td', { class: 'num' }, h('a', { href: `#/run/${runId}` }, `#${runId}`)),
				h('td', null, h('div', null, `${o0.tree} · ${shortRef(o0.ref)}`), h('div', { class: 'muted small' },
					h('code', { title: o0.commit_id || '' }, shortCommit(o0.commit_id)), ' ', r?.subject || '', ' · ', timeEl(o0.created_at))),
				h('td', null, h('div', { class: 'occ-list' }, list.map((o) => h('a', { href: o.line_no ? `#/config/${o.config_id}/L${o.line_no}` :
					`#/config/${o.config_id}`, class: 'occ', title: `configuration #${o.config_id}` },
				r?.axes ? pointChips(o.point, r.axes) : h('code', null, o.point), h('span', { class: 'muted small' }, ` #${o.config_id}`))))),
				h('td', { class: 'num' }, list.length)));
		}
		replace(root,
			crumbs(['Runs', '#/'], `Error #${id}`),
			h('div', { class: 'page-head' }, h('h1', { class: 'sig-title' }, sig.message)),
			h('div', { class: 'run-meta' }, h('span', { class: 'tag' }, sig.type),
				sig.symbol ? h('span', null, 'symbol ', h('code', null, sig.symbol)) : null,
				sig.file ? h('span', null, 'in ', h('code', null, sig.file)) : null),
			h('div', { class: 'tiles' },
				h('div', { class: 'tile' }, h('div', { class: 'tile-label' }, 'First seen'), h('div', null, when(sig.first_seen)),
					h('div', { class: 'muted small' }, timeEl(sig.first_seen))),
				h('div', { class: 'tile' }, h('div', { class: 'tile-label' }, 'Last seen'), h('div', null, when(sig.last_seen)),
					h('div', { class: 'muted small' }, timeEl(sig.last_seen))),
				h('div', { class: 'tile' }, h('div', { class: 'tile-label' }, 'Runs'), h('div', { class: 'big' }, byRun.size)),
				h('div', { class: 'tile' }, h('div', { class: 'tile-label' }, 'Configurations'), h('div', { class: 'big' }, occ.length))),
			bisections.length ? section('Bisection', bisections.map((b) => h('div', { class: 'bisection', dataset: { run: b.run_id } },
				h('div', { class: 'small' }, h('a', { href: `#/run/${b.run_id}` }, `Run #${b.run_id}`), ` against run #${b.base_run}`),
				bisectionSteps(b)))) : null,
			condition || sig.diagnosis ? section('Why', conditionBlock(condition, conditionRun), diagnosisBlock(sig.diagnosis)) : null,
			latest?.first_lines ? section('First lines (latest occurrence)', h('pre', { class: 'first-lines' }, latest.first_lines),
				h('p', { class: 'small' }, h('a', { href: latest.line_no ? `#/config/${latest.config_id}/L${latest.line_no}` :
					`#/config/${latest.config_id}` }, `In the build log of configuration #${latest.config_id}`))) : null,
			section('Where it occurs', occ.length ? h('table', { class: 'occurrences' },
				h('thead', null, h('tr', null, h('th', null, 'Run'), h('th', null, 'Commit'), h('th', null, 'Configurations'),
					h('th', { class: 'num' }, 'Count'))), h('tbody', null, cards)) : emptyNote('No occurrences.')),
			h('p', { class: 'muted small' }, 'Signature: ', h('code', null, sig.signature)));
	},
};
