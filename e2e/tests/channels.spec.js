// An operator answers the customers who never open the website: a Telegram user (through the local
// Telegram stand-in, which POSTs the user's update to the site's webhook and takes the bot's replies)
// and a mail sender (by SMTP into the channel's mailbox on the test mail servers, pulled as Frappe's
// job pulls it); each reply carries a file, which arrives byte for byte.
import { execFileSync } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import path from "node:path";
import { test, expect } from "@playwright/test";
import { data, login, shot } from "./helpers.js";

// A real 2x2 PNG.
const PNG = Buffer.from(
	"iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP4z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==",
	"base64"
);
// A small, valid PDF: one empty page.
const PDF = Buffer.from(
	"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n" +
		"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n" +
		"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n0000000101 00000 n \n" +
		"trailer<</Size 4/Root 1 0 R>>\nstartxref\n165\n%%EOF\n"
);
const sha256 = (buffer) => createHash("sha256").update(buffer).digest("hex");

const BENCH = process.env.IQC_BENCH_DIR;
const PYTHON = path.join(BENCH, "env", "bin", "python");
const MAIL = path.resolve(import.meta.dirname, "..", "mail.py");

async function telegram(method, body) {
	const answer = await fetch(`${data.telegram_api}/control/${method}`, {
		method: body === undefined ? "GET" : "POST",
		headers: { "Content-Type": "application/json" },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	expect(answer.ok).toBeTruthy();
	return (await answer.json()).result;
}

function mail(...args) {
	return JSON.parse(execFileSync(PYTHON, [MAIL, ...args], { encoding: "utf8" }));
}

function pull_mailbox() {
	execFileSync(
		"bench",
		["--site", process.env.IQC_SITE, "execute", "iqchannels.flows.mailboxes.pull", "--kwargs", `{'account': '${data.email_account}'}`],
		{ cwd: BENCH, encoding: "utf8" }
	);
}

// Ann closes the conversation, as after any answered question: her slots are free for the next tests.
async function finish(ann, conversation) {
	const csrf = await ann.evaluate(() => frappe.csrf_token);
	const answer = await ann.request.post("/api/method/iqchannels.api.operator.close", {
		form: { conversation: String(conversation), result: "Resolved" },
		headers: { "X-Frappe-CSRF-Token": csrf },
	});
	expect(answer.ok(), await answer.text()).toBeTruthy();
}

async function open_conversation(ann, text) {
	const row = ann.locator('[data-testid="conversation-list"] [data-conversation]', { hasText: text });
	await expect(row).toBeVisible({ timeout: 30000 });
	await row.click();
	await expect(ann.getByTestId("history")).toContainText(text);
	return Number(await row.getAttribute("data-conversation"));
}

function reply(ann, text) {
	return ann.getByTestId("history").locator(".iqc-message.from-operator", { hasText: text });
}

// A reply reached its channel: the workspace's own history says Sent (a sent reply carries no mark
// until the channel reports it delivered), and the workspace shows no failure on it.
// `which`: the reply's text, or its kind ("Image", "File") for the last file sent.
async function sent(ann, conversation, bubble, which, timeout = 30000) {
	await expect(bubble).toBeVisible();
	await expect
		.poll(
			async () => {
				const answer = await ann.request.get(`/api/method/iqchannels.api.operator.messages?conversation=${conversation}`);
				const { messages } = (await answer.json()).message;
				const found = messages.filter(
					(m) => m.author_type === "Operator" && (m.kind === which || (m.kind === "Text" && (m.text || "").includes(which)))
				);
				return found.at(-1)?.delivery_status;
			},
			{ timeout }
		)
		.toBe("Sent");
	await expect(bubble.locator(".iqc-tick.failed")).toHaveCount(0);
	await expect(bubble.locator('[data-testid="delivery-error"]')).toHaveCount(0);
}

test("an operator answers a Telegram user with text and a picture", async ({ browser }) => {
	const ann = await login(browser, data.ann);
	await ann.locator('[data-status="Active"]').click();
	await expect(ann.locator('[data-status="Active"]')).toHaveClass(/btn-primary/);

	// The stand-in has the fixture's channel's webhook: what a user writes reaches this site.
	expect((await telegram("webhook")).url).toContain(`channel=${encodeURIComponent(data.telegram_channel)}`);
	const tag = randomUUID().slice(0, 8);
	const user_id = 700000000 + Math.floor(Math.random() * 200000000);
	const username = `olena_${tag}`;
	const sender = { id: user_id, is_bot: false, first_name: "Olena", last_name: `Telegram ${tag}`, username, language_code: "en" };
	const question = `Where is my parcel ${tag}?`;
	await telegram("push", { builder: "text_update", args: { text: question, sender } });

	// It reaches Ann; the client card shows who wrote, by their Telegram username.
	const conversation = await open_conversation(ann, question);
	await expect(ann.getByTestId("client-name")).toContainText(`Olena Telegram ${tag}`);
	const identity = ann.locator('[data-testid="side-panel"] [data-identity="Telegram"]');
	await expect(identity).toContainText(`@${username}`);
	await shot(ann, "channels-01-telegram-client");

	// Ann answers with text: the bot sends it to the user's chat, and the reply shows Sent.
	const since = (await telegram("sent")).length;
	const answer_text = `It leaves the warehouse today ${tag}`;
	const composer = ann.getByTestId("composer");
	await composer.fill(answer_text);
	await composer.press("Enter");
	await sent(ann, conversation, reply(ann, answer_text), answer_text);
	const to_chat = (calls, method) => calls.filter((c) => c.method === method && String(c.params.chat_id) === String(user_id) && !c.error);
	await expect.poll(async () => to_chat(await telegram(`sent?since=${since}`), "sendMessage").map((c) => c.params.text)).toContain(answer_text);

	// And a picture: the user gets the same bytes as a photo.
	await ann.locator('input[type="file"]').setInputFiles({ name: "label.png", mimeType: "image/png", buffer: PNG });
	const picture = ann.getByTestId("history").locator(".iqc-message.from-operator", { has: ann.locator("img.iqc-image") }).last();
	await expect(picture.locator("img.iqc-image")).toBeVisible();
	await sent(ann, conversation, picture, "Image");
	let photos = [];
	await expect
		.poll(async () => {
			photos = to_chat(await telegram(`sent?since=${since}`), "sendPhoto");
			return photos.length;
		})
		.toBe(1);
	const photo = photos[0].files.photo;
	expect(photo.size).toBe(PNG.length);
	expect(photo.sha256).toBe(sha256(PNG));
	await shot(ann, "channels-02-telegram-replied");
	await finish(ann, conversation);
	await ann.context().close();
});

test("an operator answers a mail with text and a PDF, in the sender's thread", async ({ browser }) => {
	const ann = await login(browser, data.ann);
	await ann.locator('[data-status="Active"]').click();
	await expect(ann.locator('[data-status="Active"]')).toHaveClass(/btn-primary/);

	// A customer mails the channel's address; the mailbox is pulled as Frappe's job pulls it.
	const tag = randomUUID().slice(0, 8);
	const customer = `mark-${tag}@client.test`;
	const subject = `Invoice for order ${tag}`;
	const body = `Please send me the invoice for order ${tag}.`;
	const { message_id } = mail("send", "--sender", customer, "--name", `Mark Mail ${tag}`, "--to", data.email_address, "--subject", subject, "--text", body);
	pull_mailbox();

	// It reaches Ann, with the sender's address on the client card.
	const conversation = await open_conversation(ann, body);
	await expect(ann.locator('[data-testid="side-panel"] [data-identity="E-mail"]')).toContainText(customer);
	await shot(ann, "channels-03-mail-client");

	// Ann answers with text and a PDF; both go out through the account's mail server.
	const answer_text = `Here it is, order ${tag}`;
	const composer = ann.getByTestId("composer");
	await composer.fill(answer_text);
	await composer.press("Enter");
	await sent(ann, conversation, reply(ann, answer_text), answer_text);
	await ann.locator('input[type="file"]').setInputFiles({ name: "invoice.pdf", mimeType: "application/pdf", buffer: PDF });
	const file = ann.getByTestId("history").locator(".iqc-message.from-operator", { has: ann.locator("a[download]") }).last();
	await expect(file).toContainText("invoice");
	await sent(ann, conversation, file, "File");
	await shot(ann, "channels-04-mail-replied");

	// The customer's mailbox has both, in the thread of their mail, and the PDF byte for byte.
	let mails = [];
	await expect
		.poll(() => {
			mails = mail("read", "--user", customer);
			return mails.length;
		}, { timeout: 30000 })
		.toBe(2);
	for (const found of mails) {
		expect(found.subject).toBe(`Re: ${subject}`);
		expect(found.in_reply_to).toBe(message_id);
		expect(found.from).toContain(data.email_address);
	}
	const text_mail = mails.find((m) => m.attachments.length === 0);
	expect(text_mail.text).toContain(answer_text);
	const with_file = mails.find((m) => m.attachments.length > 0);
	expect(with_file.attachments).toHaveLength(1);
	// The name as stored on the site: Frappe adds a suffix when another private file has the same name.
	expect(with_file.attachments[0].filename).toMatch(/^invoice\w*\.pdf$/);
	expect(with_file.attachments[0].content_type).toBe("application/pdf");
	expect(with_file.attachments[0].size).toBe(PDF.length);
	expect(with_file.attachments[0].sha256).toBe(sha256(PDF));
	await finish(ann, conversation);
	await ann.context().close();
});
