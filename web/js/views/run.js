// A run: header, counts, the matrix grid (live while the run is going), its errors and problems.
import { h, replace, add, duration } from '../dom.js';
import * as api from '../api.js';
import { badge, pills, crumbs, runState, commitLine, pointChips, section, emptyNote, branchHref,
	branchLabel } from '../components.js';
import { fitGrid, OWNER_LETTER, shortNames } from '../grid.js';
import { ACTIVE_RUN, configStatus, tally } from '../status.js';
import { conditionBlock } from '../insight.js';
import { bisectionLine, bootBisectionsCard } from './bisection.js';

const tip = () => document.getElementById('tip');
const SHOW = 12; // rows of the problem list shown before "show all"

function axisIndex(axes, v, def) {
	if (v === null)
		return def;
	const byName = axes.findIndex((a) => a.symbol === v);
	if (byName >= 0)
		return byName;
	const n = Number(v);
	return Number.isInteger(n) && n >= 0 && n < axes.length ? n : def;
}

/* Where the tooltip goes: beside the cell, on the side away from the cell it points at. */
function placeTip(t, cell, target) {
	const r = cell.getBoundingClientRect();
	const w = t.offsetWidth, hh = t.offsetHeight, W = window.innerWidth, H = window.innerHeight;
	const tr = target ? target.getBoundingClientRect() : null;
	const clampY = (y) => Math.min(Math.max(8, y), H - hh - 8);
	const clampX = (x) => Math.min(Math.max(8, x), W - w - 8);
	const options = [
		{ x: r.right + 12, y: clampY(r.top - 8) },
		{ x: r.left - w - 12, y: clampY(r.top - 8) },
		{ x: clampX(r.left - w / 2), y: r.bottom + 12 },
		{ x: clampX(r.left - w / 2), y: r.top - hh - 12 },
	];
	const fits = (o) => o.x >= 4 && o.y >= 4 && o.x + w <= W - 4 && o.y + hh <= H - 4;
	const hits = (o) => tr && !(o.x > tr.right + 4 || o.x + w < tr.left - 4 || o.y > tr.bottom + 4 || o.y + hh < tr.top - 4);
	const best = options.find((o) => fits(o) && !hits(o)) || options.find(fits) || options[0];
	t.style.left = `${best.x + window.scrollX}px`;
	t.style.top = `${best.y + window.scrollY}px`;
}

function showTip(cell, req, cfg, run, target) {
	const t = tip();
	if (!req) {
		replace(t, h('div', { class: 'tip-title' }, `${cell.dataset.point}: excluded by the matrix`));
	} else {
		const axes = run.axes;
		const eff = cfg ? cfg.point : null;
		const rows = axes.map((a, i) => h('tr', { class: eff && eff[i] !== req.point[i] ? 'diff' : '' },
			h('th', null, a.symbol), h('td', { class: `v-${req.point[i]}` }, req.point[i]),
			h('td', { class: eff ? `v-${eff[i]}` : '' }, eff ? eff[i] : '…')));
		const st = cfg ? configStatus(cfg) : null;
		const other = (req.clamp_diff || []).filter((d) => !d.axis);
		add(replace(t),
			h('div', { class: 'tip-title' }, `Request ${req.idx + 1}`, req.clamped ? h('span', { class: 'tag clamped' },
				'clamped') : null),
			h('table', { class: 'tip-axes' }, h('thead', null, h('tr', null, h('th'), h('th', null, 'requested'),
				h('th', null, 'effective'))), h('tbody', null, rows)),
			other.length ? h('div', { class: 'small' }, 'Fragment symbols not honoured: ',
				other.map((d) => `${d.symbol} ${d.requested}→${d.effective}`).join(', ')) : null,
			cfg ? h('div', { class: 'tip-config' }, h('b', null, `Config #${cfg.id}`), ' ', badge(st.status),
				' ', h('span', { class: 'muted' }, st.why),
				cfg.build?.wall_s ? h('span', { class: 'muted' }, ` · ${duration(cfg.build.wall_s)}`) : null) :
				h('div', { class: 'muted' }, 'not configured yet'),
			cfg?.build?.first_error ? h('pre', { class: 'tip-error' }, cfg.build.first_error) : null,
			cfg && cfg.boots?.length && cfg.build?.status === 'PASS' ? h('table', { class: 'tip-boots' }, h('tbody', null,
				cfg.boots.map((b) => h('tr', null, h('th', null, b.variant), h('td', null, badge(b.status)),
					h('td', null, b.owner ? `subject: ${b.owner}` : ''), h('td', { class: 'muted' },
						b.control_owner ? `control: ${b.control_owner}` : ''))))) : null,
			cfg ? h('div', { class: 'tip-hint muted' }, 'Click to open the configuration') : null);
	}
	t.hidden = false;
	placeTip(t, cell, target);
}

function hideTip() {
	tip().hidden = true;
}

function legend(mode, variants, cellTally) {
	const sw = (c, label, key, glyph) => h('span', { class: 'lg' }, h('span', { class: `sw cell ${c}` }, glyph || ''), label,
		key !== undefined && cellTally[key] ? h('b', { dataset: { legendCount: key } }, ` ${cellTally[key]}`) : null);
	const out = h('div', { class: 'legend' });
	if (mode === 'owner') {
		out.append(sw('o-hmem', 'HMEM owns the range'), sw('o-cxl', 'CXL owns it'), sw('o-none', 'nobody'),
			sw('o-race', 'repeated boots disagree (race)'),
			sw('s-fail', 'boot failed'), sw('no-boot s-miss', 'not booted'));
		out.append(h('span', { class: 'lg muted' }, `one bar per boot variant: ${variants.join(', ')}`));
	} else {
		out.append(sw('s-pass', 'pass', 'PASS'), sw('s-fail', 'fail', 'FAIL', '✕'), sw('s-error', 'farm error', 'ERROR', '!'),
			sw('s-expect', 'rule violated', 'EXPECT', '≠'), sw('s-race', 'boot race', 'RACE', '≈'),
			sw('s-miss', 'missed/skipped', 'MISS'), sw('s-running', 'running', 'running'), sw('s-queued', 'queued', 'queued'),
			sw('s-pass clamped', 'clamped request', undefined, '↪'));
		if (variants.length)
			out.append(h('span', { class: 'lg muted' }, 'letters: owner of the Soft Reserved range per boot variant (',
				variants.join(', '), '): ', h('b', null, OWNER_LETTER.hmem), ' hmem, ', h('b', null, OWNER_LETTER.cxl),
				' cxl, ', h('b', null, OWNER_LETTER.none), ' none'));
	}
	return out;
}

function summary(run) {
	const c = run.counts || {};
	const tile = (label, ...body) => h('div', { class: 'tile' }, h('div', { class: 'tile-label' }, label), ...body);
	return h('div', { class: 'tiles' },
		tile('Requests', h('div', { class: 'big', dataset: { count: 'requests' } }, c.requests ?? 0),
			h('div', { class: 'muted small' }, h('span', { dataset: { count: 'clamped' } }, c.clamped ?? 0), ' clamped')),
		tile('Configurations', h('div', { class: 'big', dataset: { count: 'configs' } }, c.configs ?? 0),
			h('div', { class: 'muted small' }, 'distinct .config files')),
		tile('Builds', pills(c.build, 'build')),
		tile('Boots', pills(c.boot, 'boot')));
}

function signaturesCard(sigs, runId, bisections = []) {
	const bisectionOf = new Map(bisections.filter((b) => b.signature).map((b) => [b.signature.id, b]));
	if (!sigs.length)
		return section('Errors', emptyNote('No build errors in this run.'));
	return section('Errors',
		h('table', { class: 'sigs' },
			h('thead', null, h('tr', null, h('th', null, 'Error'), h('th', null, 'Type'), h('th', { class: 'num' }, 'Configs'))),
			h('tbody', null, sigs.map((s) => h('tr', { class: s.secondary ? 'secondary' : '' },
				h('td', null, h('a', { href: `#/signature/${s.id}`, class: 'sig-msg' }, s.message),
					s.file ? h('div', { class: 'muted small' }, s.file) : null,
					s.secondary ? h('div', { class: 'muted small' }, 'follows from another error') : conditionBlock(s.condition),
					bisectionLine(bisectionOf.get(s.id))),
				h('td', null, h('span', { class: 'tag' }, s.type)),
				h('td', { class: 'num' }, s.configs))))),
		h('p', { class: 'muted small' }, h('a', { href: `#/compare/${runId}` }, 'Which errors are new?'),
			' Compare with the previous run.'));
}

function problemsCard(matrix, axes) {
	const bad = matrix.configs.map((c) => ({ c, st: configStatus(c) }))
		.filter((x) => ['FAIL', 'ERROR', 'MISS'].includes(x.st.status));
	const order = { FAIL: 0, ERROR: 1, MISS: 2 };
	bad.sort((a, b) => order[a.st.status] - order[b.st.status] || a.c.id - b.c.id);
	if (!bad.length)
		return null;
	const row = ({ c, st }) => h('tr', null,
		h('td', { class: 'num' }, h('a', { href: `#/config/${c.id}` }, `#${c.id}`)),
		h('td', null, badge(st.status)),
		h('td', null, pointChips(c.point, axes)),
		h('td', { class: 'small' }, c.build?.first_error ? h('code', null, c.build.first_error) :
			h('span', { class: 'muted' }, st.why)));
	const body = h('tbody', null, bad.slice(0, SHOW).map(row));
	const out = section(`Configurations that did not pass (${bad.length})`, h('table', { class: 'problems' }, body));
	if (bad.length > SHOW) {
		const more = h('button', { type: 'button', class: 'linkish', onclick: () => {
			body.append(...bad.slice(SHOW).map(row));
			more.remove();
		} }, `Show all ${bad.length}`);
		out.append(more);
	}
	return out;
}

export default {
	key: (r) => r.args[0],
	async render(route, root, ctx) {
		const id = Number(route.args[0]);
		let [m, sigs, bisections] = await Promise.all([api.matrix(id), api.signatures(id), api.bisections(id).catch(() => [])]);
		let run = m.run;
		const axes = run.axes || [];
		const variants = run.variants || [];
		ctx.title(`Run #${id}`);
		let opts = {};
		let grid = null;

		const head = h('div');
		const sum = h('div');
		const gridBox = h('div', { class: 'grid-scroll' });
		const legendBox = h('div');
		const controls = h('div', { class: 'controls' });
		const sigBox = h('div');
		const probBox = h('div');
		const bootBox = h('div');
		const stamp = h('span', { class: 'muted small updated' });
		const intro = h('span', { class: 'muted small' });

		const readOpts = (q) => {
			const rows = axisIndex(axes, q.get('rows'), 0);
			let cols = axisIndex(axes, q.get('cols'), rows === 0 ? 1 : 0);
			if (cols === rows)
				cols = rows === 0 ? 1 : 0;
			return { rows, cols, color: q.get('color') === 'owner' ? 'owner' : 'status' };
		};
		const pending = () => (ACTIVE_RUN.has(run.state) ? 'queued' : 'cancelled');
		const cellTally = () => tally([...grid.cells.values()].filter((c) => c.dataset.status).map((c) => {
			const s = c.dataset.status;
			return s === 'SKIP' ? 'MISS' : s;
		}));

		const drawHead = () => {
			replace(head,
				crumbs(['Runs', '#/'], [branchLabel(run), branchHref(run)], `Run #${run.id}`),
				h('div', { class: 'page-head run-head' },
					h('h1', null, run.subject || `Run #${run.id}`),
					runState(run)),
				h('div', { class: 'run-meta' },
					commitLine(run, false, false),
					h('span', { class: 'muted' }, 'matrix ', h('b', null, run.matrix_name), ` · ${run.arch || ''} · base ${run.base || ''}`,
						variants.length ? ` · boot variants: ${variants.join(', ')}` : ' · build only'),
					h('span', { class: 'muted url' }, run.tree.url),
					h('span', { class: 'actions' }, h('a', { class: 'button', href: `#/compare/${run.id}`, dataset: { base: '' } },
						'Compare with previous'))),
				run.state === 'superseded' ? h('div', { class: 'note' }, 'This run was superseded by ',
					h('a', { href: `#/run/${run.superseded_by}` }, `run #${run.superseded_by}`),
					': its queued work was cancelled.') : null,
				run.message ? h('div', { class: 'note error' }, run.message) : null,
				run.auto ? autoNote(run.auto) : null);
			const a = head.querySelector('a.button');
			if (a && run.base_run) {
				a.setAttribute('href', `#/compare/${run.id}/${run.base_run}`);
				a.textContent = `Compare with #${run.base_run}`;
			} else if (a) {
				a.remove();
			}
		};
		const drawGrid = () => {
			hideTip();
			grid = fitGrid(gridBox, axes, { rows: opts.rows, cols: opts.cols,
				onEnter: (cell, req, cfg, target) => showTip(cell, req, cfg, run, target), onLeave: hideTip });
			grid.paint(m, opts.color, pending());
			replace(legendBox, legend(opts.color, variants, cellTally()));
		};
		const drawControls = () => {
			const short = shortNames(axes);
			const sel = (name, value) => {
				const s = h('select', { name, 'aria-label': name },
					axes.map((a, i) => h('option', { value: a.symbol, title: short[i] }, a.symbol)));
				s.value = axes[value]?.symbol ?? '';
				s.addEventListener('change', () => setOpt(name, s.value));
				return s;
			};
			const seg = h('span', { class: 'seg', role: 'group', 'aria-label': 'colour by' },
				['status', 'owner'].map((v) => h('button', { type: 'button', class: opts.color === v ? 'on' : '',
					'aria-pressed': String(opts.color === v), onclick: () => setOpt('color', v), dataset: { color: v } },
				v === 'status' ? 'Status' : 'Boot owner')));
			replace(controls,
				h('span', { class: 'muted' }, 'Inside each small grid:'),
				h('label', null, 'rows ', sel('rows', opts.rows)),
				axes.length > 1 ? h('label', null, 'columns ', sel('cols', opts.cols)) : null,
				variants.length ? h('span', { class: 'colour' }, 'Colour by ', seg) : null);
		};
		const setOpt = (name, value) => {
			const q = new URLSearchParams(route.query);
			q.set(name, value);
			if (name === 'rows' && q.get('cols') === value)
				q.set('cols', axes[opts.rows].symbol);
			if (name === 'cols' && q.get('rows') === value)
				q.set('rows', axes[opts.cols].symbol);
			location.hash = `#/run/${id}?${q.toString()}`;
		};
		const drawData = () => {
			intro.textContent = `${m.requests.length} requests → ${m.configs.length} configurations. Each cell is one ` +
				'request; hover for requested vs effective values, click for the configuration.';
			replace(sum, summary(run));
			replace(sigBox, signaturesCard(sigs, run.id, bisections));
			replace(bootBox, bootBisectionsCard(bisections));
			replace(probBox, problemsCard(m, axes));
			stamp.textContent = ACTIVE_RUN.has(run.state) ? `live · updated ${new Date().toLocaleTimeString()}` : '';
		};

		opts = readOpts(route.query);
		drawHead();
		drawControls();
		drawData();
		replace(root, head, sum,
			h('section', { class: 'card matrix-card' },
				h('div', { class: 'card-head' }, h('h2', null, 'Matrix'), intro, stamp),
				controls, legendBox, gridBox),
			sigBox, bootBox, probBox);
		drawGrid();

		if (ACTIVE_RUN.has(run.state)) {
			ctx.poll(async () => {
				[m, sigs, bisections] = await Promise.all([api.matrix(id), api.signatures(id), api.bisections(id).catch(() => [])]);
				const stateChanged = m.run.state !== run.state;
				run = m.run;
				grid.paint(m, opts.color, pending());
				replace(legendBox, legend(opts.color, variants, cellTally()));
				drawData();
				if (stateChanged)
					drawHead();
				return ACTIVE_RUN.has(run.state);
			}, 2000);
		}
		return {
			update(r) {
				route = r;
				opts = readOpts(r.query);
				drawControls();
				drawGrid();
			},
			leave: hideTip,
		};
	},
};

/* An `axes = auto` run: which axes its push chose and why (docs/auto-matrix.md). */
function autoNote(a) {
	const cover = a.cover ? `a covering array of strength ${a.cover}: ${a.requests} requests instead of ${a.product} (${a.saved} saved)`
		: `${a.requests} requests`;
	return h('details', { class: 'note auto-axes', open: '' },
		h('summary', null, `Axes chosen from ${a.range}: ${a.note}; ${cover}`, a.cut ? ` · cut: ${a.cut}` : ''),
		h('ul', null, a.axes.map((x) => h('li', null, h('b', null, `${x.symbol} = ${[...x.values].join(' ')}`),
			` (score ${x.score})`, h('ul', null, x.reasons.map((r) => h('li', { class: 'muted' }, r)))))),
		a.left.length ? h('div', { class: 'muted' }, 'Left out: ', a.left.map((x) => `${x.symbol} (${x.reasons[0]})`).join('; ')) : null);
}
