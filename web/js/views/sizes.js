// Sizes and times of a configuration's build (vmlinux sections, modules, wall and CPU time) from
// its metadata.json, with the change against the same configuration in the base run.
import { h, add, duration, bytes } from '../dom.js';
import * as api from '../api.js';
import { section, emptyNote } from '../components.js';

const ROWS = [
	['vmlinux .text', (md) => md.vmlinux?.text_size, 'bytes'],
	['vmlinux .data', (md) => md.vmlinux?.data_size, 'bytes'],
	['vmlinux .bss', (md) => md.vmlinux?.bss_size, 'bytes'],
	['vmlinux file', (md) => md.vmlinux?.file_size, 'bytes'],
	['modules', (md) => md.modules?.total_size, 'bytes'],
	['module count', (md) => md.modules?.count, 'count'],
	['build wall time', (md) => md.results?.duration?.build, 'time'],
	['build CPU time', (md) => md.results?.duration?.cpu, 'time'],
];

const show = (v, kind) => (v === undefined || v === null ? '' :
	kind === 'bytes' ? bytes(v) : kind === 'time' ? duration(v) : String(v));

/* "+40.0 KiB (+2.1 %)", "−12 B", "±0"; a size that grew by 40 KiB or more is marked. */
function change(now, before, kind) {
	if (now === undefined || before === undefined || now === null || before === null)
		return h('td', { class: 'muted' }, '');
	const d = now - before;
	if (d === 0)
		return h('td', { class: 'muted num' }, '±0');
	const abs = Math.abs(d);
	const text = kind === 'bytes' ? bytes(abs) : kind === 'time' ? duration(abs) : String(abs);
	const pct = before ? ` (${d > 0 ? '+' : '−'}${((100 * abs) / before).toFixed(1)} %)` : '';
	const big = kind === 'bytes' && d >= 40 * 1024;
	return h('td', { class: `num${big ? ' grew' : ''}`, title: `${d > 0 ? '+' : ''}${d}` }, `${d > 0 ? '+' : '−'}${text}${pct}`);
}

async function metadataOf(jobId, artifacts) {
	if (!jobId || !artifacts || artifacts['metadata.json'] === undefined)
		return null;
	return JSON.parse(await api.artifact(jobId, 'metadata.json'));
}

/* The same configuration's build in the run's comparison base (the server's base_run), or null. */
async function baseBuild(run, configId) {
	if (!run.base_run)
		return null;
	const cmp = await api.compare(run.id);
	const mine = (cmp.configs || []).find((c) => c.config_id === configId);
	if (!mine || !mine.base_config_id)
		return null;
	const d = await api.config(mine.base_config_id);
	return d.build ? { run: run.base_run, config: mine.base_config_id, build: d.build } : null;
}

/* A card that fills itself in: the sizes of this build and, when there is one, of the base run's. */
export function sizesCard(run, configId, build) {
	const card = section('Sizes and times');
	(async () => {
		const md = await metadataOf(build?.job_id, build?.artifacts);
		if (!md) {
			card.append(emptyNote('No metadata.json for this build.'));
			return;
		}
		const b = await baseBuild(run, configId).catch(() => null);
		const mdb = b ? await metadataOf(b.build.job_id, b.build.artifacts).catch(() => null) : null;
		const rows = ROWS.filter(([, get]) => get(md) !== undefined || (mdb && get(mdb) !== undefined))
			.map(([label, get, kind]) => h('tr', null, h('th', null, label), h('td', { class: 'num' }, show(get(md), kind)),
				mdb ? h('td', { class: 'num' }, show(get(mdb), kind)) : null,
				mdb ? change(get(md), get(mdb), kind) : null));
		add(card, h('table', { class: 'sizes' },
			h('thead', null, h('tr', null, h('th', null, ''), h('th', null, 'this build'),
				mdb ? h('th', null, h('a', { href: `#/config/${b.config}` }, `base run #${b.run}`)) : null,
				mdb ? h('th', null, 'change') : null)),
			h('tbody', null, rows)),
		mdb ? null : h('p', { class: 'muted small' }, 'No base run with this configuration to compare with.'),
		md.compiler?.version_full ? h('p', { class: 'muted small' }, md.compiler.version_full) : null);
	})().catch((e) => card.append(h('p', { class: 'error-box' }, `Could not load: ${e.message}`)));
	return card;
}
