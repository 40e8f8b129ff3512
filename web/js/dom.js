// DOM building without HTML strings: every piece of data becomes a text node, never markup.

/*
 * h('a', {href: '#/run/3', class: 'x'}, 'text', child...) makes an element. Strings and numbers
 * become text nodes; null, undefined and false children are skipped; arrays are flattened.
 * Attributes: class, dataset (object), on<event> (listener), title, aria-*, anything else by
 * setAttribute. Links must be app routes or API paths (see safeHref).
 */
export function h(tag, attrs, ...children) {
	const el = document.createElement(tag);
	if (attrs) {
		for (const [k, v] of Object.entries(attrs)) {
			if (v === null || v === undefined || v === false)
				continue;
			if (k === 'class')
				el.className = v;
			else if (k === 'dataset')
				Object.assign(el.dataset, v);
			else if (k.startsWith('on') && typeof v === 'function')
				el.addEventListener(k.slice(2), v);
			else if (k === 'href')
				el.setAttribute('href', safeHref(v));
			else
				el.setAttribute(k, v === true ? '' : String(v));
		}
	}
	add(el, children);
	return el;
}

/* Appends children (same rules as h) to el; returns el. */
export function add(el, ...children) {
	for (const c of children.flat(Infinity)) {
		if (c === null || c === undefined || c === false)
			continue;
		el.append(c instanceof Node ? c : document.createTextNode(String(c)));
	}
	return el;
}

/* Replaces all children of el. */
export function replace(el, ...children) {
	el.replaceChildren();
	return add(el, ...children);
}

/* Only our own routes and API paths become links: data never chooses a URL scheme. */
export function safeHref(href) {
	const s = String(href);
	if (s.startsWith('#/') || s.startsWith('/api/v1/') || s === '#')
		return s;
	throw new Error(`refusing link '${s.slice(0, 60)}'`);
}

/* "3 min ago" style age of a Unix time, relative to now (seconds). */
export function ago(t, now = Date.now() / 1000) {
	if (!t)
		return '';
	const d = Math.max(0, Math.round(now - t));
	if (d < 45)
		return `${d} s ago`;
	if (d < 90 * 60)
		return `${Math.round(d / 60)} min ago`;
	if (d < 36 * 3600)
		return `${Math.round(d / 3600)} h ago`;
	return `${Math.round(d / 86400)} days ago`;
}

/* An absolute local time, for titles and tables. */
export function when(t) {
	if (!t)
		return '';
	const d = new Date(t * 1000);
	const p = (n) => String(n).padStart(2, '0');
	return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/* A time element: relative text, absolute time on hover. */
export function timeEl(t) {
	return t ? h('time', { title: when(t), datetime: new Date(t * 1000).toISOString() }, ago(t)) : '';
}

/* Seconds as "48.2 s" or "5 min 3 s". */
export function duration(s) {
	if (s === null || s === undefined)
		return '';
	if (s < 60)
		return `${Number(s).toFixed(1)} s`;
	const m = Math.floor(s / 60);
	if (m < 60)
		return `${m} min ${Math.round(s - m * 60)} s`;
	return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function bytes(n) {
	if (n < 1024)
		return `${n} B`;
	if (n < 1024 * 1024)
		return `${(n / 1024).toFixed(1)} KiB`;
	return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

export const shortRef = (ref) => (ref || '').replace(/^refs\/heads\//, '').replace(/^refs\//, '');
export const shortCommit = (c) => (c ? c.slice(0, 12) : '');
