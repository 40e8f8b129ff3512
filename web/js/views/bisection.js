// What a bisection found, as a line ("bisected to 1a2b3c4 subject, patch 3/9") and as its list of steps;
// for a boot, also what changed ("owner change of range subject (cxl → hmem) in variant cxl-first").
import { h, shortCommit } from '../dom.js';
import { section } from '../components.js';

const STATE_TEXT = {
	walking: 'bisecting: reading the history…',
	stepping: 'bisecting…',
	cancelled: 'bisection cancelled',
	skipped: 'not bisected',
	error: 'bisection failed',
};

const commitLink = (c) => h('code', { title: c.id }, shortCommit(c.id));

/* What a step is: a build, or for a boot's bisection a build and a boot. */
const stepsWord = (b) => (b.kind === 'boot' ? 'builds and boots' : 'builds');

/* One line for an error list: the first bad commit and its place in the push, or the range, or why not. */
export function bisectionLine(b) {
	if (!b)
		return null;
	if (b.state === 'found' && b.first_bad)
		return h('div', { class: 'bisected small' }, 'bisected to ', commitLink(b.first_bad), ' ', b.first_bad.subject || '',
			`, patch ${b.first_bad.label}`, h('span', { class: 'muted' }, ` (${b.steps_done} ${stepsWord(b)})`));
	if (b.state === 'range' && b.range)
		return h('div', { class: 'bisected small' }, 'bisected to a range: ', commitLink(b.range.first), '..',
			commitLink(b.range.last), `, patches ${b.range.first.position}..${b.range.last.position} of ${b.commits}`,
			h('span', { class: 'muted' }, ` (${b.reason})`));
	return h('div', { class: 'muted small' }, STATE_TEXT[b.state] || b.state, b.reason ? `: ${b.reason}` : '');
}

/* The steps, each a link to its job's build log (and, for a boot, its console). */
export function bisectionSteps(b) {
	const steps = b.steps.filter((s) => s.op === 'step');
	const boot = b.kind === 'boot';
	return h('div', null, bisectionLine(b),
		h('p', { class: 'muted small' }, `${b.commits} commits between `, h('code', null, shortCommit(b.good_commit)), ' and ',
			h('code', null, shortCommit(b.bad_commit)), ` · ${b.steps_done} of at most ${b.max_steps} ${stepsWord(b)}, ${b.skips} skipped`,
			b.reproducer ? [' · ', h('a', { href: b.reproducer }, `${boot ? 'boot ' : ''}reproducer at the first bad commit`)] : null),
		steps.length ? h('table', { class: 'bisect-steps' },
			h('thead', null, h('tr', null, h('th', { class: 'num' }, 'Patch'), h('th', null, 'Commit'), h('th', null, 'Verdict'),
				h('th', null, boot ? 'What the build and boot showed' : 'What the build showed'))),
			h('tbody', null, steps.map((s) => h('tr', { class: `verdict-${s.verdict || 'pending'}` },
				h('td', { class: 'num' }, `${s.position}/${b.commits}`),
				h('td', null, h('a', { href: s.log, title: s.commit || '' }, h('code', null, shortCommit(s.commit))),
					boot && s.console ? [' ', h('a', { href: s.console, class: 'muted small' }, 'console')] : null),
				h('td', null, s.verdict || s.state),
				h('td', { class: 'small' }, s.reason || s.message || ''))))) : null);
}

/* The bisection of one changed boot of a comparison row ({config_id, variant, role}), or undefined. */
export function bootBisectionOf(bisections, c) {
	return bisections.find((b) => b.kind === 'boot' && b.config_id === c.config_id && b.boot.variant === c.variant &&
		(b.boot.role ?? null) === (c.role ?? null));
}

/* The changed boots a run bisected: what changed, for which configuration, and the steps. */
export function bootBisectionsCard(bisections) {
	const boots = bisections.filter((b) => b.kind === 'boot');
	if (!boots.length)
		return null;
	return section('Boot changes', boots.map((b) => h('div', { class: 'bisection', dataset: { bisection: b.id } },
		h('h3', null, b.boot.what, ' · ', h('a', { href: `#/config/${b.config_id}` }, `configuration #${b.config_id}`)),
		bisectionSteps(b))));
}
