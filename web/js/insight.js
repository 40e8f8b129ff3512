// The matrix insight the server computes: why Kconfig clamped a request, which combination of
// axis values breaks a build, and why built-in code cannot call a module's symbol.
import { h } from './dom.js';

/* "depends on CXL_BUS [=m] (if CXL_BUS, drivers/cxl/Kconfig:19)": the reason part of an explanation. */
function reasonOf(x) {
	const text = x.text || '';
	const dash = text.indexOf(' \u2014 ');
	return dash >= 0 ? text.slice(dash + 3) : text;
}

/* One clamped axis of a request: "CXL_ACPI y → m" and, when the worker explained it, why. */
export function clampEntry(d) {
	const x = d.explanation;
	return h('div', { class: 'clamp' },
		h('code', null, d.symbol), ` ${d.requested} \u2192 ${d.effective}`,
		d.axis ? null : h('span', { class: 'muted' }, ' (fragment)'),
		x ? h('div', { class: 'clamp-why', title: x.checked ? 'Re-evaluated against the effective .config: it gives the effective value.' :
			'Not re-checked against the effective .config.' }, reasonOf(x), x.checked ? null :
			h('span', { class: 'muted' }, ' (unchecked)')) : null);
}

/* A failure condition: the formula, what the run holds constant, or why there is none. */
export function conditionBlock(c, runId) {
	if (!c)
		return null;
	const found = c.status === 'found';
	return h('div', { class: 'condition', dataset: { status: c.status, provisional: c.provisional ? 'yes' : 'no' } },
		h('span', { class: 'tile-label' }, c.provisional ? 'So far fails exactly when' : 'Fails exactly when'), ' ',
		found ? h('code', { class: 'cond-text', title: `Kconfig form: ${c.ascii || ''}` }, c.text) :
			h('span', { class: 'cond-text' }, c.text),
		found && c.given_text ? h('span', { class: 'muted small cond-given' }, ' \u2014 given ', h('code', null, c.given_text),
			', which every built config of the run has') : null,
		runId ? h('span', { class: 'muted small' }, ' (over the configs built in ', h('a', { href: `#/run/${runId}` }, `run #${runId}`),
			')') : null,
		c.provisional ? h('span', { class: 'muted small cond-provisional' },
			` \u2014 provisional: ${c.built} of ${c.configs} builds have finished, the rest may change it`) : null);
}

/* Built-in code calling a symbol only a module provides: who calls, who provides, what to do. */
export function diagnosisBlock(d) {
	if (!d || !d.text)
		return null;
	return h('div', { class: 'diagnosis' },
		h('div', { class: 'diag-title' }, 'Diagnosis'),
		h('p', { class: 'diag-text' }, d.text),
		d.remedies && d.remedies.length ? h('ul', { class: 'remedies' }, d.remedies.map((r) => h('li', null, r))) : null);
}
