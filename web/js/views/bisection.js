// What a bisection found, as a line ("bisected to 1a2b3c4 subject, patch 3/9") and as its list of steps.
import { h, shortCommit } from '../dom.js';

const STATE_TEXT = {
	walking: 'bisecting: reading the history…',
	stepping: 'bisecting…',
	cancelled: 'bisection cancelled',
	skipped: 'not bisected',
	error: 'bisection failed',
};

const commitLink = (c) => h('code', { title: c.id }, shortCommit(c.id));

/* One line for an error list: the first bad commit and its place in the push, or the range, or why not. */
export function bisectionLine(b) {
	if (!b)
		return null;
	if (b.state === 'found' && b.first_bad)
		return h('div', { class: 'bisected small' }, 'bisected to ', commitLink(b.first_bad), ' ', b.first_bad.subject || '',
			`, patch ${b.first_bad.label}`, h('span', { class: 'muted' }, ` (${b.steps_done} builds)`));
	if (b.state === 'range' && b.range)
		return h('div', { class: 'bisected small' }, 'bisected to a range: ', commitLink(b.range.first), '..',
			commitLink(b.range.last), `, patches ${b.range.first.position}..${b.range.last.position} of ${b.commits}`,
			h('span', { class: 'muted' }, ` (${b.reason})`));
	return h('div', { class: 'muted small' }, STATE_TEXT[b.state] || b.state, b.reason ? `: ${b.reason}` : '');
}

/* The steps, each a link to its job's build log. */
export function bisectionSteps(b) {
	const steps = b.steps.filter((s) => s.op === 'step');
	return h('div', null, bisectionLine(b),
		h('p', { class: 'muted small' }, `${b.commits} commits between `, h('code', null, shortCommit(b.good_commit)), ' and ',
			h('code', null, shortCommit(b.bad_commit)), ` · ${b.steps_done} of at most ${b.max_steps} builds, ${b.skips} skipped`,
			b.reproducer ? [' · ', h('a', { href: b.reproducer }, 'reproducer at the first bad commit')] : null),
		steps.length ? h('table', { class: 'bisect-steps' },
			h('thead', null, h('tr', null, h('th', { class: 'num' }, 'Patch'), h('th', null, 'Commit'), h('th', null, 'Verdict'),
				h('th', null, 'What the build showed'))),
			h('tbody', null, steps.map((s) => h('tr', { class: `verdict-${s.verdict || 'pending'}` },
				h('td', { class: 'num' }, `${s.position}/${b.commits}`),
				h('td', null, h('a', { href: s.log, title: s.commit || '' }, h('code', null, shortCommit(s.commit)))),
				h('td', null, s.verdict || s.state),
				h('td', { class: 'small' }, s.reason || s.message || ''))))) : null);
}
