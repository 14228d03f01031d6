// The Clients view: a line of more than 100 clients shows the large list, search by a company's INN
// finds its clients, a followed client's message elsewhere reaches Ann live, and a group chat with a
// colleague and two clients of the company carries everyone's messages.
import { test, expect } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { createHmac, randomUUID } from "node:crypto";
import { data, login, shot } from "./helpers.js";

function fixture() {
	const kwargs = `{'ann': '${data.ann}', 'bob': '${data.bob}'}`;
	const out = execFileSync(
		"bench",
		["--site", process.env.IQC_SITE, "execute", "iqchannels.tests.browser_clients_fixture.prepare", "--kwargs", kwargs],
		{ cwd: process.env.IQC_BENCH_DIR, encoding: "utf8" }
	);
	return JSON.parse(out.trim().split("\n").pop());
}

// The partner system of a channel, signing as the inbound API requires.
async function partner(request, channel, secret, method, payload) {
	const body = JSON.stringify({ channel, ...payload });
	const signature = "sha256=" + createHmac("sha256", secret).update(body).digest("hex");
	const answer = await request.post(`/api/method/iqchannels.api.inbound.${method}`, {
		data: body,
		headers: { "Content-Type": "application/json", "X-IQChannels-Signature": signature },
	});
	expect(answer.status(), await answer.text()).toBeLessThan(300);
	return (await answer.json()).message;
}

test("the Clients view: large list, search by INN, a followed client live, a group chat", async ({ browser, request }) => {
	const f = fixture();
	const writes = (who, text, channel = f.channel, secret = f.secret, id = who.id) =>
		partner(request, channel, secret, "message", { client: { id }, message_id: randomUUID(), text });
	const seen_by = async (who) =>
		(await partner(request, f.channel, f.secret, "history", { client: { id: who.id } })).messages.map((m) => m.text);

	const ann = await login(browser, data.ann);
	await ann.locator('[data-mode="clients"]').click();
	await ann.getByTestId("clients-line").selectOption(f.line);
	// More than 100 clients, none of them Ann's: the large list, which shows only hers.
	await expect(ann.getByTestId("large-list")).toBeVisible();
	expect(await ann.getByTestId("client-row").count()).toBeLessThan(100);
	await shot(ann, "clients-01-large-list");

	await ann.getByTestId("clients-search").fill(f.inn.slice(0, 7));
	const olga = ann.locator(`[data-testid="client-row"][data-client="${f.olga.client}"]`);
	const pavel = ann.locator(`[data-testid="client-row"][data-client="${f.pavel.client}"]`);
	await expect(olga).toContainText(f.olga.full_name);
	await expect(pavel).toContainText(f.pavel.full_name);
	await expect(ann.getByTestId("client-row")).toHaveCount(2);
	await expect(olga.getByTestId("client-company")).toHaveText(f.company);
	await shot(ann, "clients-02-search-by-inn");

	// Ann follows Olga, then opens a group chat with her, Bob and Pavel.
	await olga.getByTestId("favourite").click();
	await expect(olga.getByTestId("favourite")).toHaveText("★");
	await olga.getByTestId("start-group-chat").click();
	const dialog = ann.locator('[data-testid="group-chat-dialog"]');
	await dialog.getByText("Bob", { exact: true }).click();
	await dialog.getByText(f.pavel.full_name, { exact: true }).click();
	await dialog.locator('textarea[data-fieldname="text"]').fill("Welcome to the group");
	await dialog.getByRole("button", { name: "Start" }).click();
	await expect(ann.getByTestId("group-members")).toContainText(f.pavel.full_name);
	await expect(ann.getByTestId("group-members")).toContainText("Bob");
	await expect(ann.getByTestId("history")).toContainText("Welcome to the group");

	// Bob works it from his workspace: the group is one he collaborates on.
	const bob = await login(browser, data.bob);
	await bob.locator('[data-view="collaborating"]').click();
	await bob.locator(".iqc-row").filter({ hasText: f.olga.full_name }).first().click();
	await expect(bob.getByTestId("history")).toContainText("Welcome to the group");

	// Pavel writes on his own channel: both operators see it under his name, Olga gets it on hers.
	await writes(f.pavel, "The invoice is wrong");
	for (const page of [ann, bob]) {
		const message = page.locator('[data-author-type="Client"]').filter({ hasText: "The invoice is wrong" });
		await expect(message).toBeVisible();
		await expect(page.getByTestId("history")).toContainText(f.pavel.full_name);
	}
	await bob.getByTestId("composer").fill("Bob from billing: fixing it today");
	await bob.getByTestId("composer").press("Enter");
	await expect(ann.getByTestId("history")).toContainText("Bob from billing: fixing it today");
	await expect.poll(() => seen_by(f.olga)).toContain(`${f.pavel.full_name}: The invoice is wrong`);
	await expect.poll(() => seen_by(f.pavel)).toContain("Bob: Bob from billing: fixing it today");
	await shot(ann, "clients-03-group-chat");

	// Olga writes to Bob's other line, where Ann is not: Ann follows her, so it reaches Ann live.
	await writes(f.olga, "A question for the other department", f.bobs_channel, f.bobs_secret, f.olga.id_at_bob);
	await expect(ann.getByTestId("history")).toContainText("A question for the other department");
	await shot(ann, "clients-04-followed-client");
});
