// The dashboard's entry point: hash routing (#/run/5, #/config/12/L40, ...), polling, errors.
import { h, replace } from './dom.js';
import { ApiError } from './api.js';
import runsView from './views/runs.js';
import runView from './views/run.js';
import configView from './views/config.js';
import signatureView from './views/signature.js';
import compareView from './views/compare.js';
import workersView from './views/workers.js';

/*
 * Routes: the first path segment names the view, the rest are its parameters.
 *   #/                      runs (#/?tree=cxl&ref=refs/heads/x filters)
 *   #/run/ID                a run's matrix (?rows=AXIS&cols=AXIS&color=status|owner)
 *   #/config/ID[/LN]        a configuration, LN = L123 marks a build log line
 *   #/signature/ID          an error signature
 *   #/compare/ID[/BASE]     run ID against BASE (default: the previous run of its branch)
 *   #/workers               the workers
 */
const VIEWS = { '': runsView, runs: runsView, run: runView, config: configView, signature: signatureView,
	compare: compareView, workers: workersView };

export function parseHash(hash) {
	const s = hash.replace(/^#/, '') || '/';
	const q = s.indexOf('?');
	const path = q < 0 ? s : s.slice(0, q);
	const dec = (x) => {
		try {
			return decodeURIComponent(x);
		} catch (e) {
			return x;
		}
	};
	const parts = path.split('/').filter(Boolean).map(dec);
	return { name: parts[0] || '', args: parts.slice(1), query: new URLSearchParams(q < 0 ? '' : s.slice(q + 1)) };
}

const main = document.getElementById('main');
let current = null; // {view, key, handle, timers}

function leave() {
	if (!current)
		return;
	for (const t of current.timers)
		clearTimeout(t.id);
	current.timers.length = 0;
	current.handle?.leave?.();
	current = null;
	document.getElementById('live').hidden = true;
}

/* Shows an error in place of the view. */
export function showError(root, e) {
	const msg = e instanceof ApiError ? e.message : `unexpected error: ${e.message}`;
	replace(root, h('div', { class: 'error-box', role: 'alert' },
		h('strong', null, e instanceof ApiError && e.status === 404 ? 'Not found. ' : 'Something went wrong. '),
		msg, ' ', h('a', { href: '#/' }, 'Back to the runs')));
	if (!(e instanceof ApiError))
		console.error(e);
}

function makeCtx(state) {
	return {
		/*
		 * Calls fn every ms milliseconds (after each call finishes) while the view is shown and
		 * until fn returns false. Errors are shown in the live badge, and polling goes on.
		 */
		poll(fn, ms = 2000) {
			const badge = document.getElementById('live');
			const timer = { id: 0 };
			const tick = async () => {
				if (!state.timers.includes(timer))
					return;
				let again = true;
				try {
					again = (await fn()) !== false;
					badge.classList.remove('stale');
					badge.title = `updated ${new Date().toLocaleTimeString()}`;
				} catch (e) {
					badge.classList.add('stale');
					badge.title = `update failed: ${e.message}`;
				}
				if (!state.timers.includes(timer))
					return;
				if (again) {
					timer.id = setTimeout(tick, ms);
				} else {
					state.timers.splice(state.timers.indexOf(timer), 1);
					badge.hidden = !state.timers.length;
				}
			};
			state.timers.push(timer);
			badge.hidden = false;
			timer.id = setTimeout(tick, ms);
		},
		title(t) {
			document.title = t ? `${t} · kmatrix` : 'kmatrix';
		},
	};
}

async function route() {
	const r = parseHash(location.hash);
	const view = VIEWS[r.name];
	for (const a of document.querySelectorAll('header nav a'))
		a.classList.toggle('active', a.dataset.nav === (r.name === 'workers' ? 'workers' : 'runs'));
	if (!view) {
		leave();
		showError(main, new ApiError(404, `there is no page '${r.name}'`));
		return;
	}
	const key = `${r.name || 'runs'}/${view.key ? view.key(r) : r.args.join('/')}`;
	/* Same page, other detail (a log line, a grid option): the view updates itself in place. */
	if (current && current.key === key && current.handle?.update) {
		current.handle.update(r);
		return;
	}
	leave();
	const state = { view, key, handle: null, timers: [] };
	current = state;
	const root = h('div', { class: `view view-${r.name || 'runs'}` });
	replace(main, root);
	window.scrollTo(0, 0);
	try {
		const handle = await view.render(r, root, makeCtx(state));
		if (current === state)
			state.handle = handle || null;
		else
			handle?.leave?.();
	} catch (e) {
		if (current === state)
			showError(root, e);
	}
}

window.addEventListener('hashchange', route);
route();
