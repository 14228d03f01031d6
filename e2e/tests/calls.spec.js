// Calls in the workspace, driven by Mango Office's signed events as its PBX posts them: a ringing call
// pops up for Ann with the caller's card, the call shows in the history with its recording, and a
// missed call becomes a callback request that Ann calls back (through the local PBX stand-in) and
// completes.
import { test, expect } from "@playwright/test";
import { execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { data, login, shot, shown_dialog } from "./helpers.js";

const BENCH = process.env.IQC_BENCH_DIR;
const MANGO_API = `http://127.0.0.1:${process.env.IQC_MANGO_PORT || 8795}`;
let standin = null;
let calls = null;

async function answers(url) {
	try {
		return (await fetch(url)).ok;
	} catch (e) {
		return false;
	}
}

// The PBX stand-in: the one e2e/run started, else one of this test's own.
test.beforeAll(async () => {
	if (!(await answers(`${MANGO_API}/control/received`))) {
		standin = spawn(
			`${BENCH}/env/bin/python`,
			["-m", "iqchannels.tests.mango_standin", "--port", new URL(MANGO_API).port],
			{ cwd: `${BENCH}/sites`, stdio: "ignore" }
		);
		for (let i = 0; i < 50 && !(await answers(`${MANGO_API}/control/received`)); i++) {
			await new Promise((resolve) => setTimeout(resolve, 200));
		}
	}
	const kwargs = `{'line': '${data.line}', 'operator': '${data.ann}', 'mango_api': '${MANGO_API}'}`;
	const out = execFileSync(
		"bench",
		["--site", process.env.IQC_SITE, "execute", "iqchannels.tests.calls_fixture.prepare", "--kwargs", kwargs],
		{ cwd: BENCH, encoding: "utf8" }
	);
	calls = JSON.parse(out.trim().split("\n").pop());
});

test.afterAll(() => standin?.kill());

// What Mango Office posts: a form of vpbx_api_key, json and sign = sha256(key + json + salt).
async function mango(request, kind, payload) {
	const json = JSON.stringify(payload);
	const sign = createHash("sha256").update(calls.key + json + calls.salt).digest("hex");
	const answer = await request.post(`/api/method/iqchannels.api.telephony.mango/${kind}`, {
		form: { vpbx_api_key: calls.key, json, sign },
	});
	expect(answer.status(), await answer.text()).toBe(200);
	return (await answer.json()).message;
}

function leg(entry, seq, state, at, extra = {}) {
	return {
		entry_id: entry,
		call_id: `${entry}-op`,
		timestamp: at,
		seq,
		call_state: state,
		location: "abonent",
		from: { number: calls.number },
		to: { extension: calls.extension, number: "sip:ann@vpbx.mangosip.ru", line_number: "74951234567" },
		...extra,
	};
}

test("a ringing call pops up with the caller's card, shows in the history with its recording, and a missed call is called back", async ({
	browser,
	request,
}) => {
	const ann = await login(browser, data.ann);
	await expect(ann.locator('[data-status="Active"]')).toHaveClass(/btn-primary/);
	const now = Math.floor(Date.now() / 1000) - 120;
	const entry = `pw-${now}-${Math.floor(Math.random() * 1e6)}`;

	// The PBX rings Ann's extension: the call pops up with who calls and what they had before.
	await mango(request, "events/call", leg(entry, 1, "Appeared", now));
	const popup = ann.getByTestId("call-popup");
	await expect(popup).toBeVisible();
	await expect(popup.getByTestId("call-popup-card")).toContainText("Pavel Caller");
	await expect(popup.getByTestId("call-popup-card")).toContainText("Prefers calls in the morning");
	await expect(popup.getByTestId("call-popup-history")).toContainText("Where is my parcel?");
	await shot(ann, "calls-01-ringing");

	// Ann opens the client from the pop-up; once the call is answered the pop-up goes away.
	await popup.locator('[data-action="open-client"]').click();
	await expect(ann.getByTestId("client-name")).toContainText("Pavel Caller");
	await mango(request, "events/call", leg(entry, 2, "Connected", now + 10));
	await expect(popup).toHaveCount(0);

	// The call ends after a minute and its recording is ready: the history shows it with a player.
	await request.post(`${MANGO_API}/control/recording`, { data: { recording_id: `rec-${entry}` } });
	await mango(request, "events/call", leg(entry, 3, "Disconnected", now + 70, { disconnect_reason: 1110 }));
	await mango(request, "events/summary", {
		entry_id: entry,
		call_direction: 1,
		from: { number: calls.number },
		to: { extension: calls.extension },
		line_number: "74951234567",
		create_time: now,
		forward_time: now + 2,
		talk_time: now + 10,
		end_time: now + 70,
		entry_result: 1,
		disconnect_reason: 1110,
	});
	await mango(request, "events/recording", {
		entry_id: entry,
		call_id: `${entry}-op`,
		extension: calls.extension,
		recording_id: `rec-${entry}`,
		recording_state: "Completed",
		completion_code: 1000,
		recipient: "Cloud",
		seq: 1,
		timestamp: now + 71,
	});
	const history = ann.getByTestId("history");
	const answered = history.locator('.iqc-call-row[data-state="Answered"]');
	await expect(answered).toBeVisible();
	await expect(answered).toContainText("Incoming call");
	await expect(answered.getByTestId("call-duration")).toHaveText("1:00");
	const player = answered.getByTestId("call-recording");
	await expect(player).toBeVisible();
	// The player's source is the permission-checked recording: Ann's session gets the audio.
	const audio = await ann.request.get(await player.getAttribute("src"));
	expect(audio.status()).toBe(200);
	expect(audio.headers()["content-type"]).toContain("audio");
	await expect(ann.getByTestId("client-calls")).toContainText("1");
	await shot(ann, "calls-02-history-with-recording");

	// A second call rings and nobody answers: it pops up, goes away, and becomes a callback request
	// that the line gives to Ann.
	const missed = `${entry}-missed`;
	await mango(request, "events/call", leg(missed, 1, "Appeared", now + 100));
	await expect(popup).toBeVisible();
	await mango(request, "events/call", leg(missed, 2, "Disconnected", now + 125, { disconnect_reason: 1110 }));
	await expect(popup).toHaveCount(0);
	const requestRow = ann.locator('[data-testid="conversation-list"] .iqc-row', {
		has: ann.getByTestId("callback-icon"),
		hasText: "Pavel Caller",
	});
	await expect(requestRow).toBeVisible();
	await requestRow.click();
	const bar = ann.getByTestId("callback-bar");
	await expect(bar).toContainText(`+${calls.number}`);
	await expect(history.locator('.iqc-call-row[data-state="Missed"]')).toContainText("Missed call");
	await shot(ann, "calls-03-callback-request");

	// Call back: the PBX is asked to ring Ann's extension, then the client's number.
	await bar.locator('[data-action="call-back"]').click();
	await expect
		.poll(async () => {
			const received = (await (await fetch(`${MANGO_API}/control/received`)).json()).received;
			return received.some(
				(r) => r.path === "commands/callback" && r.json.from?.extension === calls.extension && r.json.to_number === calls.number
			);
		})
		.toBe(true);

	// The client is reached: Ann records it and the request closes as called back.
	await bar.locator('[data-outcome="Reached"]').click();
	const dialog = await shown_dialog(ann);
	await dialog.locator('textarea[data-fieldname="note"]').fill("Parcel rescheduled for Friday");
	await dialog.locator(".btn-primary").click();
	await expect(dialog).toBeHidden();
	await expect(history.locator("xpath=..")).toContainText("Closed: Called back");
	await expect(history).toContainText("Parcel rescheduled for Friday");
	await shot(ann, "calls-04-callback-completed");
});
