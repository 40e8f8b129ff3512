#!/usr/bin/env node
// The dashboard in headless Chromium against a real server: runs list, matrix colours and counts,
// a failing cell down to its highlighted log line, the error signature, the comparison after a
// breaking push, live progress without a reload, and logs that carry <script> shown as text.
//
// Run by test_dashboard.sh, which starts and fills the server. Environment:
//   KM_URL         the server, e.g. http://127.0.0.1:8123
//   KM_FAIL_RUN    a finished run with failing configurations (after a breaking push)
//   KM_BASE_RUN    the run before it on the same branch
//   KM_LIVE_RUN    a run that has not finished; work on it starts when KM_GO_FILE is created
//   KM_GO_FILE     created by this script when the live run may go on
//   KM_SHOTS       directory for screenshots (matrix-base.png is the one for the README)
//   KM_CHROMIUM    the browser (default /usr/bin/chromium)
import { chromium } from 'playwright-core';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const env = (k, def) => {
	const v = process.env[k] ?? def;
	if (v === undefined)
		throw new Error(`${k} is not set`);
	return v;
};
const URL_ = env('KM_URL');
const FAIL_RUN = Number(env('KM_FAIL_RUN'));
const BASE_RUN = Number(env('KM_BASE_RUN'));
const LIVE_RUN = Number(env('KM_LIVE_RUN'));
const GO_FILE = env('KM_GO_FILE');
const REVOKED = env('KM_REVOKED', '');
const SHOTS = env('KM_SHOTS');
const LIVE_WAIT_S = Number(env('KM_LIVE_WAIT', '90'));

const COLOURS = { PASS: 'rgb(58, 154, 75)', FAIL: 'rgb(210, 68, 62)', ERROR: 'rgb(238, 141, 44)' };

let failures = 0;
function ok(cond, what, detail = '') {
	if (cond) {
		console.log(`ok - ${what}`);
	} else {
		failures++;
		console.log(`not ok - ${what}${detail ? `: ${detail}` : ''}`);
	}
	return cond;
}

async function api(path) {
	const res = await fetch(`${URL_}/api/v1${path}`);
	if (!res.ok)
		throw new Error(`GET ${path}: HTTP ${res.status}`);
	return res.headers.get('content-type')?.startsWith('application/json') ? res.json() : res.text();
}

/* What a request's cell must show: the build's status, then the boots'. */
function expectedStatus(c) {
	if (!c || !c.build || !c.build.status)
		return 'queued';
	if (c.build.status !== 'PASS')
		return c.build.status;
	const st = (c.boots || []).map((b) => b.status);
	if (st.includes('FAIL'))
		return 'FAIL';
	if (st.includes('ERROR'))
		return 'ERROR';
	if (st.includes('running') || st.includes('queued'))
		return 'running';
	if (st.includes('MISS'))
		return 'MISS';
	return 'PASS';
}

/* A configuration's verdict for comparisons: FAIL if the build or a boot failed, else ERROR, else PASS; '' unfinished. */
function verdict(c) {
	const done = ['PASS', 'FAIL', 'ERROR', 'MISS', 'SKIP'];
	const b = c.build?.status;
	if (!done.includes(b))
		return '';
	if (b !== 'PASS')
		return ['FAIL', 'ERROR'].includes(b) ? b : '';
	const boots = (c.boots || []).map((x) => x.status);
	return boots.includes('FAIL') ? 'FAIL' : boots.includes('ERROR') ? 'ERROR' : 'PASS';
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
	mkdirSync(SHOTS, { recursive: true });
	const profile = mkdtempSync(join(tmpdir(), 'kmatrix-chromium-'));
	const ctx = await chromium.launchPersistentContext(profile, {
		executablePath: env('KM_CHROMIUM', '/usr/bin/chromium'),
		headless: true,
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
			'--disable-background-networking', '--disable-component-update', '--disable-sync'],
		viewport: { width: 1400, height: 900 },
	});
	const pageErrors = [];
	const page = ctx.pages()[0] || await ctx.newPage();
	page.on('pageerror', (e) => pageErrors.push(e.message));
	page.on('dialog', (d) => {
		pageErrors.push(`dialog opened: ${d.message()}`);
		d.dismiss();
	});
	page.setDefaultTimeout(15000);
	const shot = async (name, full = true) => {
		/* A full-page shot of a scrolled page would show the sticky top bar in the middle. */
		if (full)
			await page.evaluate(() => window.scrollTo(0, 0));
		await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: full });
	};
	const go = async (hash) => {
		await page.goto(`${URL_}/${hash}`);
		await page.waitForFunction(() => !document.querySelector('main .loading'));
	};

	try {
		/* --- the runs page --- */
		const runs = (await api('/runs?limit=200')).runs;
		await go('#/');
		await page.waitForSelector('tr.run-row');
		const rows = await page.$$eval('tr.run-row', (trs) => trs.map((tr) => Number(tr.dataset.run)));
		ok(rows.length === runs.length && runs.every((r) => rows.includes(r.id)), 'runs page lists every run',
			`page ${rows}, api ${runs.map((r) => r.id)}`);
		const groups = new Set(runs.map((r) => `${r.tree.name} ${r.ref}`));
		ok(await page.locator('section.group').count() === groups.size, `runs grouped per tree and branch (${groups.size})`);
		let countsOk = true;
		for (const r of runs) {
			for (const [k, n] of Object.entries(r.counts.build || {})) {
				const t = await page.locator(`[data-count="build-${r.id}-${k}"] b`).textContent().catch(() => null);
				if (Number(t) !== n) {
					countsOk = false;
					ok(false, `run ${r.id} build ${k} count`, `page ${t}, api ${n}`);
				}
			}
		}
		ok(countsOk, 'runs page shows the build counts of every run');
		const marked = runs.filter((r) => /[<>]/.test(r.subject || ''));
		for (const r of marked) {
			const shownSubject = await page.locator(`tr.run-row[data-run="${r.id}"] .subject`).textContent();
			ok(shownSubject === r.subject, `run ${r.id}'s subject with markup is shown as text`, shownSubject);
		}
		ok(await page.locator('main img, main script, main iframe').count() === 0, 'no element made from data');
		const failRow = page.locator(`tr.run-row[data-run="${FAIL_RUN}"]`);
		await failRow.locator('[data-mark="new-failure"]').waitFor();
		ok(await failRow.locator('[data-mark="new-failure"]').count() === 1, `run ${FAIL_RUN} is marked with new failures`);
		await shot('runs');

		/* --- the matrix of the run with failures: colours and counts --- */
		const m = await api(`/runs/${FAIL_RUN}/matrix`);
		const cfgs = new Map(m.configs.map((c) => [c.id, c]));
		await go(`#/run/${FAIL_RUN}`);
		await page.waitForSelector('.cell[data-status]');
		const cells = await page.$$eval('.cell[data-point]', (els) => els.map((e) => ({
			point: e.dataset.point, status: e.dataset.status || null, config: Number(e.dataset.config || 0),
			clamped: e.classList.contains('clamped'), bg: getComputedStyle(e).backgroundColor,
			href: e.getAttribute('href') })));
		const byPoint = new Map(cells.map((c) => [c.point, c]));
		const tally = {};
		let wrong = [];
		for (const r of m.requests) {
			const cell = byPoint.get(r.point);
			const want = expectedStatus(cfgs.get(r.config_id));
			tally[want === 'SKIP' ? 'MISS' : want] = (tally[want === 'SKIP' ? 'MISS' : want] || 0) + 1;
			if (!cell || cell.status !== want || cell.config !== r.config_id || cell.clamped !== r.clamped ||
			    cell.href !== `#/config/${r.config_id}` || (COLOURS[want] && cell.bg !== COLOURS[want]))
				wrong.push(`${r.point}: want ${want} #${r.config_id}${r.clamped ? ' clamped' : ''} ${COLOURS[want] || ''},` +
					` got ${JSON.stringify(cell)}`);
		}
		ok(cells.filter((c) => c.status).length === m.requests.length, `one coloured cell per request (${m.requests.length})`);
		ok(!wrong.length, 'every cell has the status, colour, clamp mark and link of its configuration',
			wrong.slice(0, 5).join('; '));
		ok((tally.FAIL || 0) > 0, `the run has failing cells (${tally.FAIL || 0})`);
		for (const [k, n] of Object.entries(tally)) {
			const t = await page.locator(`[data-legend-count="${k}"]`).textContent().catch(() => null);
			ok(Number(t) === n, `legend counts ${n} ${k} cells`, `got ${t}`);
		}
		const summary = async (k) => Number(await page.locator(`.tiles [data-count="${k}"]`).first().textContent());
		ok(await summary('requests') === m.run.counts.requests && await summary('clamped') === m.run.counts.clamped &&
			await summary('configs') === m.run.counts.configs, 'summary shows requests, clamped requests and configurations');
		ok(cells.filter((c) => c.clamped).length === m.run.counts.clamped, `clamped requests are marked (${m.run.counts.clamped})`);
		for (const [k, n] of Object.entries(m.run.counts.build)) {
			const t = await page.locator(`.tiles [data-count="build-${k}"] b`).textContent().catch(() => null);
			ok(Number(t) === n, `summary shows ${n} ${k} builds`, `got ${t}`);
		}
		await shot('matrix');

		/* Hover on a clamped request: requested vs effective, and an arrow to the config it became. */
		const clampedReq = m.requests.find((r) => r.clamped && m.requests.some((q) => q.point === cfgs.get(r.config_id)?.point));
		if (ok(!!clampedReq, 'the run has a clamped request whose configuration is also requested as such')) {
			await page.hover(`.cell[data-point="${clampedReq.point}"]`);
			const tip = page.locator('#tip');
			await tip.waitFor({ state: 'visible' });
			const text = await tip.textContent();
			const eff = cfgs.get(clampedReq.config_id).point;
			ok(text.includes('requested') && text.includes('effective') && text.includes(`Config #${clampedReq.config_id}`),
				'hover shows requested and effective values and the configuration', text.slice(0, 200));
			const diffRows = await tip.locator('tr.diff').count();
			ok(diffRows === [...clampedReq.point].filter((v, i) => v !== eff[i]).length, 'hover marks the clamped axes');
			ok(await page.locator(`.cell.target[data-point="${eff}"]`).count() === 1 &&
				await page.locator('svg.arrows line').count() === 1, 'a clamped request points at the cell of its configuration');
			await shot('matrix-hover', false);
			await page.mouse.move(2, 2);
		}
		if ((m.run.variants || []).length) {
			await page.click('button[data-color="owner"]');
			await page.waitForSelector('.cell.by-owner');
			ok(page.url().includes('color=owner'), 'colouring by boot owner is a deep link');
			const owners = await page.$$eval('.cell.by-owner .bars span[class^="o-"]', (e) => e.length);
			const expectOwners = m.configs.reduce((n, c) => n + (c.build?.status === 'PASS' ? c.boots.filter((b) => b.status === 'PASS')
				.length : 0), 0) ? 1 : 0;
			ok(owners >= expectOwners, `boot owners shown per variant (${owners} bars)`);
			await shot('matrix-owner');
		}

		/* The base run's matrix, top of the page down to the grid: the picture for the README. */
		await go(`#/run/${BASE_RUN}`);
		await page.waitForSelector('.cell[data-status]');
		await page.evaluate(() => window.scrollTo(0, 0));
		const box = await page.locator('.matrix-card').boundingBox();
		await page.screenshot({ path: join(SHOTS, 'matrix-base.png'), fullPage: true, clip: { x: 0, y: 0, width: 1400,
			height: Math.ceil(box.y + box.height + 16) } });

		/* --- a failing cell leads to its configuration with the error line highlighted --- */
		const failing = m.requests.filter((r) => expectedStatus(cfgs.get(r.config_id)) === 'FAIL' &&
			cfgs.get(r.config_id).build.status === 'FAIL');
		let target = null, errs = null;
		for (const r of failing) {
			const c = await api(`/configs/${r.config_id}`);
			const e = c.errors.find((x) => x.line_no && !x.secondary);
			if (e && c.build.artifacts['build.log'] !== undefined) {
				target = r;
				errs = { cfg: c, e };
				break;
			}
		}
		if (ok(!!target, 'a failing configuration has an error with a log line')) {
			await go(`#/run/${FAIL_RUN}`);
			await page.click(`.cell[data-point="${target.point}"]`);
			await page.waitForURL(new RegExp(`#/config/${target.config_id}$`));
			ok(true, `clicking failing cell ${target.point} opens configuration #${target.config_id}`);
			const line = page.locator(`.log .ll.err#L${errs.e.line_no}`);
			await line.waitFor();
			const lt = await line.locator('.lt').textContent();
			const firstLines = errs.e.first_lines || '';
			ok(firstLines.includes(lt.trim()) || lt.includes(errs.e.symbol || errs.e.message.slice(0, 20)),
				`error line ${errs.e.line_no} is highlighted in the build log`, lt);
			ok(await page.locator('.log .ll.err').count() >= 1, 'error lines carry the error highlight');
			await page.click(`a.jump[href$="/L${errs.e.line_no}"]`);
			await page.waitForURL(new RegExp(`#/config/${target.config_id}/L${errs.e.line_no}$`));
			await page.waitForSelector(`.ll.sel#L${errs.e.line_no}`);
			ok(true, 'the error links to its log line (#/config/ID/LN) and the line is selected');
			ok(await page.locator('.card .kv').first().textContent().then((t) => t.includes('ccache hit rate')),
				'build details show the ccache hit rate');
			await shot('config');
			/* Deep link straight to a line. */
			await go(`#/config/${target.config_id}/L${errs.e.line_no}`);
			await page.waitForSelector(`.ll.sel#L${errs.e.line_no}`);
			ok(await page.locator(`.ll.sel#L${errs.e.line_no}`).isVisible(), 'a deep link to a log line shows that line');

			/* --- the error signature page --- */
			const sig = await api(`/signatures/${errs.e.signature_id}`);
			await page.click(`a.sig-msg[href="#/signature/${errs.e.signature_id}"]`);
			await page.waitForSelector('table.occurrences');
			const runsWith = new Set(sig.occurrences.map((o) => o.run_id));
			ok(await page.locator('table.occurrences tbody tr').count() === runsWith.size,
				`signature page lists the ${runsWith.size} runs where the error occurs`);
			ok(await page.locator('a.occ').count() === sig.occurrences.length,
				`signature page links all ${sig.occurrences.length} configurations`);
			await shot('signature');
		}

		/* --- insight: clamp explanations, failure conditions and the built-in-calls-module diagnosis --- */
		const base = await api(`/runs/${BASE_RUN}/matrix`);
		const explained = base.requests.find((r) => (r.clamp_diff || []).some((d) => d.axis && d.explanation?.text));
		if (ok(!!explained, `run ${BASE_RUN} has a clamped request with an explanation`)) {
			const d = explained.clamp_diff.find((x) => x.axis && x.explanation?.text);
			await go(`#/config/${explained.config_id}`);
			await page.waitForSelector('table.reqs .clamp-why');
			const whys = await page.locator('table.reqs .clamp-why').allTextContents();
			const reason = d.explanation.text.split(' \u2014 ').slice(1).join(' \u2014 ');
			ok(reason && whys.some((t) => t.includes(reason)), `the config page explains ${d.symbol} ${d.requested}→${d.effective}`,
				`want "${reason}" in ${JSON.stringify(whys.slice(0, 3))}`);
			await shot('config-clamp');
		}
		const passCfg = base.configs.find((c) => c.build?.status === 'PASS' && c.point.includes('y'));
		if (ok(!!passCfg, `run ${BASE_RUN} has a passing configuration`)) {
			await go(`#/config/${passCfg.id}`);
			await page.waitForSelector('table.diff');
			ok(await page.locator('.diff-box table.diff th').nth(2).textContent() === 'matrix base',
				'a passing configuration is compared with the matrix base by default');
			const rows = await page.$$eval('.diff-box table.diff tr.axis td:first-child', (tds) => tds.map((t) => t.textContent));
			ok(rows.length > 0 && rows.every((r) => r.startsWith('CONFIG_')), `the axes it sets differ from the base (${rows})`);
		}
		/* Sizes and times come from the build's metadata.json (real builds only), against the base run's. */
		const sizePairs = (await api(`/runs/${FAIL_RUN}/compare?base=${BASE_RUN}`)).configs
			.filter((c) => c.base_config_id && c.status === 'PASS' && c.base_status === 'PASS');
		const sized = sizePairs.length ? await api(`/configs/${sizePairs[0].config_id}`) : null;
		if (sized?.build?.artifacts?.['metadata.json'] !== undefined) {
			await go(`#/config/${sizePairs[0].config_id}`);
			await page.waitForSelector('table.sizes tbody tr');
			const head = await page.$$eval('table.sizes thead th', (ths) => ths.map((t) => t.textContent));
			const text = await page.$$eval('table.sizes tbody tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
			const textRow = text.find((r) => r[0] === 'vmlinux .text');
			ok(head[2] === `base run #${BASE_RUN}` && head[3] === 'change', 'the sizes card compares with the base run', JSON.stringify(head));
			ok(!!textRow && /\d/.test(textRow[1]) && /\d/.test(textRow[2]) && textRow[3] !== '',
				'vmlinux .text of this build and the base run, with the change', JSON.stringify(text));
			ok(text.some((r) => r[0] === 'build wall time' && /s$/.test(r[1])), 'build wall time is shown', JSON.stringify(text));
			await shot('config-sizes');
		}
		const baseSigsRun = (await api(`/runs/${BASE_RUN}/signatures`)).signatures.filter((x) => !x.secondary);
		const linkSig = baseSigsRun.find((x) => x.condition?.status === 'found');
		if (ok(!!linkSig, `run ${BASE_RUN}'s error has a failure condition`)) {
			ok(linkSig.condition.text === 'DEV_DAX_HMEM=y \u2227 CXL_BUS=m \u2227 CXL_REGION=y',
				'the fixture link error fails exactly when DEV_DAX_HMEM=y ∧ CXL_BUS=m ∧ CXL_REGION=y', linkSig.condition.text);
			await go(`#/run/${BASE_RUN}`);
			await page.waitForSelector('table.sigs .condition .cond-text');
			ok((await page.locator('table.sigs .condition .cond-text').first().textContent()) === linkSig.condition.text,
				'the run page states the failure condition of its error');
			const sigPage = await api(`/signatures/${linkSig.id}`);
			await go(`#/signature/${linkSig.id}`);
			await page.waitForSelector('.condition .cond-text');
			ok((await page.locator('.condition .cond-text').textContent()) === sigPage.condition.text,
				'the error page states the failure condition', sigPage.condition.text);
			if (ok(!!sigPage.signature.diagnosis?.text, 'the error has a built-in-calls-module diagnosis')) {
				const shownDiag = await page.locator('.diagnosis .diag-text').textContent();
				ok(shownDiag === sigPage.signature.diagnosis.text && shownDiag.includes('cxl_core'),
					'the error page shows the diagnosis naming the providing module', shownDiag);
				ok(await page.locator('.diagnosis ul.remedies li').count() === sigPage.signature.diagnosis.remedies.length,
					'and its remedies');
			}
			await shot('signature-insight');
			const failCfg = base.configs.find((c) => c.build?.status === 'FAIL');
			await go(`#/config/${failCfg.id}`);
			await page.waitForSelector('.error-item .diagnosis');
			ok((await page.locator('.error-item .diagnosis .diag-text').first().textContent()).includes('cxl_region_contains_resource'),
				'a failing configuration shows the diagnosis with its error');
		}

		/* --- comparison after the breaking push --- */
		const [mb, s, sb] = await Promise.all([api(`/runs/${BASE_RUN}/matrix`), api(`/runs/${FAIL_RUN}/signatures`),
			api(`/runs/${BASE_RUN}/signatures`)]);
		/* A configuration matches the base one with its hash, else the one a request of the same point became. */
		const baseCfg = (c) => mb.configs.find((b) => b.hash === c.hash) || mb.configs.find((b) => m.requests.some((r) =>
			r.config_id === c.id && mb.requests.some((q) => q.point === r.point && q.config_id === b.id))) || null;
		const pairs = m.configs.map((c) => [verdict(c), baseCfg(c) ? verdict(baseCfg(c)) : null]);
		const newFail = pairs.filter(([n, b]) => n === 'FAIL' && (b === null || b === 'PASS')).length;
		const fixed = pairs.filter(([n, b]) => n === 'PASS' && b === 'FAIL').length;
		const baseSigs = new Set(sb.signatures.map((x) => x.id));
		const newSigs = s.signatures.filter((x) => !baseSigs.has(x.id) && !x.secondary).length;
		await go(`#/compare/${FAIL_RUN}/${BASE_RUN}`);
		await page.waitForSelector('[data-count="new-failure"]');
		const shown = Number(await page.locator('[data-count="new-failure"]').textContent());
		ok(newFail > 0 && shown === newFail, `compare view shows ${newFail} new failures after the breaking push`, `shown ${shown}`);
		ok(Number(await page.locator('[data-count="fixed"]').textContent()) === fixed, `compare view shows ${fixed} fixed`);
		const more = page.locator('[data-group="new-failure"] button.linkish');
		if (await more.count())
			await more.click();
		ok(await page.locator('tr[data-change="new-failure"]').count() === newFail, 'new failures are listed');
		ok(await page.locator('.sigs tr[data-change="new"]').count() === newSigs, `${newSigs} new error signature(s) listed`);
		ok(await page.locator('.cell[data-change="new-failure"]').count() > 0, 'the matrix marks new failures');
		await shot('compare');
		/* The run page's compare button finds the previous comparable run. */
		await go(`#/run/${FAIL_RUN}`);
		await page.waitForSelector(`a.button[href="#/compare/${FAIL_RUN}/${BASE_RUN}"]`);
		ok(true, 'run page links to the comparison with the previous run');
		/* Without a base the page shows the server's comparison with base_run, the run the mail compares with. */
		const [runInfo, cmpApi] = await Promise.all([api(`/runs/${FAIL_RUN}`), api(`/runs/${FAIL_RUN}/compare`)]);
		ok(runInfo.base_run === BASE_RUN && cmpApi.base === BASE_RUN, `the server compares run ${FAIL_RUN} with run ${BASE_RUN}`,
			`base_run ${runInfo.base_run}, compare ${cmpApi.base}`);
		await go(`#/compare/${FAIL_RUN}`);
		await page.waitForSelector('[data-count="new-failure"]');
		ok((await page.locator('h1').first().textContent()).includes(`against run #${BASE_RUN}`),
			'the compare page without a base compares with base_run');
		ok(Number(await page.locator('[data-count="new-failure"]').textContent()) ===
			cmpApi.configs.filter((c) => c.change === 'new-failure').length, 'the compare page shows the API\'s new failures');

		/* --- logs are text: a build log with <script> --- */
		let scriptCfg = null;
		for (const c of m.configs) {
			if (!c.build?.job_id)
				continue;
			const log = await api(`/jobs/${c.build.job_id}/artifacts/build.log`).catch(() => '');
			if (log.includes('<script>')) {
				scriptCfg = c;
				break;
			}
		}
		if (ok(!!scriptCfg, 'a build log carries <script>')) {
			await page.evaluate(() => {
				window.__kmPwned = undefined;
			});
			await go(`#/config/${scriptCfg.id}`);
			await page.waitForSelector('.log .ll');
			const logText = await page.locator('.log').first().textContent();
			ok(logText.includes('<script>'), 'the <script> of the log is shown as text');
			ok(await page.locator('main script, .log script, .tip script').count() === 0, 'no script element came from data');
			await sleep(300);
			ok(await page.evaluate(() => window.__kmPwned === undefined), 'no script from the log ran');
			const errText = await page.locator('.error-item').allTextContents();
			if (errText.some((t) => t.includes('<script>')))
				ok(true, 'error messages with <script> are shown as text');
			await shot('config-script');
		}

		/* --- live progress without a reload --- */
		const liveRun = await api(`/runs/${LIVE_RUN}`);
		ok(['queued', 'configuring', 'building', 'booting'].includes(liveRun.state), `run ${LIVE_RUN} is still going (${liveRun.state})`);
		await go(`#/run/${LIVE_RUN}`);
		await page.waitForSelector('.tiles');
		await page.evaluate(() => {
			window.__kmSamePage = true;
		});
		const snapshot = () => page.evaluate(() => ({
			state: document.querySelector('.runstate')?.dataset.state,
			configs: document.querySelector('.tiles [data-count="configs"]')?.textContent,
			builds: [...document.querySelectorAll('.tiles [data-count^="build-"]')].map((e) => e.textContent).join(','),
			done: [...document.querySelectorAll('.cell[data-status]')].filter((e) => ['PASS', 'FAIL', 'ERROR']
				.includes(e.dataset.status)).length,
		}));
		const first = await snapshot();
		await shot('live-before');
		writeFileSync(GO_FILE, 'go\n');
		let later = first;
		const t0 = Date.now();
		while (Date.now() - t0 < LIVE_WAIT_S * 1000) {
			await sleep(500);
			later = await snapshot();
			if (later.done > first.done && later.builds !== first.builds)
				break;
		}
		ok(later.done > first.done, 'finished cells appear while the page stays open',
			`${JSON.stringify(first)} -> ${JSON.stringify(later)}`);
		ok(later.builds !== first.builds || later.configs !== first.configs, 'the counts change live',
			`${JSON.stringify(first)} -> ${JSON.stringify(later)}`);
		ok(await page.evaluate(() => window.__kmSamePage === true), 'without reloading the page');
		await shot('live-after');

		await go('#/workers');
		await page.waitForSelector('table.workers');
		const workers = (await api('/workers')).workers;
		ok(await page.locator('table.workers tbody tr').count() === workers.length, 'workers page lists the workers');
		const revokedRows = await page.locator('table.workers tbody tr', { hasText: 'revoked' }).allInnerTexts();
		ok(revokedRows.length === workers.filter((w) => w.revoked_at).length &&
			(!REVOKED || revokedRows.some((t) => t.startsWith(REVOKED))), 'a revoked worker is marked revoked',
			JSON.stringify(revokedRows));
		await shot('workers');

		ok(!pageErrors.length, 'no JavaScript errors and no dialogs', pageErrors.join('; '));
	} finally {
		await ctx.close();
		rmSync(profile, { recursive: true, force: true });
	}
}

main().then(() => {
	console.log(failures ? `${failures} check(s) failed` : 'all checks passed');
	process.exit(failures ? 1 : 0);
}, (e) => {
	console.log(`not ok - ${e.stack || e.message}`);
	process.exit(1);
});
