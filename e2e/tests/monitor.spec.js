// The supervisor's floor: live queues, an assignment by hand, a status change with a reason; the
// workspace's numbers and a report with its chart.
import { test, expect } from "@playwright/test";
import { randomUUID } from "node:crypto";
import { data, login, client_writes, shot, shown_dialog } from "./helpers.js";

async function supervisor(browser) {
	const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
	const page = await context.newPage();
	const answer = await page.request.post("/api/method/login", { form: { usr: data.supervisor, pwd: data.password } });
	expect(answer.ok()).toBeTruthy();
	return page;
}

test("the supervisor watches the floor live and steps in", async ({ browser, request }) => {
	const ann = await login(browser, data.ann);
	// Ann takes nothing new: what arrives waits in the queue.
	await ann.locator('[data-status="Away"]').click();
	await expect(ann.locator('[data-status="Away"]')).toHaveClass(/btn-primary/);

	const sue = await supervisor(browser);
	await sue.goto("/app/iqc-monitor");
	const line = sue.locator(`[data-testid="monitor-lines"] [data-line="${data.line}"]`);
	await expect(line).toBeVisible();
	const queue_before = Number(await line.locator('[data-field="queue"]').innerText());

	const opened = await client_writes(request, `monitor-${randomUUID()}`, "Is anyone there?");
	const row = sue.locator(`[data-testid="monitor-conversations"] [data-conversation="${opened.conversation}"]`);
	await expect(row).toBeVisible();
	await expect(line.locator('[data-field="queue"]')).toHaveText(String(queue_before + 1));
	await shot(sue, "monitor-01-queued");

	// Sue gives it to Ann by hand, although Ann is Away.
	await row.locator('[data-action="assign"]').click();
	const dialog = await shown_dialog(sue);
	await dialog.locator('select[data-fieldname="operator"]').selectOption(data.ann);
	await dialog.locator(".btn-primary").click();
	await expect(row).toContainText("Ann");
	await expect(line.locator('[data-field="queue"]')).toHaveText(String(queue_before));
	await expect(ann.locator(`[data-testid="conversation-list"] [data-conversation="${opened.conversation}"]`)).toBeVisible();

	// Ann is sent on a break, with the reason logged; her conversation goes back to the queue.
	const ann_row = sue.locator(`[data-testid="monitor-operators"] [data-operator="${data.ann}"]`);
	await ann_row.locator("select").selectOption("Break");
	const prompt = await shown_dialog(sue);
	await prompt.locator('textarea[data-fieldname="reason"]').fill("Team meeting");
	await prompt.locator(".btn-primary").click();
	await expect(ann_row.locator("select")).toHaveAttribute("data-status", "Break");
	await expect(ann.locator('[data-status="Break"]')).toHaveClass(/btn-primary/);
	await expect(row).toContainText("Queued");
	await shot(sue, "monitor-02-break");

	// The workspace's numbers and a report with its chart.
	await sue.goto("/app/iqchannels");
	await expect(sue.locator(".number-widget-box").first()).toBeVisible();
	await expect(sue.locator(".widget-title", { hasText: "Queued now" })).toBeVisible();
	await shot(sue, "monitor-03-workspace-numbers");
	await sue.goto("/app/query-report/IQC Operator Performance");
	await expect(sue.locator(".chart-container svg, .frappe-chart").first()).toBeVisible();
	await shot(sue, "monitor-04-report");

	// Leave the floor as it was found: the conversation closed, Ann back at work.
	const csrf = await sue.evaluate(() => frappe.csrf_token);
	const closed = await sue.request.post("/api/method/iqchannels.api.operator.close", {
		form: { conversation: opened.conversation, result: "Resolved" },
		headers: { "X-Frappe-CSRF-Token": csrf },
	});
	expect(closed.ok(), await closed.text()).toBeTruthy();
	await ann.locator('[data-status="Active"]').click();
	await expect(ann.locator('[data-status="Active"]')).toHaveClass(/btn-primary/);
});
