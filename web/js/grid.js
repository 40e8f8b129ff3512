// The matrix grid: one cell per requested point, laid out as small grids (two axes) arranged by
// the other axes, coloured by the status (or boot owner) of the configuration each request became.
import { h } from './dom.js';
import { cls, configStatus } from './status.js';

const SVG = 'http://www.w3.org/2000/svg';
export const OWNER_LETTER = { hmem: 'H', cxl: 'C', none: '–', race: 'R' };
const BOOT_GLYPH = { FAIL: '✕', ERROR: '!', queued: '·', running: '·', MISS: '', SKIP: '' };

/* Short axis names for labels: the last "_" part when that is unique (CXL_REGION -> REGION). */
export function shortNames(axes) {
	const last = axes.map((a) => a.symbol.split('_').pop());
	return axes.map((a, i) => (last.filter((x) => x === last[i]).length === 1 && last[i].length >= 3 ? last[i] : a.symbol));
}

/* Every combination of the values of the given axes, first axis slowest: [['y','n'], ...]. */
function product(axes, idx) {
	let out = [[]];
	for (const i of idx)
		out = out.flatMap((p) => [...axes[i].values].map((v) => [...p, v]));
	return out;
}

/*
 * The ways to arrange the small grids, best first: as many trailing axes across as possible
 * (at least one axis down when there are two or more), in normal and then compact cells.
 */
function layouts(others) {
	const out = [];
	for (let across = others.length - (others.length > 1 ? 1 : 0); across >= 0; across--) {
		for (const size of ['normal', 'compact'])
			out.push({ pr: others.slice(0, others.length - across), pc: others.slice(others.length - across), size });
	}
	return out;
}

/*
 * Builds the grid into `container` with axis `rows` down and `cols` across each small grid; the
 * other axes arrange the small grids, across as far as the container's width allows and down
 * for the rest. Returns {el, paint(matrix, mode), paintWith(matrix, fn), cells} where cells maps a
 * point to its cell.
 */
export function fitGrid(container, axes, opts = {}) {
	const n = axes.length;
	let { rows = 0, cols = 1 } = opts;
	if (cols === rows || cols >= n)
		cols = n > 1 ? (rows === 0 ? 1 : 0) : -1;
	const others = [...Array(n).keys()].filter((i) => i !== rows && i !== cols);
	const width = container.clientWidth;
	const options = layouts(others);
	let grid = null;
	for (const [i, lay] of options.entries()) {
		grid = createGrid(axes, { ...opts, rows, cols, layout: lay });
		container.replaceChildren(grid.el);
		if (!width || i === options.length - 1 || grid.el.offsetWidth <= width)
			break;
	}
	return grid;
}

/* The panels of one arrangement (see fitGrid): header rows, label columns and one table per panel. */
function buildPanels(axes, rows, cols, layout) {
	const short = shortNames(axes);
	const { pr: prAxes, pc: pcAxes, size } = layout;
	const prCombos = product(axes, prAxes);
	const pcCombos = product(axes, pcAxes);
	const nlabels = Math.max(1, prAxes.length);
	const cells = new Map();

	const outer = h('div', { class: `grid-outer size-${size}`, role: 'grid', 'aria-label': 'matrix' });
	outer.style.gridTemplateColumns = `repeat(${nlabels}, auto) repeat(${pcCombos.length}, max-content)`;
	const place = (el, row, col, colSpan = 1, rowSpan = 1) => {
		el.style.gridRow = `${row} / span ${rowSpan}`;
		el.style.gridColumn = `${col} / span ${colSpan}`;
		outer.append(el);
		return el;
	};
	const label = (cls, ax, v, full) => h('div', { class: cls, title: `${axes[ax].symbol}=${v}` },
		h('span', { class: 'sym' }, full ? axes[ax].symbol : short[ax]), h('span', { class: `val v-${v}` }, `=${v}`));
	/* Header rows, one per axis across: spans repeat like an odometer. */
	pcAxes.forEach((ax, level) => {
		const span = pcCombos.length / product(axes, pcAxes.slice(0, level + 1)).length;
		place(h('div', { class: 'ghead axis-name', title: axes[ax].symbol }, axes[ax].symbol), level + 1, 1, nlabels);
		for (let k = 0; k < pcCombos.length; k += span)
			place(label(`ghead level-${level}`, ax, pcCombos[k][level], false), level + 1, k + nlabels + 1, span);
	});
	const top = pcAxes.length + 1;
	/* Label columns, one per axis down, the same way. */
	prAxes.forEach((ax, level) => {
		const span = prCombos.length / product(axes, prAxes.slice(0, level + 1)).length;
		for (let k = 0; k < prCombos.length; k += span)
			place(label(`rlabel level-${level}${span > 1 ? ' spans' : ''}`, ax, prCombos[k][level], prAxes.length === 1),
				top + k, level + 1, 1, span);
	});
	prCombos.forEach((rcombo, ri) => {
		pcCombos.forEach((combo, ci) => {
			const fixed = (p) => {
				prAxes.forEach((ax, k) => (p[ax] = rcombo[k]));
				pcAxes.forEach((ax, k) => (p[ax] = combo[k]));
			};
			place(h('div', { class: 'panel-wrap' }, panelTable(axes, rows, cols, fixed, cells)), top + ri, ci + nlabels + 1);
		});
	});
	return { outer, cells };
}

/* One panel: rows x cols of cells, the other axes fixed by fixed(point); each cell goes into cells by point. */
function panelTable(axes, rows, cols, fixed, cells) {
	const rowVals = [...axes[rows].values];
	const colVals = cols < 0 ? [null] : [...axes[cols].values];
	const table = h('table', { class: 'panel' });
	const head = h('tr', null, h('th', { class: 'corner', title: `rows ${axes[rows].symbol}` +
		(cols >= 0 ? `, columns ${axes[cols].symbol}` : '') }));
	for (const cv of colVals)
		head.append(h('th', { class: `v-${cv}`, title: cols >= 0 ? `${axes[cols].symbol}=${cv}` : '' }, cv ?? ''));
	table.append(h('thead', null, head));
	const body = h('tbody');
	for (const rv of rowVals) {
		const tr = h('tr', null, h('th', { class: `v-${rv}`, title: `${axes[rows].symbol}=${rv}` }, rv));
		for (const cv of colVals) {
			const p = Array(axes.length);
			p[rows] = rv;
			if (cols >= 0)
				p[cols] = cv;
			fixed(p);
			const point = p.join('');
			const cell = h('a', { class: 'cell excluded', dataset: { point }, 'aria-label': `${point}: excluded` });
			cells.set(point, cell);
			tr.append(h('td', null, cell));
		}
		body.append(tr);
	}
	table.append(body);
	return table;
}

/* An arrow in svg (laid over box) from the centre of one cell to the edge of another. */
function drawArrow(svg, box, from, to) {
	const a = from.getBoundingClientRect(), b = to.getBoundingClientRect();
	const x1 = a.left + a.width / 2 - box.left, y1 = a.top + a.height / 2 - box.top;
	let x2 = b.left + b.width / 2 - box.left, y2 = b.top + b.height / 2 - box.top;
	const len = Math.hypot(x2 - x1, y2 - y1);
	if (len < 1)
		return;
	const back = Math.min(len, Math.min(b.width, b.height) / 2 + 3); // stop at the target's edge
	x2 -= ((x2 - x1) / len) * back;
	y2 -= ((y2 - y1) / len) * back;
	svg.setAttribute('width', String(box.width));
	svg.setAttribute('height', String(box.height));
	const line = document.createElementNS(SVG, 'line');
	for (const [k, v] of Object.entries({ x1, y1, x2, y2 }))
		line.setAttribute(k, String(v));
	const ang = Math.atan2(y2 - y1, x2 - x1);
	const head = document.createElementNS(SVG, 'polygon');
	const pt = (d, t) => `${x2 - d * Math.cos(ang + t)},${y2 - d * Math.sin(ang + t)}`;
	head.setAttribute('points', `${x2},${y2} ${pt(9, 0.45)} ${pt(9, -0.45)}`);
	svg.append(line, head);
}

/*
 * What hovering needs of a /runs/{id}/matrix answer: configs by id, requests by point, the cells of
 * each config and its canonical cell (the request that names it). Paints each cell on the way.
 */
function indexMatrix(matrix, cells, mode, pending) {
	const cfg = new Map(matrix.configs.map((c) => [c.id, c]));
	const req = new Map();
	const byConfig = new Map();
	const canonical = new Map();
	for (const r of matrix.requests) {
		req.set(r.point, r);
		const cell = cells.get(r.point);
		if (!cell)
			continue;
		const c = r.config_id ? cfg.get(r.config_id) : null;
		if (c) {
			if (!byConfig.has(c.id))
				byConfig.set(c.id, []);
			byConfig.get(c.id).push(cell);
			if (c.point === r.point)
				canonical.set(c.id, cell);
		}
		paintCell(cell, r, c, mode, pending);
	}
	return { cfg, req, byConfig, canonical };
}

/* One arrangement of the grid (see fitGrid); layout = {pr: axes down, pc: axes across, size}. */
function createGrid(axes, { rows, cols, layout, onEnter, onLeave }) {
	const { outer, cells } = buildPanels(axes, rows, cols, layout);
	const svg = document.createElementNS(SVG, 'svg');
	svg.setAttribute('class', 'arrows');
	svg.setAttribute('aria-hidden', 'true');
	const el = h('div', { class: 'grid-box' }, outer);
	el.append(svg);

	let data = null; // indexMatrix() of the last painted answer

	function clearMarks() {
		for (const c of el.querySelectorAll('.cell.same, .cell.target, .cell.hover'))
			c.classList.remove('same', 'target', 'hover');
		svg.replaceChildren();
	}

	/* Marks the cells of the hovered request's config and, for a clamped request, points at the config's own cell. */
	function enter(cell) {
		if (!data)
			return;
		clearMarks();
		const req = data.req.get(cell.dataset.point);
		let target = null;
		cell.classList.add('hover');
		if (req && req.config_id) {
			for (const c of data.byConfig.get(req.config_id) || [])
				if (c !== cell)
					c.classList.add('same');
			target = data.canonical.get(req.config_id) || null;
			if (target === cell)
				target = null;
			if (target) {
				target.classList.add('target');
				if (req.clamped)
					drawArrow(svg, el.getBoundingClientRect(), cell, target);
			}
		}
		onEnter?.(cell, req, req ? data.cfg.get(req.config_id) : null, target);
	}
	function leave() {
		clearMarks();
		onLeave?.();
	}
	outer.addEventListener('mouseover', (e) => {
		const cell = e.target.closest?.('.cell');
		if (cell && !cell.classList.contains('hover'))
			enter(cell);
	});
	outer.addEventListener('mouseleave', leave);
	outer.addEventListener('focusin', (e) => e.target.classList?.contains('cell') && enter(e.target));
	outer.addEventListener('focusout', leave);

	/*
	 * Colours every cell from a /runs/{id}/matrix answer. mode 'status' colours by build then boot
	 * status with per-variant owner letters; 'owner' colours by the owner of the subject range per
	 * boot variant. pending: the status of requests without a configuration yet.
	 */
	function paint(matrix, mode = 'status', pending = 'queued') {
		data = indexMatrix(matrix, cells, mode, pending);
	}

	/*
	 * Colours every cell with fn(request) -> {cls, glyph, label, href}; hover still links the
	 * requests of one configuration. For views other than a run's own status (e.g. a comparison).
	 */
	function paintWith(matrix, fn) {
		paint(matrix, 'status');
		for (const r of matrix.requests) {
			const cell = cells.get(r.point);
			if (cell)
				paintCellWith(cell, r, fn(r));
		}
	}

	return { el, paint, paintWith, cells, clearMarks };
}

/* A cell painted by a view's own rule (paintWith). */
function paintCellWith(cell, r, p) {
	cell.className = `cell ${p.cls}${r.clamped ? ' clamped' : ''}`;
	cell.dataset.sig = '';
	cell.dataset.change = p.key || '';
	cell.replaceChildren(...(r.clamped ? [h('span', { class: 'cg', 'aria-hidden': 'true' }, '↪')] : []),
		...(p.glyph ? [h('span', { class: 'glyph', 'aria-hidden': 'true' }, p.glyph)] : []));
	cell.setAttribute('aria-label', `${r.point}: ${p.label}`);
	if (p.href)
		cell.setAttribute('href', p.href);
}

function paintCell(cell, r, c, mode, pending) {
	const st = c ? configStatus(c) : { status: pending, stage: 'configure' };
	const boots = c && c.build?.status === 'PASS' ? c.boots || [] : [];
	const sig = [mode, st.status, st.why, r.clamped, c?.id, boots.map((b) => `${b.status}:${b.owner}`).join(',')].join('|');
	if (cell.dataset.sig === sig)
		return;
	cell.dataset.sig = sig;
	cell.dataset.status = st.status;
	cell.dataset.idx = r.idx;
	if (c) {
		cell.dataset.config = c.id;
		cell.setAttribute('href', `#/config/${c.id}`);
	} else {
		delete cell.dataset.config;
		cell.removeAttribute('href');
	}
	let className = `cell ${cls(st.status)}${r.clamped ? ' clamped' : ''}${mode === 'owner' ? ' by-owner' : ''}`;
	const parts = [];
	if (r.clamped)
		parts.push(h('span', { class: 'cg', 'aria-hidden': 'true' }, '↪'));
	if (mode === 'owner') {
		const bars = h('span', { class: 'bars' });
		for (const b of boots)
			bars.append(h('span', { class: b.status === 'PASS' ? `o-${b.owner || 'none'}` : cls(b.status) },
				b.status === 'PASS' ? OWNER_LETTER[b.owner] ?? '?' : BOOT_GLYPH[b.status] ?? ''));
		if (!boots.length)
			className += ' no-boot';
		parts.push(bars);
	} else if (boots.length) {
		const own = h('span', { class: 'own' });
		for (const b of boots)
			own.append(h('span', { class: b.status === 'PASS' ? `o-${b.owner || 'none'}` : `b-${cls(b.status)}` },
				b.status === 'PASS' ? OWNER_LETTER[b.owner] ?? '?' : BOOT_GLYPH[b.status] ?? '?'));
		parts.push(own);
	} else if (st.status === 'FAIL' || st.status === 'ERROR') {
		parts.push(h('span', { class: 'glyph', 'aria-hidden': 'true' }, st.status === 'FAIL' ? '✕' : '!'));
	} else if (st.status === 'EXPECT' || st.status === 'RACE') {
		parts.push(h('span', { class: 'glyph', 'aria-hidden': 'true' }, st.status === 'EXPECT' ? '≠' : '≈'));
	}
	cell.className = className;
	cell.replaceChildren(...parts);
	cell.setAttribute('aria-label', `${r.point}${r.clamped && c ? ` clamped to ${c.point}` : ''}: ${st.status}`);
}
