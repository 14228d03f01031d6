// A visitor on a website and an operator in the workspace, each in their own browser: the chat
// button, messages both ways in real time, typing, a PNG delivered and read, the close and the rating.
import http from "node:http";
import { test, expect } from "@playwright/test";
import { data, login, shot, shown_dialog } from "./helpers.js";

// A real PNG: 2×2 pixels.
const PNG = Buffer.from(
	"iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP4z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==",
	"base64"
);

test("a website visitor and an operator chat both ways, then the visitor rates", async ({ browser }) => {
	const ann = await login(browser, data.ann);
	await ann.locator('[data-status="Active"]').click();
	await expect(ann.locator('[data-status="Active"]')).toHaveClass(/btn-primary/);

	const visitor_context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "en-US" });
	const site = await visitor_context.newPage();
	await site.goto(`/iqchannels_demo?channel=${encodeURIComponent(data.website_chat)}`);
	await site.locator(".iqc-launcher").click();
	await expect(site.locator(".iqc-panel")).toBeVisible();
	const chat = site.frameLocator(".iqc-panel");
	await expect(chat.locator(".iqc-chat-dot.live")).toBeVisible();
	await shot(site, "widget-01-opened");

	// The visitor writes; Ann has it at once, and the greeting reaches the visitor.
	const composer = chat.locator(".iqc-chat-composer textarea");
	await composer.fill("Hello from the website, do you ship to Kyiv?");
	await composer.press("Enter");
	const first = chat.locator(".iqc-chat-row.mine", { hasText: "do you ship to Kyiv?" });
	await expect(first.locator(".iqc-chat-state")).toHaveAttribute("data-state", "delivered");
	await expect(chat.locator(".iqc-chat-row.theirs", { hasText: "An operator will answer shortly" })).toBeVisible();

	const row = ann.locator('[data-testid="conversation-list"] [data-conversation]', { hasText: "do you ship to Kyiv?" });
	await expect(row).toBeVisible();
	await row.click();
	const history = ann.getByTestId("history");
	await expect(history).toContainText("Hello from the website, do you ship to Kyiv?");
	// Ann opened it, so the visitor sees it read.
	await expect(first.locator(".iqc-chat-state")).toHaveAttribute("data-state", "read");

	// Ann types: the visitor sees it; she sends: the visitor has the reply with her first name.
	const reply_box = ann.getByTestId("composer");
	await reply_box.pressSequentially("Yes, we ship");
	await expect(chat.locator(".iqc-chat-typing")).toBeVisible();
	await reply_box.pressSequentially(" to Kyiv in 2 days");
	await reply_box.press("Enter");
	const reply = chat.locator(".iqc-chat-row.theirs", { hasText: "Yes, we ship to Kyiv in 2 days" });
	await expect(reply).toBeVisible();
	await expect(reply.locator(".iqc-chat-author")).toHaveText("Ann");
	await expect(chat.locator(".iqc-chat-typing")).toHaveCount(0);
	// The chat is open in front of the visitor: Ann's reply shows read.
	const sent = history.locator(".iqc-message.from-operator", { hasText: "Yes, we ship to Kyiv in 2 days" });
	await expect(sent.locator(".iqc-tick")).toHaveAttribute("data-tick", "Read");
	await shot(site, "widget-02-reply");

	// The visitor sends a PNG: it shows, is stored (✓), reaches Ann and is read by her (✓✓).
	await chat.locator('.iqc-chat-composer input[type="file"]').setInputFiles({
		name: "parcel.png",
		mimeType: "image/png",
		buffer: PNG,
	});
	const image = chat.locator(".iqc-chat-row.mine", { has: site.locator("img") }).last();
	await expect(image.locator("img")).toBeVisible();
	await expect(image.locator(".iqc-chat-state")).toHaveAttribute("data-state", /delivered|read/);
	await expect(history.locator("img.iqc-image")).toBeVisible();
	await expect(image.locator(".iqc-chat-state")).toHaveAttribute("data-state", "read");
	const natural = await image.locator("img").evaluate((img) => img.naturalWidth);
	expect(natural).toBe(2);
	await shot(site, "widget-03-image");
	await shot(ann, "widget-04-operator-sees-image");

	// A forbidden file is refused with a reason and leaves nothing.
	await chat.locator('.iqc-chat-composer input[type="file"]').setInputFiles({
		name: "invoice.pdf",
		mimeType: "application/pdf",
		buffer: Buffer.from("MZ\x90\x00 this is a program"),
	});
	await expect(chat.locator(".iqc-chat-notice")).toContainText("is not what its name says");
	await expect(chat.locator(".iqc-chat-row.mine", { hasText: "invoice.pdf" })).toHaveCount(0);

	// Ann closes; the visitor is asked for a rating and gives one.
	await ann.locator('[data-action="close"]').click();
	const close = await shown_dialog(ann);
	await close.locator('select[data-fieldname="result"]').selectOption("Resolved");
	await close.locator(".btn-primary").click();
	await expect(close).toBeHidden();
	const rating = chat.locator(".iqc-chat-rating");
	await expect(rating).toBeVisible();
	await expect(chat.locator(".iqc-chat-row.theirs", { hasText: "Please rate our help" })).toBeVisible();
	await rating.locator(".iqc-chat-stars button").nth(4).click();
	await rating.locator("textarea").fill("Quick and clear");
	await rating.locator('button[type="submit"]').click();
	await expect(chat.locator(".iqc-chat-thanks")).toBeVisible();
	await shot(site, "widget-05-rated");

	// A reload keeps the visitor's chat: same history, no second rating request.
	await site.reload();
	await site.locator(".iqc-launcher").click();
	await expect(chat.locator(".iqc-chat-row.mine", { hasText: "do you ship to Kyiv?" })).toBeVisible();
	await expect(chat.locator(".iqc-chat-rating")).toHaveCount(0);

	// On a phone the chat takes the whole screen.
	await site.setViewportSize({ width: 390, height: 780 });
	const box = await site.locator(".iqc-panel").boundingBox();
	expect(Math.round(box.width)).toBe(390);
	await shot(site, "widget-06-phone");
	await visitor_context.close();
});

test("the chat speaks the visitor's language", async ({ browser }) => {
	for (const [locale, text] of [
		["uk-UA", "Напишіть повідомлення…"],
		["ru-RU", "Напишите сообщение…"],
	]) {
		const context = await browser.newContext({ locale });
		const page = await context.newPage();
		await page.goto(`/iqchannels_chat?channel=${encodeURIComponent(data.website_chat)}`);
		await expect(page.locator(".iqc-chat-composer textarea")).toHaveAttribute("placeholder", text);
		await context.close();
	}
});

test("the chat works on another website, live", async ({ browser, baseURL }) => {
	// A shop on another origin, with nothing of the site but the one script tag.
	const shop = http.createServer((request, response) => {
		response.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
		response.end(
			`<!DOCTYPE html><html><body><h1>Another shop</h1>` +
				`<script src="${baseURL}/assets/iqchannels/js/iqchannels_embed.js" data-channel="${data.website_chat}" async></script>` +
				`</body></html>`
		);
	});
	await new Promise((resolve) => shop.listen(0, "127.0.0.1", resolve));
	try {
		const ann = await login(browser, data.ann);
		await ann.locator('[data-status="Active"]').click();
		const visitor_context = await browser.newContext();
		const site = await visitor_context.newPage();
		await site.goto(`http://127.0.0.1:${shop.address().port}/`);
		await site.locator(".iqc-launcher").click();
		const chat = site.frameLocator(".iqc-panel");
		await expect(chat.locator(".iqc-chat-dot.live")).toBeVisible();
		const composer = chat.locator(".iqc-chat-composer textarea");
		await composer.fill("Writing from another shop");
		await composer.press("Enter");

		const row = ann.locator('[data-testid="conversation-list"] [data-conversation]', { hasText: "Writing from another shop" });
		await row.click();
		const reply_box = ann.getByTestId("composer");
		await reply_box.fill("We see you there too");
		await reply_box.press("Enter");
		await expect(chat.locator(".iqc-chat-row.theirs", { hasText: "We see you there too" })).toBeVisible();
		await shot(site, "widget-07-another-website");
		// The browser denies the frame storage on another site; the visitor is still known after a reload.
		await site.reload();
		await site.locator(".iqc-launcher").click();
		await expect(chat.locator(".iqc-chat-row.theirs", { hasText: "We see you there too" })).toBeVisible();
		// Ann closes it, so that her slots are free for the tests after this one.
		await ann.locator('[data-action="close"]').click();
		const close = await shown_dialog(ann);
		await close.locator('select[data-fieldname="result"]').selectOption("Resolved");
		await close.locator(".btn-primary").click();
		await expect(chat.locator(".iqc-chat-rating")).toBeVisible();
		await visitor_context.close();
	} finally {
		shop.close();
	}
});
