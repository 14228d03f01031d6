// What the browser tests share: the fixture's people and channel, logging in, and a partner system
// posting its customer's messages (signed the way the inbound API requires).
import fs from "node:fs";
import path from "node:path";
import { createHmac, randomUUID } from "node:crypto";
import { expect } from "@playwright/test";

export const data = JSON.parse(fs.readFileSync(process.env.IQC_FIXTURE, "utf8"));
const ARTIFACTS = path.resolve(import.meta.dirname, "..", "artifacts");

export async function login(browser, user) {
	const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
	const page = await context.newPage();
	const answer = await page.request.post("/api/method/login", { form: { usr: user, pwd: data.password } });
	expect(answer.ok()).toBeTruthy();
	await page.goto("/app/operator-workspace");
	await expect(page.getByTestId("status-switcher")).toBeVisible();
	return page;
}

export async function partner(request, method, payload) {
	const body = JSON.stringify({ channel: data.channel, ...payload });
	const signature = "sha256=" + createHmac("sha256", data.secret).update(body).digest("hex");
	const answer = await request.post(`/api/method/iqchannels.api.inbound.${method}`, {
		data: body,
		headers: { "Content-Type": "application/json", "X-IQChannels-Signature": signature },
	});
	expect(answer.status(), await answer.text()).toBeLessThan(300);
	return (await answer.json()).message;
}

export function client_writes(request, client_id, text) {
	return partner(request, "message", {
		client: { id: client_id, full_name: "Playwright Client" },
		message_id: randomUUID(),
		text,
	});
}

export async function shot(page, name) {
	await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
}

// A Frappe dialog once Bootstrap has finished showing it. A click during its fade-in runs the dialog's
// action, but Bootstrap ignores the hide that follows, and the dialog stays open over the page.
export async function shown_dialog(page) {
	await page.waitForFunction(() => window.cur_dialog && window.cur_dialog.display);
	return page.locator(".modal.show");
}
