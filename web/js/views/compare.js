// Two runs side by side: per configuration new failure / fixed / still failing / still passing,
// per error signature new / gone / still, changed boots (with their bisections), and the matrix coloured by change.
import { h, replace } from '../dom.js';
import * as api from '../api.js';
import { badge, crumbs, commitLine, pointChips, section, emptyNote, branchHref, branchLabel } from '../components.js';
import { fitGrid } from '../grid.js';
import { ACTIVE_RUN } from '../status.js';
import { bisectionLine, bootBisectionOf } from './bisection.js';

export const CHANGES = [
	['new-failure', 'New failures', 'Fail now; passed in the base run, or were not in it.'],
	['fixed', 'Fixed', 'Failed in the base run, pass now.'],
	['failing', 'Failing', 'Fail now; the base run had no verdict for them (a farm error or unfinished).'],
	['still-failing', 'Still failing', ''],
	['new', 'New configurations', 'Not in the base run.'],
	['unknown', 'Not comparable', 'Unfinished, or a farm error on one side.'],
	['gone', 'Gone', 'In the base run only.'],
	['still-passing', 'Still passing', ''],
];
const GLYPH = { 'new-failure': '▲', fixed: '▼', failing: '✕', 'still-failing': '✕', new: '+', unknown: '?', gone: '' };

const MAIN = ['new-failure', 'fixed', 'still-failing', 'still-passing'];

/* A verdict badge: "" is a configuration that has not finished. */
const verdictBadge = (s) => (s ? badge(s) : badge('running', 'unfinished'));

const SHOW = 12; // rows of a long group shown before "show all"

/* Boots of the same configuration and variant that changed: a new failure or a range's new owner. */
function bootsTable(boots, axes, bisections) {
	if (!boots.length)
		return emptyNote('No boot changed against the base run.');
	return h('table', { class: 'cmp boots' },
		h('thead', null, h('tr', null, h('th', null, 'Configuration'), h('th', null, 'Variant'), h('th', null, 'Change'))),
		h('tbody', null, boots.map((b) => h('tr', { dataset: { change: b.change, variant: b.variant } },
			h('td', null, pointChips(b.point, axes), ' ', h('a', { href: `#/config/${b.config_id}` }, `#${b.config_id}`)),
			h('td', null, b.variant),
			h('td', null, b.change === 'owner' ? `range ${b.role}: ${b.before} → ${b.after}` : 'boot fails now, passed before',
				bisectionLine(bootBisectionOf(bisections, b)))))));
}

function configTable(list, axes, runId, baseId) {
	const row = (c) => h('tr', { dataset: { change: c.change, point: c.point } },
		h('td', null, pointChips(c.point, axes)),
		h('td', null, c.config_id ? h('a', { href: `#/config/${c.config_id}` }, verdictBadge(c.status), ` #${c.config_id}`) : '—'),
		h('td', null, c.base_config_id ? h('a', { href: `#/config/${c.base_config_id}` }, verdictBadge(c.base_status),
			` #${c.base_config_id}`) : '—'));
	const body = h('tbody', null, list.slice(0, SHOW).map(row));
	const table = h('table', { class: 'cmp' },
		h('thead', null, h('tr', null, h('th', null, 'Configuration'), h('th', null, `#${runId} (this)`), h('th', null, `#${baseId} (base)`))),
		body);
	if (list.length <= SHOW)
		return table;
	const more = h('button', { type: 'button', class: 'linkish', onclick: () => {
		body.append(...list.slice(SHOW).map(row));
		more.remove();
	} }, `Show all ${list.length}`);
	return h('div', null, table, more);
}

export default {
	key: (r) => r.args.join('/'),
	async render(route, root, ctx) {
		const id = Number(route.args[0]);
		let run = await api.run(id);
		let baseId = route.args[1] ? Number(route.args[1]) : run.base_run;
		ctx.title(`Compare #${id}`);
		if (!baseId) {
			replace(root, crumbs(['Runs', '#/'], [branchLabel(run), branchHref(run)], [`Run #${id}`, `#/run/${id}`], 'Compare'),
				h('h1', null, `Run #${id}`), emptyNote('There is no earlier run of this branch to compare with.'));
			return null;
		}
		const base = await api.run(baseId);
		const axes = run.axes || [];
		const body = h('div');
		const draw = async () => {
			const [cmp, m, allBisections] = await Promise.all([api.compare(id, baseId), api.matrix(id),
				api.bisections(id).catch(() => [])]);
			/* A run's bisections are against its own base: shown only when that is the run compared with. */
			const bisections = allBisections.filter((b) => b.base_run === baseId);
			const groups = new Map(CHANGES.map(([k]) => [k, []]));
			for (const c of cmp.configs)
				groups.get(c.change)?.push(c);
			const byConfig = new Map(cmp.configs.filter((c) => c.config_id).map((c) => [c.config_id, c]));
			const gridBox = h('div', { class: 'grid-scroll' });
			const sigs = cmp.signatures.filter((s) => !s.secondary);
			const sigOrder = { new: 0, gone: 1, still: 2 };
			sigs.sort((a, b) => sigOrder[a.change] - sigOrder[b.change]);
			replace(body,
				h('div', { class: 'tiles' }, CHANGES.filter(([k]) => MAIN.includes(k) || groups.get(k).length).map(([k, label]) => h('a', { class: `tile c-tile c-${k}`, href: `#/compare/${id}/${baseId}`,
					onclick: (e) => {
						e.preventDefault();
						body.querySelector(`[data-group="${k}"]`)?.scrollIntoView({ block: 'start' });
					} },
				h('div', { class: 'tile-label' }, label), h('div', { class: 'big', dataset: { count: k } }, groups.get(k).length)))),
				section('Errors', sigs.length ? h('table', { class: 'sigs' },
					h('tbody', null, sigs.map((s) => h('tr', { dataset: { change: s.change } },
						h('td', null, h('span', { class: `tag sig-${s.change}` }, s.change)),
						h('td', null, h('a', { href: `#/signature/${s.id}`, class: 'sig-msg' }, s.message)),
						h('td', null, h('span', { class: 'tag' }, s.type)),
						h('td', { class: 'num' }, `${s.configs} config${s.configs === 1 ? '' : 's'}`))))) : emptyNote('No errors in either run.')),
				section('Boots', bootsTable(cmp.boots || [], axes, bisections)),
				h('section', { class: 'card' }, h('div', { class: 'card-head' }, h('h2', null, 'Matrix by change'),
					h('span', { class: 'muted small' }, `Cells of run #${id}, coloured by what changed against run #${baseId}.`)),
				h('div', { class: 'legend' }, CHANGES.filter(([k]) => k !== 'gone' && (groups.get(k).length || MAIN.includes(k))).map(([k, label]) => h('span', { class: 'lg' },
					h('span', { class: `sw cell c-${k}` }, GLYPH[k] || ''), label))),
				gridBox),
				CHANGES.filter(([k]) => groups.get(k).length).map(([k, label, note]) => {
					const list = groups.get(k);
					const table = configTable(list, axes, id, baseId);
					const card = h('section', { class: 'card', dataset: { group: k } }, h('h2', null, `${label} (${list.length})`),
						note ? h('p', { class: 'muted small' }, note) : null);
					if (k === 'still-passing' || k === 'unknown')
						card.append(h('details', null, h('summary', null, `Show ${list.length} configurations`), table));
					else
						card.append(table);
					return card;
				}));
			const grid = fitGrid(gridBox, axes, { rows: 0, cols: axes.length > 1 ? 1 : 0 });
			grid.paintWith(m, (r) => {
				const c = byConfig.get(r.config_id);
				const k = c ? c.change : 'pending';
				return { key: k, cls: `c-${k}`, glyph: GLYPH[k] || '', label: k, href: r.config_id ? `#/config/${r.config_id}` : null };
			});
			return ACTIVE_RUN.has((await api.run(id)).state) || ACTIVE_RUN.has((await api.run(baseId)).state);
		};
		replace(root,
			crumbs(['Runs', '#/'], [branchLabel(run), branchHref(run)], [`Run #${id}`, `#/run/${id}`], `Compare with #${baseId}`),
			h('div', { class: 'page-head' }, h('h1', null, `Run #${id} against run #${baseId}`),
				h('a', { href: `#/compare/${baseId}/${id}`, class: 'muted small' }, 'swap')),
			h('div', { class: 'compare-heads' },
				h('div', { class: 'card side' }, h('div', { class: 'tile-label' }, `This run #${id}`), commitLine(run)),
				h('div', { class: 'card side' }, h('div', { class: 'tile-label' }, `Base run #${baseId}`), commitLine(base))),
			body);
		if (await draw())
			ctx.poll(draw, 2000);
		return null;
	},
};
