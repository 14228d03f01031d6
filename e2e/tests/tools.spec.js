// The operator's tools around the chat: files, the client card, search and keyboard moves, muting,
// and what happens when the connection drops for a while.
import { test, expect } from "@playwright/test";
import { randomUUID } from "node:crypto";
import { data, login, client_writes, shot, shown_dialog } from "./helpers.js";

// A real 2x2 PNG.
const PNG = Buffer.from(
	"iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVQI12P8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==",
	"base64"
);

test("files, the client card, search, keyboard, muting and a dropped connection", async ({ browser, request }) => {
	const ann = await login(browser, data.ann);
	// The page is reached from the IQChannels workspace in the sidebar.
	await ann.goto("/app/iqchannels");
	await ann.locator(".shortcut-widget-box", { hasText: "Operator Workspace" }).click();
	await expect(ann).toHaveURL(/operator-workspace/);
	await expect(ann.getByTestId("status-switcher")).toBeVisible();
	const first_client = `tools-${randomUUID()}`;
	const first = await client_writes(request, first_client, "First customer here");
	const second = await client_writes(request, `tools-${randomUUID()}`, "Second customer here");
	const list = ann.getByTestId("conversation-list");
	const row = (conversation) => list.locator(`[data-conversation="${conversation}"]`);
	await expect(row(first.conversation)).toBeVisible();
	await expect(row(second.conversation)).toBeVisible();

	// Keyboard: Alt+↓ opens the next conversation in the list, Alt+↑ the previous one.
	await row(second.conversation).click();
	await expect(ann.getByTestId("history")).toContainText("Second customer here");
	const order = await list.locator("[data-conversation]").evaluateAll((rows) => rows.map((r) => Number(r.dataset.conversation)));
	const next = order[order.indexOf(second.conversation) + 1] ?? order[order.indexOf(second.conversation) - 1];
	await ann.getByTestId("composer").press(order.indexOf(second.conversation) + 1 < order.length ? "Alt+ArrowDown" : "Alt+ArrowUp");
	await expect(row(next)).toHaveClass(/active/);

	// A file attached with the button shows inline and opens full size.
	await row(first.conversation).click();
	await ann.locator('input[type="file"]').setInputFiles({ name: "receipt.png", mimeType: "image/png", buffer: PNG });
	const image = ann.getByTestId("history").locator("img.iqc-image");
	await expect(image).toBeVisible();
	await image.click();
	await expect(ann.locator(".iqc-preview-overlay img")).toBeVisible();
	await ann.locator(".iqc-preview-overlay").click();
	// A renamed program is refused with a reason.
	await ann.locator('input[type="file"]').setInputFiles({ name: "cat.png", mimeType: "image/png", buffer: Buffer.from("MZ\x90\x00 not an image") });
	const refusal = await shown_dialog(ann);
	await expect(refusal).toContainText("is not what its name says");
	await refusal.locator(".btn-modal-close, [data-dismiss=modal]").first().click();

	// The client card is edited in place; the header follows.
	await ann.locator('[data-action="edit-client"]').click();
	await ann.locator('[data-testid="side-panel"] input[data-field="full_name"]').fill("Irina Volkova");
	await ann.locator('[data-testid="side-panel"] input[data-field="phone"]').fill("+7 900 123-45-67");
	await ann.locator('[data-action="save-client"]').click();
	await expect(ann.getByTestId("client-name")).toContainText("Irina Volkova");
	await shot(ann, "07-file-and-client-card");

	// Alt+S jumps to the search; the list narrows to the phone number typed.
	await ann.getByTestId("composer").press("Alt+s");
	await expect(ann.getByTestId("search")).toBeFocused();
	await ann.getByTestId("search").fill("123-45-67");
	await expect(list.locator("[data-conversation]")).toHaveCount(1);
	await expect(row(first.conversation)).toBeVisible();
	await ann.getByTestId("search").fill("");

	// While the tab is hidden a new message rings and shows a browser notification; muted, it does not.
	// (The browser's Notification and the tab's visibility are stood in for, as a headless tab has neither.)
	await ann.context().addInitScript(() => {
		window.__notes = [];
		window.Notification = class {
			static permission = "granted";
			static requestPermission() {
				return Promise.resolve("granted");
			}
			constructor(title, options) {
				window.__notes.push(`${title}: ${options?.body}`);
			}
			close() {}
		};
		Object.defineProperty(document, "hidden", { get: () => window.__hidden === true });
	});
	await ann.reload();
	await expect(row(first.conversation)).toBeVisible();
	await ann.evaluate(() => (window.__hidden = true));
	await client_writes(request, first_client, "Anyone there?");
	await expect.poll(() => ann.evaluate(() => window.__notes.join("\n"))).toContain("New message: Anyone there?");

	// Muting is the operator's own and survives a reload.
	await ann.getByTestId("mute").click();
	await expect(ann.getByTestId("mute")).toHaveText("🔕");
	await ann.reload();
	await expect(ann.getByTestId("mute")).toHaveText("🔕");
	await ann.evaluate(() => (window.__hidden = true));
	await client_writes(request, first_client, "Quiet please");
	await expect(row(first.conversation)).toContainText("Quiet please");
	expect(await ann.evaluate(() => window.__notes.join("\n"))).not.toContain("Quiet please");
	await ann.evaluate(() => (window.__hidden = false));
	await ann.getByTestId("mute").click();
	await expect(ann.getByTestId("mute")).toHaveText("🔔");

	// The socket drops; a customer writes meanwhile; on reconnect the page catches up by itself.
	await row(first.conversation).click();
	// Opening it marks it read and reloads the lists: that must be over before the socket drops, or the
	// reload would bring the new conversation in by itself.
	await expect(ann.getByTestId("history")).toContainText("Quiet please");
	await ann.waitForLoadState("networkidle");
	await ann.evaluate(() => frappe.realtime.socket.disconnect());
	await expect(ann.getByTestId("offline-banner")).toBeVisible();
	const missed = await client_writes(request, `tools-${randomUUID()}`, "Written while you were away");
	await ann.waitForTimeout(1500);
	await expect(row(missed.conversation)).toHaveCount(0);
	await ann.evaluate(() => frappe.realtime.socket.connect());
	await expect(ann.getByTestId("offline-banner")).toHaveCount(0);
	await expect(row(missed.conversation)).toBeVisible();
	await shot(ann, "08-after-reconnect");
});
