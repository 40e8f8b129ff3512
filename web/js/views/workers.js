// The workers: who is there, when each was last seen, what each is running.
import { h, replace, timeEl } from '../dom.js';
import * as api from '../api.js';
import { section, emptyNote } from '../components.js';

async function draw(root) {
	const ws = await api.workers();
	const running = ws.flatMap((w) => w.running_jobs || []);
	const jobs = new Map(await Promise.all(running.slice(0, 50).map((j) => api.job(j).then((x) => [j, x], () => [j, null]))));
	const now = Date.now() / 1000;
	replace(root, h('div', { class: 'page-head' }, h('h1', null, 'Workers')),
		section(`${ws.length} worker${ws.length === 1 ? '' : 's'}`, ws.length ? h('table', { class: 'workers' },
			h('thead', null, h('tr', null, h('th', null, 'Name'), h('th', null, 'Host'), h('th', null, 'Version'), h('th', { class: 'num' }, 'Cores'),
				h('th', null, 'Last seen'), h('th', null, 'Running'))),
			h('tbody', null, ws.map((w) => h('tr', { class: w.revoked_at ? 'quiet' : w.last_seen && now - w.last_seen < 120 ? 'alive' : 'quiet' },
				h('td', null, h('b', null, w.name), w.revoked_at ? [' ', h('span', { class: 'tag', title: 'its token is refused; kmatrixctl worker-add gives it a new one' }, 'revoked ', timeEl(w.revoked_at))] : null),
				h('td', null, w.hostname || '—'), h('td', null, w.version || '—'),
				h('td', { class: 'num' }, w.cores ?? '—'), h('td', null, w.last_seen ? timeEl(w.last_seen) : 'never'),
				h('td', null, (w.running_jobs || []).map((j) => {
					const x = jobs.get(j);
					if (!x)
						return h('span', { class: 'tag' }, `job ${j}`);
					return h('a', { class: 'tag', href: x.config_id ? `#/config/${x.config_id}` : `#/run/${x.run_id}` },
						`${x.kind}${x.variant ? ` ${x.variant}` : ''} · run ${x.run_id}${x.config_id ? ` · config ${x.config_id}` : ''}`);
				})))))) : emptyNote('No workers yet. Add one with kmatrixctl worker-add NAME.')));
}

export default {
	async render(route, root, ctx) {
		ctx.title('Workers');
		await draw(root);
		ctx.poll(async () => {
			await draw(root);
			return true;
		}, 3000);
	},
};
