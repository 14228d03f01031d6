// The operator workspace in a real browser (Debian's Chromium) against a running site:
//   1. opening a conversation whose client has a long history (2,000 messages by default) until its
//      first screen (header, the latest messages, the side panel) is drawn;
//   2. a reply: from Enter until it shows in the chat, and until it is confirmed as stored.
// Times are taken inside the page (performance.now and a MutationObserver), so Playwright's own
// polling does not count. Prints medians and 95th percentiles.
//
// e2e/run prepares the site and runs this; by hand, with a site running (web, socket.io):
//   IQC_SITE_URL=http://mysite.localhost:8000 IQC_FIXTURE=fixture.json node benchmarks/workspace_open.mjs
// where fixture.json is what `bench --site SITE execute iqchannels.tests.browser_fixture.prepare` prints.
import fs from "node:fs";
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";

const require = createRequire(new URL("../e2e/package.json", import.meta.url));
const { chromium } = require("playwright-core");

const args = Object.fromEntries(
	process.argv.slice(2).map((arg) => arg.replace(/^--/, "").split("=")).map(([k, v]) => [k, v ?? "1"])
);
const MESSAGES = Number(args.messages || 2000);
const OPENS = Number(args.opens || 20);
const REPLIES = Number(args.replies || 20);
const data = JSON.parse(fs.readFileSync(process.env.IQC_FIXTURE, "utf8"));

function history_fixture() {
	const kwargs = JSON.stringify({ operator: data.ann, channel: data.channel, messages: MESSAGES });
	const out = execFileSync(
		"bench",
		["--site", process.env.IQC_SITE, "execute", "iqchannels.tests.browser_fixture.long_history", "--kwargs", kwargs],
		{ cwd: process.env.IQC_BENCH_DIR || `${process.env.HOME}/frappe-bench`, encoding: "utf8" }
	);
	return JSON.parse(out.trim().split("\n").pop());
}

function summary(label, values) {
	const sorted = [...values].sort((a, b) => a - b);
	const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
	console.log(
		`${label}: median ${at(0.5).toFixed(1)} ms, p95 ${at(0.95).toFixed(1)} ms, ` +
			`best ${sorted[0].toFixed(1)} ms over ${values.length}`
	);
}

// Click a row and wait, inside the page, until `selector` exists; returns the milliseconds.
function time_open(page, row, selector) {
	return page.evaluate(
		({ row, selector }) =>
			new Promise((resolve) => {
				const started = performance.now();
				const done = () => {
					if (document.querySelector(selector)) {
						observer.disconnect();
						// The frame that shows it has been painted.
						requestAnimationFrame(() => resolve(performance.now() - started));
						return true;
					}
				};
				const observer = new MutationObserver(done);
				observer.observe(document.body, { childList: true, subtree: true, attributes: true });
				document.querySelector(row).click();
			}),
		{ row, selector }
	);
}

function time_reply(page, text) {
	return page.evaluate(
		(text) =>
			new Promise((resolve) => {
				const box = document.querySelector('[data-testid="composer"]');
				let shown = null;
				const started = performance.now();
				const observer = new MutationObserver(() => {
					const bubble = [...document.querySelectorAll(".iqc-message.from-operator")].find((el) =>
						el.textContent.includes(text)
					);
					if (!bubble) return;
					if (shown === null) shown = performance.now() - started;
					if (/^\d+$/.test(bubble.dataset.message || "")) {
						observer.disconnect();
						resolve({ shown, confirmed: performance.now() - started });
					}
				});
				observer.observe(document.body, { childList: true, subtree: true, attributes: true });
				box.value = text;
				box.dispatchEvent(new Event("input"));
				box.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
			}),
		text
	);
}

const fixture = history_fixture();
console.log(`client with ${fixture.messages} messages in its history; pages of 50`);
const browser = await chromium.launch({
	executablePath: process.env.IQC_CHROMIUM || "/usr/bin/chromium",
	args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking"],
});
try {
	const context = await browser.newContext({ baseURL: process.env.IQC_SITE_URL, viewport: { width: 1440, height: 900 } });
	const page = await context.newPage();
	await page.request.post("/api/method/login", { form: { usr: data.ann, pwd: data.password } });
	await page.goto("/app/operator-workspace");
	const long_row = `[data-testid="conversation-list"] [data-conversation="${fixture.conversation}"]`;
	const short_row = `[data-testid="conversation-list"] [data-conversation="${fixture.other}"]`;
	await page.waitForSelector(long_row);
	await page.waitForSelector(short_row);

	// The long conversation's messages drawn: its separator exists only once they are.
	const drawn = `[data-testid="history"] [data-separator="${fixture.conversation}"]`;
	const opens = [];
	for (let i = 0; i < OPENS + 1; i++) {
		await time_open(page, short_row, '[data-testid="client-name"]');
		await page.waitForFunction(() => document.querySelector('[data-testid="client-name"]')?.textContent.includes("Short"));
		const ms = await time_open(page, long_row, drawn);
		await page.waitForFunction(
			(text) => [...document.querySelectorAll(".iqc-text")].some((el) => el.textContent === text),
			fixture.last_text
		);
		if (i > 0) opens.push(ms); // the first open also loads the page's code and warms the caches
	}
	summary(`open a conversation with ${fixture.messages} messages in the client's history (first screen)`, opens);

	const shown = [];
	const confirmed = [];
	for (let i = 0; i < REPLIES; i++) {
		const t = await time_reply(page, `Benchmark reply ${i} ${Date.now()}`);
		shown.push(t.shown);
		confirmed.push(t.confirmed);
	}
	summary("reply shown in the chat after Enter", shown);
	summary("reply confirmed as stored", confirmed);
} finally {
	await browser.close();
}
