// A configuration: effective values and the requests behind it, build, errors, the build log with
// error lines highlighted and linked (#/config/ID/L123), the reproducer, the .config and its
// difference with a neighbour, and the boots with their ownership and console logs.
import { h, replace, add, duration, bytes } from '../dom.js';
import * as api from '../api.js';
import { badge, crumbs, pointChips, section, emptyNote, branchHref, branchLabel } from '../components.js';
import { cls, configStatus, distance, isFinal } from '../status.js';
import { clampEntry, diagnosisBlock } from '../insight.js';
import { sizesCard } from './sizes.js';

const MAX_LINES = 20000;
const ERROR_RE = /(\berror\b|undefined reference|\*\*\*|\bBUG:|Kernel panic|Oops)/i;
const WARN_RE = /\bwarning:/i;

/* Renders a log as numbered lines; `marks` maps line numbers to a class; ids/links when `linkBase`. */
function logView(text, { marks = new Map(), linkBase = null, idPrefix = 'L', max = MAX_LINES } = {}) {
	const lines = text.split('\n');
	if (lines.length && lines[lines.length - 1] === '')
		lines.pop();
	const box = h('div', { class: 'log', role: 'log' });
	const shown = Math.min(lines.length, max);
	const frag = document.createDocumentFragment();
	for (let i = 0; i < shown; i++) {
		const n = i + 1;
		const t = lines[i];
		let c = marks.get(n) || '';
		if (!c && ERROR_RE.test(t))
			c = 'hl';
		else if (!c && WARN_RE.test(t))
			c = 'warn';
		const row = document.createElement('div');
		row.className = c ? `ll ${c}` : 'll';
		if (linkBase) {
			row.id = `${idPrefix}${n}`;
			const a = document.createElement('a');
			a.className = 'ln';
			a.href = `${linkBase}/${idPrefix}${n}`;
			a.textContent = String(n);
			row.append(a);
		} else {
			const s = document.createElement('span');
			s.className = 'ln';
			s.textContent = String(n);
			row.append(s);
		}
		const lt = document.createElement('span');
		lt.className = 'lt';
		lt.textContent = t;
		row.append(lt);
		frag.append(row);
	}
	box.append(frag);
	const wrap = h('div', { class: 'log-wrap' }, box);
	if (shown < lines.length)
		wrap.append(h('p', { class: 'muted small' }, `Showing the first ${shown} of ${lines.length} lines; download the log for the rest.`));
	return wrap;
}

function kv(pairs) {
	return h('dl', { class: 'kv' }, pairs.filter((p) => p[1] !== null && p[1] !== undefined && p[1] !== '')
		.map(([k, v]) => [h('dt', null, k), h('dd', null, v)]));
}

function artifactLinks(jobId, arts) {
	const names = Object.keys(arts || {});
	if (!names.length)
		return h('span', { class: 'muted' }, 'none');
	return h('span', { class: 'artifacts' }, names.map((n) => h('a', { href: api.artifactPath(jobId, n),
		download: /\.(log|sh)$|^config$/.test(n) ? null : n, target: '_blank', rel: 'noopener' }, n, h('span', { class: 'muted' },
		` ${bytes(arts[n])}`))));
}

function parseConfig(text) {
	const m = new Map();
	for (const line of text.split('\n')) {
		let x = /^CONFIG_([A-Za-z0-9_]+)=(.*)$/.exec(line);
		if (x)
			m.set(x[1], x[2]);
		else if ((x = /^# CONFIG_([A-Za-z0-9_]+) is not set$/.exec(line)))
			m.set(x[1], 'n');
	}
	return m;
}

function diffTable(a, b, idA, labelB, axisSyms) {
	const syms = [...new Set([...a.keys(), ...b.keys()])].sort();
	const rows = syms.filter((s) => (a.get(s) ?? 'n') !== (b.get(s) ?? 'n'));
	if (!rows.length)
		return h('p', { class: 'muted' }, 'The two .config files are identical.');
	return h('div', null,
		h('p', { class: 'small muted' }, `${rows.length} symbol${rows.length > 1 ? 's' : ''} differ`,
			` (${rows.filter((s) => axisSyms.has(s)).length} of them matrix axes).`),
		h('table', { class: 'diff' },
			h('thead', null, h('tr', null, h('th', null, 'Symbol'), h('th', null, `#${idA} (this)`), h('th', null, labelB))),
			h('tbody', null, rows.map((s) => h('tr', { class: axisSyms.has(s) ? 'axis' : '' },
				h('td', null, h('code', null, `CONFIG_${s}`)), h('td', { class: 'old' }, a.get(s) ?? 'n'),
				h('td', { class: 'new' }, b.get(s) ?? 'n'))))));
}

function ownershipTable(list) {
	if (!list || !list.length)
		return null;
	return h('table', { class: 'owners' },
		h('thead', null, h('tr', null, h('th', null, 'Range'), h('th', null, 'Role'), h('th', null, 'Owner'), h('th', null, 'Evidence'))),
		h('tbody', null, list.map((o) => h('tr', null, h('td', null, h('code', null, o.range)), h('td', null, o.role),
			h('td', null, h('span', { class: `owner o-${o.owner}` }, o.owner)), h('td', { class: 'small' }, o.evidence || '')))));
}

/* A boot not run for this job: shared with another variant, or taken from an earlier run's unchanged build. */
function sharedLabel(b, runId) {
	if (!b.same_boot_as)
		return null;
	return b.same_boot_run && b.same_boot_run !== runId ? `from run ${b.same_boot_run}` : 'shared';
}

function bootsCard(boots, runId) {
	if (!boots.length)
		return section('Boots', emptyNote('This matrix does not boot, or the build has not finished.'));
	if (boots.every((b) => b.status === 'SKIP' || b.status === 'MISS'))
		return section('Boots', h('p', null, badge(boots[0].status), ' ', `Not booted (${boots.map((b) => b.variant).join(', ')}): `,
			boots[0].message || 'the build did not pass', '.'));
	const out = section('Boots',
		h('table', { class: 'boots' },
			h('thead', null, h('tr', null, h('th', null, 'Variant'), h('th', null, 'Status'), h('th', null, 'Subject owner'),
				h('th', null, 'Control owner'), h('th', null, 'Time'), h('th', null, 'Message'))),
			h('tbody', null, boots.map((b) => {
				const subj = (b.ownership || []).find((o) => o.role === 'subject');
				const ctl = (b.ownership || []).find((o) => o.role === 'control');
				return h('tr', { dataset: { variant: b.variant } }, h('td', null, h('b', null, b.variant)), h('td', null, badge(b.status)),
					h('td', null, subj ? h('span', { class: `owner o-${subj.owner}` }, subj.owner) : '—'),
					h('td', null, ctl ? h('span', { class: `owner o-${ctl.owner}` }, ctl.owner) : '—'),
					h('td', null, sharedLabel(b, runId) || duration(b.wall_s)), h('td', { class: 'small' }, b.message || ''));
			}))));
	for (const b of boots) {
		/* Console details: scalars and short lists; the ranges are the ownership table already. */
		const details = b.details && typeof b.details === 'object' ? Object.entries(b.details).filter(([k, v]) =>
			k !== 'ranges' && v !== null && v !== '' && !(typeof v === 'object' && !Array.isArray(v) && !Object.keys(v).length))
			.map(([k, v]) => [k.replace(/_/g, ' '), typeof v === 'boolean' ? (v ? 'yes' : 'no') : Array.isArray(v) &&
				v.every((x) => typeof x !== 'object') ? v.join(', ') || '—' : v]) : [];
		const con = b.artifacts && b.artifacts['console.log'] !== undefined;
		/* A boot shared with an earlier variant shows that boot's console and artifacts. */
		const booted = b.same_boot_as || b.job_id;
		const whose = b.same_boot_as ? ` of ${b.same_boot_variant}${sharedLabel(b, runId) === 'shared' ? '' : ` in run ${b.same_boot_run}`}` : '';
		const d = h('details', { class: 'boot', dataset: { variant: b.variant } },
			h('summary', null, h('b', null, b.variant), ' ', badge(b.status), ' ',
				h('span', { class: 'muted' }, con ? `console log${whose}, ${bytes(b.artifacts['console.log'])}` : 'no console log')));
		const body = h('div', { class: 'boot-body' },
			ownershipTable(b.ownership),
			details.length ? kv(details.map(([k, v]) => [k, typeof v === 'object' ? h('code', null, JSON.stringify(v)) : String(v)])) : null,
			h('div', { class: 'small' }, `Artifacts${whose}: `, artifactLinks(booted, b.artifacts)));
		d.append(body);
		if (con) {
			let loaded = false;
			d.addEventListener('toggle', async () => {
				if (!d.open || loaded)
					return;
				loaded = true;
				const slot = h('p', { class: 'muted' }, 'Loading the console log…');
				body.append(slot);
				try {
					const text = await api.artifact(booted, 'console.log');
					const marks = new Map();
					text.split('\n').forEach((l, i) => {
						if (/^KMATRIX /.test(l))
							marks.set(i + 1, 'kmx');
					});
					slot.replaceWith(logView(text, { marks }));
				} catch (e) {
					slot.textContent = `The console log could not be loaded: ${e.message}`;
				}
			});
		}
		out.append(d);
	}
	return out;
}

export default {
	key: (r) => r.args[0],
	async render(route, root, ctx) {
		const id = Number(route.args[0]);
		let data = await api.config(id);
		const state = { route, select: () => {} };
		await draw(id, data, root, ctx, state);
		/* While the build or a boot is still going, redraw when any of them changes. */
		const stamp = (d) => JSON.stringify([d.build?.status, d.boots.map((b) => b.status)]);
		const going = (d) => !d.build || !isFinal(d.build.status) || d.boots.some((b) => !isFinal(b.status));
		if (going(data)) {
			ctx.poll(async () => {
				const d = await api.config(id);
				if (stamp(d) !== stamp(data)) {
					data = d;
					await draw(id, data, root, ctx, state);
				}
				return going(d);
			}, 2000);
		}
		return {
			update(r) {
				state.route = r;
				state.select(r);
			},
		};
	},
};

/* The page head: crumbs, status, the point and hash, and the requests that became this config. */
function headParts(id, cfg, run, axes, st, requests) {
	const reqRows = requests.map((r) => h('tr', { class: r.clamped ? 'clamped' : '' },
		h('td', { class: 'num' }, `${r.idx + 1}`),
		h('td', null, pointChips(r.point, axes, cfg.point)),
		h('td', { class: 'small' }, r.clamped ? (r.clamp_diff || []).map(clampEntry) :
			h('span', { class: 'muted' }, 'as requested'))));
	return [
		crumbs(['Runs', '#/'], [branchLabel(run), branchHref(run)], [`Run #${run.id}`, `#/run/${run.id}`], `Config #${id}`),
		h('div', { class: 'page-head' }, h('h1', null, `Configuration #${id}`), badge(st.status),
			h('span', { class: 'muted' }, st.why)),
		h('div', { class: 'run-meta' }, pointChips(cfg.point, axes), h('code', { class: 'muted small', title: 'SHA-256 of the normalized .config' },
			cfg.hash.slice(0, 16))),
		section(`Requests that became this configuration (${requests.length})`,
			h('table', { class: 'reqs' }, h('thead', null, h('tr', null, h('th', { class: 'num' }, '#'), h('th', null, 'Requested'),
				h('th', null, 'Clamped by Kconfig'))), h('tbody', null, reqRows))),
	];
}

function buildSection(build) {
	const card = section('Build');
	if (!build) {
		card.append(emptyNote('No build job yet.'));
		return card;
	}
	const hits = build.ccache_hits, misses = build.ccache_misses;
	const rate = hits + misses > 0 ? `${Math.round((100 * hits) / (hits + misses))} % (${hits} hits, ${misses} misses)` : null;
	add(card,
		h('div', { class: 'build-status' }, badge(build.status), ' ', build.message ? h('span', null, build.message) : null),
		kv([['Worker', build.worker], ['Wall time', duration(build.wall_s)], ['CPU time', duration(build.cpu_s)],
			['ccache hit rate', rate], ['Warnings', build.warnings], ['Log lines', build.log_lines],
			['Attempts', build.attempts], ['Make', build.make_cmd ? h('code', null, build.make_cmd) : null],
			['Boot inputs', build.unchanged_since ? `unchanged since build job ${build.unchanged_since}: its boots count for this one` : null],
			['Artifacts', artifactLinks(build.job_id, build.artifacts)]]));
	return card;
}

function errorsSection(errors, build, base) {
	const card = section(`Errors (${errors.length})`);
	if (!errors.length)
		card.append(emptyNote(build && build.status === 'PASS' ? 'The build passed.' : 'No errors recorded.'));
	for (const e of errors) {
		card.append(h('div', { class: `error-item${e.secondary ? ' secondary' : ''}` },
			h('div', null, h('a', { href: `#/signature/${e.signature_id}`, class: 'sig-msg' }, e.message), ' ',
				h('span', { class: 'tag' }, e.type), e.secondary ? h('span', { class: 'tag muted' }, 'follow-on') : null),
			h('div', { class: 'muted small' }, e.file ? `${e.file} · ` : '', e.count > 1 ? `${e.count} times · ` : '',
				e.line_no ? h('a', { href: `${base}/L${e.line_no}`, class: 'jump' }, `log line ${e.line_no}`) : 'no log line'),
			e.first_lines ? h('pre', { class: 'first-lines' }, e.first_lines) : null,
			diagnosisBlock(e.diagnosis)));
	}
	return card;
}

/* Findings of the matrix's [expect] rules, on the build and on each boot variant. */
function findingsSection(findings) {
	const card = section(`Expectations (${findings.length} violated)`);
	if (!findings.length)
		card.append(emptyNote('Every rule of the matrix that applies here holds (or the matrix has none).'));
	for (const f of findings)
		card.append(h('div', { class: 'error-item' },
			h('div', null, h('a', { href: `#/signature/${f.signature_id}`, class: 'sig-msg' }, f.message), ' ',
				h('span', { class: `tag ${cls(f.type === 'race' ? 'RACE' : 'EXPECT')}` }, f.type),
				h('span', { class: 'tag muted' }, f.kind === 'boot' ? `boot ${f.variant}` : 'config')),
			f.explanation ? h('pre', { class: 'first-lines' }, f.explanation) : null));
	return card;
}

/* The build log with its error lines marked; returns the scrolling log box (null without a log). */
function fillLog(card, text, build, errors, base, route) {
	if (text === null) {
		card.append(emptyNote('No build log.'));
		return null;
	}
	const marks = new Map();
	for (const e of errors)
		if (e.line_no)
			marks.set(e.line_no, e.secondary ? 'err2' : 'err');
	const firstErr = [...marks.entries()].find(([, c]) => c === 'err');
	add(card, h('div', { class: 'toolbar' },
		h('a', { href: api.artifactPath(build.job_id, 'build.log'), target: '_blank', rel: 'noopener' }, 'raw log'),
		firstErr ? h('a', { href: `${base}/L${firstErr[0]}` }, `first error (line ${firstErr[0]})`) : null));
	const v = logView(text, { marks, linkBase: base });
	const logBox = v.querySelector('.log');
	card.append(v);
	/* Without a line in the URL, show the first error inside the log box (not the page). */
	if (firstErr && !/^L\d+$/.test(route.args[1] || '')) {
		const row = logBox.querySelector(`#L${firstErr[0]}`);
		if (row)
			logBox.scrollTop = Math.max(0, row.offsetTop - logBox.clientHeight / 3);
	}
	return logBox;
}

function fillRepro(card, text, build, id) {
	if (text === null) {
		card.append(emptyNote('No reproducer.'));
		return;
	}
	add(card, h('div', { class: 'toolbar' }, h('a', { href: api.artifactPath(build.job_id, 'reproducer.sh'),
		download: `reproducer-${id}.sh` }, 'download reproducer.sh')), h('pre', { class: 'code scroll' }, text));
}

/*
 * The .config with a difference against the matrix base (base + fragment resolved without axis
 * values: what the axes changed) or another configuration; a configuration that did not build is
 * best compared with the nearest one that did.
 */
async function fillConfig(card, text, { id, cfg, build, run, m, axes }) {
	const mineCfg = parseConfig(text);
	const axisSyms = new Set(axes.map((a) => a.symbol));
	const others = m.configs.filter((c) => c.id !== id).map((c) => ({ c, d: distance(c.point, cfg.point),
		s: configStatus(c).status })).sort((a, b) => a.d - b.d || a.c.id - b.c.id);
	const cj = run.configure_job;
	const hasBase = cj && cj.artifacts && cj.artifacts['base.config'] !== undefined;
	const wantPass = build?.status !== 'PASS';
	const def = others.find((o) => (wantPass ? o.c.build?.status === 'PASS' : true)) || others[0];
	const diffBox = h('div', { class: 'diff-box' });
	const sel = h('select', { 'aria-label': 'compare with' }, h('option', { value: '' }, 'nothing'),
		hasBase ? h('option', { value: 'base' }, 'the matrix base (base + fragment, no axis values)') : null,
		others.map((o) => h('option', { value: String(o.c.id) }, `#${o.c.id} ${o.c.point} ${o.s}` +
			` (${o.d} ax${o.d === 1 ? 'is' : 'es'} apart)`)));
	const showDiff = async () => {
		const other = sel.value === 'base' ? 'base' : Number(sel.value);
		if (!other) {
			replace(diffBox);
			return;
		}
		replace(diffBox, h('p', { class: 'muted' }, 'Loading…'));
		if (other === 'base') {
			const t = await api.artifact(cj.id, 'base.config');
			replace(diffBox, diffTable(mineCfg, parseConfig(t), id, 'matrix base', axisSyms),
				h('p', { class: 'small' }, h('a', { href: api.artifactPath(cj.id, 'base.config'), download: 'base.config' },
					'download the matrix base .config')));
			return;
		}
		const t = await api.configText(other);
		replace(diffBox, diffTable(mineCfg, parseConfig(t), id, `#${other}`, axisSyms),
			h('p', { class: 'small' }, h('a', { href: `#/config/${other}` }, `Open configuration #${other}`)));
	};
	sel.addEventListener('change', showDiff);
	add(card,
		h('div', { class: 'toolbar' }, h('a', { href: `/api/v1/configs/${id}/config`, download: `config-${id}` }, 'download .config'),
			h('span', { class: 'muted' }, `${mineCfg.size} symbols, normalized (sorted, comments dropped)`)),
		h('h3', null, 'Difference with the matrix base or another configuration of this run ',
			h('span', { class: 'muted small' }, wantPass ? '(default: the nearest configuration that built)' :
				hasBase ? '(default: the matrix base)' : '(default: the nearest one)')),
		h('label', { class: 'small' }, 'Compare with ', sel), diffBox,
		h('details', { class: 'full-config' }, h('summary', null, 'Full .config'), h('pre', { class: 'code' }, text)));
	if (hasBase && (!wantPass || !def)) {
		sel.value = 'base';
		await showDiff();
	} else if (def) {
		sel.value = String(def.c.id);
		await showDiff();
	}
}

async function draw(id, data, root, ctx, state) {
	const { config: cfg, build, errors, boots, requests } = data;
	const [run, m] = await Promise.all([api.run(cfg.run_id), api.matrix(cfg.run_id)]);
	const axes = run.axes || Object.keys(cfg.effective || {}).map((s) => ({ symbol: s, values: 'ymn' }));
	const mine = m.configs.find((c) => c.id === id);
	const st = mine ? configStatus(mine) : { status: build?.status || 'queued', why: '' };
	const base = `#/config/${id}`;
	ctx.title(`Config #${id}`);

	/* Build log, reproducer and .config load in parallel, into cards already on the page. */
	const logCard = section('Build log');
	const reproCard = section('Reproducer');
	const cfgCard = section('.config');
	replace(root, headParts(id, cfg, run, axes, st, requests), buildSection(build), sizesCard(run, id, build),
		errorsSection(errors, build, base), findingsSection(data.findings || []), logCard, reproCard, cfgCard,
		bootsCard(boots, cfg.run_id));

	const arts = build?.artifacts || {};
	const logP = arts['build.log'] !== undefined ? api.artifact(build.job_id, 'build.log') : Promise.resolve(null);
	const reproP = arts['reproducer.sh'] !== undefined ? api.artifact(build.job_id, 'reproducer.sh') : Promise.resolve(null);
	const textP = api.configText(id);

	let logBox = null;
	const select = (r) => {
		const ln = /^L(\d+)$/.exec(r.args[1] || '');
		if (!logBox)
			return;
		for (const el of logBox.querySelectorAll('.ll.sel'))
			el.classList.remove('sel');
		if (ln) {
			const row = logBox.querySelector(`#L${ln[1]}`);
			if (row) {
				row.classList.add('sel');
				row.scrollIntoView({ block: 'center' });
			}
		}
	};
	const guard = (card, p) => p.catch((e) => card.append(h('p', { class: 'error-box' }, `Could not load: ${e.message}`)));
	await Promise.all([
		guard(logCard, logP.then((text) => { logBox = fillLog(logCard, text, build, errors, base, state.route); })),
		guard(reproCard, reproP.then((text) => fillRepro(reproCard, text, build, id))),
		guard(cfgCard, textP.then((text) => fillConfig(cfgCard, text, { id, cfg, build, run, m, axes }))),
	]);
	state.select = select;
	select(state.route);
}
