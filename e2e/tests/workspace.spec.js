// Two operators and a client conversation, driven through the workspace as operators use it.
import { test, expect } from "@playwright/test";
import { randomUUID } from "node:crypto";
import { data, login, partner, client_writes, shot, shown_dialog } from "./helpers.js";

test("an assignment, a reply and a note, a transfer accepted, a close with a result", async ({ browser, request }) => {
	const ann = await login(browser, data.ann);
	const bob = await login(browser, data.bob);
	await expect(ann.locator('[data-status="Active"]')).toHaveClass(/btn-primary/);
	await shot(ann, "01-ann-waiting");

	// A customer writes; Ann, the only Active operator of the line, gets it without reloading.
	const client_id = `pw-${randomUUID()}`;
	const first = await client_writes(request, client_id, "Hello, my parcel is late");
	const row = ann.locator(`[data-testid="conversation-list"] [data-conversation="${first.conversation}"]`);
	await expect(row).toBeVisible();
	await expect(row.getByTestId("unread")).toHaveText("1");
	await shot(ann, "02-assignment-arrived");

	await row.click();
	const history = ann.getByTestId("history");
	await expect(history).toContainText("Hello, my parcel is late");
	await expect(ann.getByTestId("why-assigned")).toBeVisible();
	// Opening it reads it.
	await expect(row.getByTestId("unread")).toHaveCount(0);

	// The client types; Ann sees it in the header.
	await partner(request, "typing", { client: { id: client_id }, typing: true });
	await expect(ann.getByTestId("presence")).toContainText("typing");

	// Enter sends; the reply shows at once and is confirmed once stored.
	const composer = ann.getByTestId("composer");
	await composer.fill("We are checking your parcel now");
	await composer.press("Enter");
	const reply = history.locator(".iqc-message.from-operator", { hasText: "We are checking your parcel now" });
	await expect(reply).toBeVisible();
	await expect(reply).toHaveAttribute("data-message", /^\d+$/);

	// Shift+Enter breaks the line instead of sending.
	await composer.fill("Line one");
	await composer.press("Shift+Enter");
	await composer.pressSequentially("line two");
	await expect(composer).toHaveValue("Line one\nline two");
	await composer.fill("");

	// A quick reply found by "/" and its shortcut.
	await composer.pressSequentially(`/${data.quick_reply.slice(0, 8)}`);
	await expect(ann.getByTestId("quick-replies")).toBeVisible();
	await composer.press("Enter");
	await expect(composer).toHaveValue("Thank you for waiting!");
	await composer.press("Enter");
	await expect(history.locator(".iqc-message.from-operator", { hasText: "Thank you for waiting!" })).toHaveAttribute(
		"data-message",
		/^\d+$/
	);

	// A note stays with the operators.
	await ann.getByTestId("note-mode").check();
	await composer.fill("Internal: customer is upset, be gentle");
	await composer.press("Enter");
	await expect(history.locator(".iqc-message.is-note", { hasText: "Internal: customer is upset" })).toHaveAttribute(
		"data-message",
		/^\d+$/
	);
	await ann.getByTestId("note-mode").uncheck();
	await shot(ann, "03-reply-and-note");

	// What the client side reads: the replies, never the note.
	const seen = await partner(request, "history", { client: { id: client_id } });
	const texts = seen.messages.map((m) => m.text);
	expect(texts).toContain("Hello, my parcel is late");
	expect(texts).toContain("We are checking your parcel now");
	expect(texts).toContain("Thank you for waiting!");
	expect(texts.join("\n")).not.toContain("Internal:");

	// Bob comes online; Ann offers him the conversation with a comment.
	await bob.locator('[data-status="Active"]').click();
	await expect(bob.locator('[data-status="Active"]')).toHaveClass(/btn-primary/);
	await ann.locator('[data-action="transfer"]').click();
	const dialog = await shown_dialog(ann);
	await dialog.locator('select[data-fieldname="to_operator"]').selectOption(data.bob);
	await dialog.locator('textarea[data-fieldname="comment"]').fill("Parcel question, you know the courier");
	await dialog.locator(".btn-primary").click();
	await expect(dialog).toBeHidden();

	const offer = bob.getByTestId("transfer-offer");
	await expect(offer).toBeVisible();
	await expect(offer).toContainText("Parcel question");
	await expect(offer.getByTestId("countdown")).toContainText(/\d+/);
	await shot(bob, "04-transfer-offered");
	await offer.locator('[data-action="accept"]').click();

	const bobs_row = bob.locator(`[data-testid="conversation-list"] [data-conversation="${first.conversation}"]`);
	await expect(bobs_row).toBeVisible();
	await expect(bob.getByTestId("history")).toContainText("We are checking your parcel now");
	await expect(row).toHaveCount(0);
	await shot(bob, "05-transfer-accepted");

	// Bob closes it with a result; it leaves his open conversations.
	await bob.locator('[data-action="close"]').click();
	const close = await shown_dialog(bob);
	await close.locator('select[data-fieldname="result"]').selectOption("Resolved");
	await close.locator(".btn-primary").click();
	await expect(close).toBeHidden();
	await expect(bob.getByTestId("history").locator("xpath=..")).toContainText("Closed: Resolved");
	await expect(bobs_row).toHaveCount(0);
	await shot(bob, "06-closed");

	// The status switcher: Bob takes a break.
	await bob.locator('[data-status="Break"]').click();
	await expect(bob.locator('[data-status="Break"]')).toHaveClass(/btn-primary/);
	await bob.reload();
	await expect(bob.locator('[data-status="Break"]')).toHaveClass(/btn-primary/);
});
