#!/usr/bin/env node
// Fills a kmatrix server with realistic CXL/DAX runs by playing the worker protocol over HTTP,
// so the dashboard can be developed and tested without building kernels.
//
//   node seed.mjs --url=http://127.0.0.1:8080 --token=ADMIN [--live] [--step-ms=700] [--go-file=PATH]
//
// The server's matrices directory must hold cxl-dax-hmem.matrix (5 axes, 162 requests) and
// cxl-quick.matrix (see dev-server.sh). Runs created, in order:
//   1  cxl refs/heads/dax-hmem   v7: DEV_DAX_HMEM=y CXL_BUS=m CXL_REGION=y fails to link; one farm ERROR
//   2  cxl refs/heads/for-next   cxl-quick, all builds pass
//   3  cxl refs/heads/dax-hmem   v8: the link failure stays, a compile error appears for CXL_REGION=n,
//                                the ERROR is gone, one boot panics, one build log carries <script>
//   4  cxl refs/heads/dax-hmem   superseded by 5 before it started
//   5  cxl refs/heads/dax-hmem   left half done (builds queued and running); --live finishes it slowly,
//                                after PATH exists when --go-file is given
// Prints {"live_run": 5} on stdout once run 5 is half done.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';

const opts = Object.fromEntries(process.argv.slice(2).map((a) => {
	const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
	if (!m)
		throw new Error(`bad argument '${a}' (expected --name=value)`);
	return [m[1], m[2] ?? '1'];
}));
const URL_ = opts.url || process.env.KMATRIX_URL;
const ADMIN = opts.token || process.env.KMATRIX_ADMIN_TOKEN;
const STEP_MS = Number(opts['step-ms'] || 700);
if (!URL_ || !ADMIN)
	throw new Error('need --url and --token (or KMATRIX_URL and KMATRIX_ADMIN_TOKEN)');

const TREE = '/srv/git/cxl.git';
const REF = 'refs/heads/dax-hmem';
const AXES = ['DEV_DAX_HMEM', 'CXL_BUS', 'CXL_ACPI', 'CXL_PCI', 'CXL_REGION'];
const SUBJECT_RANGE = '0x110000000-0x11fffffff';
const CONTROL_RANGE = '0x1000000000-0x100fffffff';

async function call(method, path, { token = ADMIN, body, raw, lease, expect = [200, 201, 204] } = {}) {
	const headers = { Authorization: `Bearer ${token}` };
	if (lease)
		headers['X-Lease'] = lease;
	const res = await fetch(URL_ + path, {
		method,
		headers,
		body: raw !== undefined ? raw : body !== undefined ? JSON.stringify(body) : undefined,
	});
	const text = await res.text();
	if (!expect.includes(res.status))
		throw new Error(`${method} ${path}: HTTP ${res.status}: ${text.slice(0, 400)}`);
	return res.status === 204 ? null : text ? JSON.parse(text) : null;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const sha256 = (s) => createHash('sha256').update(s).digest('hex');

// A small deterministic random source, so every seeding looks the same.
let rnd = 12345;
function random() {
	rnd = (rnd * 1103515245 + 12345) % 2147483648;
	return rnd / 2147483648;
}

const RANK = { n: 0, m: 1, y: 2 };
const minTri = (a, b) => (RANK[a] <= RANK[b] ? a : b);

// What Kconfig makes of a requested point: CXL_ACPI and CXL_PCI cannot be more built-in than
// CXL_BUS, CXL_REGION (bool) needs CXL_BUS.
function resolve(p) {
	const [h, b, a, pci, r] = p.split('');
	return [h, b, minTri(a, b), minTri(pci, b), b === 'n' ? 'n' : r].join('');
}

// The normalized .config text of a point (sorted by symbol, "is not set" for n).
function configText(point) {
	const [h, b, a, pci, r] = point.split('');
	const vals = {
		'64BIT': 'y', ACPI: 'y', ACPI_HMAT: 'y', ACPI_NUMA: 'y', BINFMT_ELF: 'y', BINFMT_SCRIPT: 'y',
		BLK_DEV_INITRD: 'y', BUG: 'y', DAX: 'y', DEVTMPFS: 'y', DEV_DAX: 'y', DEV_DAX_KMEM: 'n', DYNAMIC_DEBUG: 'n',
		EFI: 'y', EFI_SOFT_RESERVE: 'y', EFI_STUB: 'y', EPOLL: 'y', FUTEX: 'y', MEMORY_HOTPLUG: 'y', MODULES: 'y',
		MODULE_UNLOAD: 'y', NUMA: 'y', PCI: 'y', PCIEPORTBUS: 'y', PCI_MMCONFIG: 'y', PCI_MSI: 'y', PRINTK: 'y',
		PRINTK_TIME: 'y', PROC_FS: 'y', SERIAL_8250: 'y', SERIAL_8250_CONSOLE: 'y', SHMEM: 'y', SMP: 'y',
		SPARSEMEM_VMEMMAP: 'y', SYSFS: 'y', TRANSPARENT_HUGEPAGE: 'y', TTY: 'y', CMDLINE: '"console=ttyS0"',
		DEV_DAX_HMEM: h, CXL_BUS: b, CXL_ACPI: a, CXL_PCI: pci, CXL_REGION: r,
		CXL_PORT: b, CXL_MEM: pci === 'n' ? 'n' : b, CXL_PMEM: 'n', CXL_SUSPEND: b === 'n' ? 'n' : 'y',
		DEV_DAX_CXL: b !== 'n' && r === 'y' ? minTri('m', b) : 'n', DEV_DAX_HMEM_DEVICES: h === 'n' ? 'n' : 'y',
	};
	return Object.keys(vals).sort().map((k) => (vals[k] === 'n' ? `# CONFIG_${k} is not set\n` :
		`CONFIG_${k}=${vals[k]}\n`)).join('');
}

const LINK_SIG = {
	type: 'ld-undefined',
	signature: 'ld-undefined:cxl_region_contains_resource:drivers/dax/hmem/hmem.o',
	symbol: 'cxl_region_contains_resource',
	file: 'drivers/dax/hmem/hmem.o',
	message: "undefined reference to `cxl_region_contains_resource'",
};
const MAKE_SIG = {
	type: 'make',
	signature: 'make:scripts/Makefile.vmlinux:vmlinux',
	symbol: null,
	file: 'scripts/Makefile.vmlinux',
	message: 'make[2]: *** [scripts/Makefile.vmlinux:34: vmlinux] Error 1',
};
const CC_SIG = {
	type: 'cc-error',
	signature: 'cc-error:implicit declaration of function cxl_region_contains_resource:drivers/dax/hmem/hmem.c',
	symbol: 'cxl_region_contains_resource',
	file: 'drivers/dax/hmem/hmem.c',
	message: "implicit declaration of function 'cxl_region_contains_resource'",
};

const CC_FILES = ['init/main.o', 'kernel/fork.o', 'mm/memory.o', 'drivers/base/core.o', 'drivers/pci/probe.o',
	'drivers/acpi/numa/hmat.o', 'drivers/dax/bus.o', 'drivers/dax/super.o', 'drivers/dax/device.o',
	'drivers/cxl/core/port.o', 'drivers/cxl/core/region.o', 'drivers/cxl/core/hdm.o', 'drivers/cxl/acpi.o',
	'drivers/cxl/pci.o', 'drivers/cxl/port.o', 'drivers/dax/hmem/device.o', 'drivers/dax/hmem/hmem.o'];

// A Kbuild log; returns the text and the 1-based line numbers of the errors in it.
function buildLog(point, failure, withScript) {
	const lines = ['make -j2 O=/var/lib/kmatrix/build/cxl-x86_64 CC="ccache gcc" olddefconfig vmlinux modules bzImage',
		'  GEN     Makefile', '  SYNC    include/config/auto.conf', '  CALL    scripts/checksyscalls.sh'];
	const n = 40 + Math.floor(random() * 40);
	for (let i = 0; i < n; i++)
		lines.push(`  CC      ${CC_FILES[i % CC_FILES.length].replace('.o', i >= CC_FILES.length ? `${i}.o` : '.o')}`);
	if (withScript)
		lines.push('  CC      drivers/dax/hmem/<script>window.__kmPwned=1</script>.o');
	const at = {};
	if (failure === 'link') {
		lines.push('  AR      built-in.a', '  AR      vmlinux.a', '  LD      vmlinux.o');
		lines.push("ld: vmlinux.o: in function `hmem_register_device':");
		lines.push("hmem.c:(.text+0x1a5): undefined reference to `cxl_region_contains_resource'");
		at.link = lines.length;
		lines.push("ld: hmem.c:(.text+0x1f2): undefined reference to `cxl_region_contains_resource'");
		lines.push('make[2]: *** [scripts/Makefile.vmlinux:34: vmlinux] Error 1');
		at.make = lines.length;
		lines.push('make[1]: *** [/usr/src/linux/Makefile:1175: vmlinux] Error 2');
		lines.push('make: *** [Makefile:224: __sub-make] Error 2');
	} else if (failure === 'cc') {
		lines.push('  CC      drivers/dax/hmem/hmem.o');
		lines.push("drivers/dax/hmem/hmem.c: In function 'hmem_register_device':");
		lines.push("drivers/dax/hmem/hmem.c:63:13: error: implicit declaration of function " +
			"'cxl_region_contains_resource' [-Werror=implicit-function-declaration]");
		at.cc = lines.length;
		lines.push('   63 |         if (cxl_region_contains_resource(res))');
		lines.push('      |             ^~~~~~~~~~~~~~~~~~~~~~~~~~~~');
		lines.push('cc1: some warnings being treated as errors');
		lines.push('make[4]: *** [scripts/Makefile.build:229: drivers/dax/hmem/hmem.o] Error 1');
		lines.push('make: *** [Makefile:224: __sub-make] Error 2');
	} else {
		lines.push('  AR      built-in.a', '  LD      vmlinux.o', '  MODPOST vmlinux.symvers', '  LD      vmlinux',
			'  OBJCOPY arch/x86/boot/compressed/vmlinux.bin', '  BUILD   arch/x86/boot/bzImage',
			'Kernel: arch/x86/boot/bzImage is ready  (#1)', '  MODPOST Module.symvers');
		for (const mod of ['drivers/cxl/cxl_acpi.ko', 'drivers/cxl/cxl_pci.ko', 'drivers/cxl/core/cxl_core.ko',
			'drivers/dax/hmem/dax_hmem.ko'])
			lines.push(`  LD [M]  ${mod}`);
	}
	return { text: lines.join('\n') + '\n', at, lines: lines.length };
}

function firstLines(log, lineNo, count) {
	return log.split('\n').slice(lineNo - 2, lineNo - 1 + count).join('\n');
}

// Who owns the subject range: built-in drivers probe before /init; modules race in load order.
function owner(point, variant) {
	const [h, b, a, , r] = point.split('');
	const cxl = b !== 'n' && a !== 'n' && r === 'y';
	if (h === 'n')
		return cxl ? 'cxl' : 'none';
	if (!cxl)
		return 'hmem';
	if (h === 'y')
		return a === 'y' ? 'cxl' : 'hmem';
	if (a === 'y')
		return 'cxl';
	if (variant === 'hmem-first')
		return 'hmem';
	return 'cxl';
}

function consoleLog(point, variant, own, panic) {
	const l = ['SeaBIOS (version 1.16.2-debian-1.16.2-1)', 'Booting from ROM..',
		'[    0.000000] Linux version 6.12.0-kmatrix (kmatrix@build) (gcc (Debian 12.2.0-14) 12.2.0) #1 SMP',
		'[    0.000000] Command line: console=ttyS0 panic=-1 memmap=256M%0x110000000+0xefffffff ' +
		'memmap=256M%0x1000000000+0xefffffff',
		'[    0.000000] user: [mem 0x0000000110000000-0x000000011fffffff] soft reserved',
		'[    0.000000] user: [mem 0x0000001000000000-0x000000100fffffff] soft reserved',
		`[    1.902231] kmatrix: variant ${variant} loading modules`];
	if (panic) {
		l.push('[    2.114020] BUG: kernel NULL pointer dereference, address: 0000000000000010');
		l.push('[    2.114511] RIP: 0010:hmem_register_device+0x4b/0x1c0 [dax_hmem]');
		l.push('[    2.116803] Kernel panic - not syncing: Fatal exception');
		return l.join('\n') + '\n';
	}
	l.push(`KMATRIX range=${SUBJECT_RANGE} role=subject owner=${own}`);
	l.push(`KMATRIX range=${CONTROL_RANGE} role=control owner=${point[0] === 'n' ? 'none' : 'hmem'}`);
	l.push('KMATRIX done', '[    3.410112] reboot: Power down');
	return l.join('\n') + '\n';
}

async function addWorker(name) {
	return (await call('POST', '/api/v1/workers', { body: { name } })).token;
}

async function submit(ref, matrix) {
	return (await call('POST', '/api/v1/runs', { body: { tree: TREE, tree_name: 'cxl', ref, matrix } })).id;
}

async function claim(token, kinds) {
	return call('POST', '/api/v1/jobs/claim', { token, body: { kinds, wait: 0 } });
}

async function result(token, job, lease, body) {
	return call('POST', `/api/v1/jobs/${job}/result`, { token, body: { lease, ...body } });
}

async function artifact(token, job, lease, name, text) {
	return call('PUT', `/api/v1/jobs/${job}/artifacts/${name}`, { token, lease, raw: text });
}

async function configure(token, commit) {
	const c = await claim(token, ['configure']);
	if (!c)
		throw new Error('no configure job queued');
	const job = c.job;
	const configs = new Map();
	const requests = job.requests.map((r) => {
		const eff = resolve(r.point);
		const text = configText(eff);
		const hash = sha256(text);
		configs.set(hash, { hash, point: eff, text });
		return { idx: r.idx, hash };
	});
	await result(token, job.id, c.lease.id, {
		status: 'PASS', commit: commit.id, subject: commit.subject, author_name: commit.author,
		author_email: commit.email, configs: [...configs.values()], requests,
	});
	return job.run_id;
}

// Plays one build job; fate(point) says 'pass', 'link', 'cc' or 'error'.
async function build(token, fate, scriptPoint, hold) {
	const c = await claim(token, ['build']);
	if (!c)
		return false;
	const { job, lease } = c;
	const point = job.config.point;
	const f = fate(point);
	const log = buildLog(point, f === 'error' ? 'pass' : f, point === scriptPoint);
	const make = 'make -j2 O=/var/lib/kmatrix/build/cxl-x86_64 CC="ccache gcc" vmlinux modules bzImage';
	await artifact(token, job.id, lease.id, 'reproducer.sh', `#!/bin/sh\n# Rebuild config ${job.config.id} ` +
		`of run ${job.run_id}\nset -e\ngit fetch ${TREE} ${REF}\ngit checkout ${job.commit}\n` +
		`curl -fo .config ${URL_}/api/v1/configs/${job.config.id}/config\nmake olddefconfig\n${make}\n`);
	const finish = () => finishBuild(token, job, lease, f, log, make);
	return hold ? finish : finish().then(() => true);
}

async function finishBuild(token, job, lease, f, log, make) {
	const hits = Math.floor(random() * 900), misses = Math.floor(random() * 60) + 3;
	const body = { status: 'PASS', wall_s: Math.round((8 + random() * 50) * 10) / 10,
		cpu_s: Math.round((14 + random() * 90) * 10) / 10, ccache: { hits, misses },
		warnings: Math.floor(random() * 3), log_lines: log.lines, make_cmd: make, errors: [] };
	if (f === 'link') {
		body.status = 'FAIL';
		body.message = 'vmlinux failed to link';
		body.errors = [
			{ ...LINK_SIG, line_no: log.at.link, count: 2, first_lines: firstLines(log.text, log.at.link, 2) },
			{ ...MAKE_SIG, line_no: log.at.make, count: 1, first_lines: firstLines(log.text, log.at.make, 1),
				secondary: true },
		];
	} else if (f === 'cc') {
		body.status = 'FAIL';
		body.message = 'drivers/dax/hmem/hmem.o failed to compile';
		body.errors = [{ ...CC_SIG, line_no: log.at.cc, count: 1, first_lines: firstLines(log.text, log.at.cc, 4) }];
	} else if (f === 'error') {
		body.status = 'ERROR';
		body.message = 'no space left on device while writing the build directory';
		body.errors = [];
	}
	if (f !== 'error') {
		await artifact(token, job.id, lease.id, 'build.log', log.text);
		await artifact(token, job.id, lease.id, 'config', job.config.text);
	}
	await result(token, job.id, lease.id, body);
}

async function boot(token, panicAt) {
	const c = await claim(token, ['boot']);
	if (!c)
		return false;
	const { job, lease } = c;
	const point = job.config.point;
	const own = owner(point, job.variant);
	const panic = panicAt && panicAt(point, job.variant);
	await artifact(token, job.id, lease.id, 'console.log', consoleLog(point, job.variant, own, panic));
	const body = panic ? {
		status: 'FAIL', message: 'kernel panic: Fatal exception', wall_s: 4.1, warnings: 0,
		details: { verdict: 'panic', panic: 'Kernel panic - not syncing: Fatal exception', modules: [] },
	} : {
		status: 'PASS', wall_s: Math.round((5 + random() * 6) * 10) / 10, warnings: 0,
		details: { verdict: 'ok', kernel: '6.12.0-kmatrix', modules: job.variant === 'kmod' ?
			['cxl_acpi', 'cxl_pci', 'dax_hmem'] : [] },
		ownership: [
			{ range: SUBJECT_RANGE, role: 'subject', owner: own,
				evidence: own === 'none' ? 'Soft Reserved range has no child in /proc/iomem' :
					`/proc/iomem: 110000000-11fffffff : ${own === 'cxl' ? 'region0' : 'dax0.0'}` },
			{ range: CONTROL_RANGE, role: 'control', owner: point[0] === 'n' ? 'none' : 'hmem',
				evidence: point[0] === 'n' ? 'no hmem driver' : '/proc/iomem: 1000000000-100fffffff : dax1.0' },
		],
	};
	await result(token, job.id, lease.id, body);
	return true;
}

async function drain(token, fate, { scriptPoint, panicAt, limit = Infinity, stepMs = 0 } = {}) {
	let n = 0;
	for (;;) {
		if (n >= limit)
			return n;
		if (await boot(token, panicAt) || await build(token, fate, scriptPoint)) {
			n++;
			if (stepMs)
				await sleep(stepMs);
			continue;
		}
		return n;
	}
}

const v7 = (p) => (p === 'ymnnn' ? 'error' : p[0] === 'y' && p[1] === 'm' && p[4] === 'y' ? 'link' : 'pass');
const v8 = (p) => {
	if (p[0] === 'y' && p[1] === 'm' && p[4] === 'y')
		return 'link';
	if (p[0] !== 'n' && p[1] === 'y' && p[4] === 'n' && p[2] === 'y')
		return 'cc';
	return 'pass';
};
const v8panic = (p, variant) => p === 'mmmmy' && variant === 'hmem-first';

async function main() {
	const w1 = await addWorker('build-01');
	const w2 = await addWorker('build-02');

	await submit(REF, 'cxl-dax-hmem');
	await configure(w1, { id: 'a3f1c2d4e5b60718293a4b5c6d7e8f9012345678', author: 'Smita Koralahalli',
		email: 'smita@example.org', subject: 'dax/hmem: Request cxl_acpi and cxl_pci before walking Soft ' +
		'Reserved ranges (v7)' });
	await drain(w1, v7);

	await submit('refs/heads/for-next', 'cxl-quick');
	await configure(w2, { id: '77aa01bc23de45f6789012ab34cd56ef78901234', author: 'Dave Jiang',
		email: 'dave@example.org', subject: 'cxl/region: Use cxl_region_contains_resource() in hmem' });
	await drain(w2, () => 'pass');

	await submit(REF, 'cxl-dax-hmem');
	await configure(w1, { id: 'b9e8d7c6b5a4938271605f4e3d2c1b0a99887766', author: 'Smita Koralahalli',
		email: 'smita@example.org', subject: 'dax/hmem: Defer Soft Reserved ranges that intersect CXL windows (v8)' });
	await drain(w1, v8, { scriptPoint: 'yyyyy', panicAt: v8panic });

	await submit(REF, 'cxl-dax-hmem');
	const live = await submit(REF, 'cxl-dax-hmem');
	await configure(w2, { id: 'c0ffee00112233445566778899aabbccddeeff00', author: 'Smita Koralahalli',
		email: 'smita@example.org', subject: 'dax/hmem: Fix the CXL_REGION=n stub (v9)' });
	const v9 = (p) => (p[0] === 'y' && p[1] === 'm' && p[4] === 'y' ? 'link' : 'pass');
	await drain(w2, v9, { limit: 30 });
	// Two builds stay running (claimed, no result yet) so the grid shows work in progress.
	const held = [await build(w1, v9, null, true), await build(w2, v9, null, true)];
	console.log(JSON.stringify({ live_run: live }));
	if (opts.live) {
		while (opts['go-file'] && !existsSync(opts['go-file']))
			await sleep(100);
		await sleep(STEP_MS);
		for (const finish of held) {
			await finish();
			await sleep(STEP_MS);
		}
		await drain(w2, v9, { stepMs: STEP_MS });
		console.error(`run ${live}: done`);
	}
}

main().catch((e) => {
	console.error(`seed: ${e.message}`);
	process.exit(1);
});
