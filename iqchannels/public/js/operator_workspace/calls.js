// Calls as the workspace shows them: the line a call takes in the history, its duration, and which calls
// ring for me now. Pure functions (no Frappe, no Vue), so that they are tested with `node --test`;
// the labels are English keys the components translate.

// "0:42", "12:05", "1:02:03".
export function duration(seconds) {
	const total = Math.max(Math.round(Number(seconds) || 0), 0);
	const h = Math.floor(total / 3600);
	const m = Math.floor((total % 3600) / 60);
	const s = String(total % 60).padStart(2, "0");
	return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

const NOT_ANSWERED = new Set(["Missed", "Busy", "Failed"]);

// What the call was, as one label and an icon: an incoming call answered or missed, an outgoing one
// answered or not; a call still ringing says so.
export function call_label(call) {
	const inbound = call.direction !== "Outbound";
	if (call.state === "Ringing") return { icon: "📞", label: inbound ? "Incoming call, ringing" : "Calling" };
	if (NOT_ANSWERED.has(call.state)) {
		if (!inbound) return { icon: "↗", label: "Outgoing call, not answered" };
		return { icon: "↙", label: call.state === "Busy" ? "Missed call, line busy" : "Missed call", missed: true };
	}
	return { icon: inbound ? "↙" : "↗", label: inbound ? "Incoming call" : "Outgoing call" };
}

// The calls ringing for `user`, after the realtime event `event` ({call, state, operator, ...}): a call
// ringing at my extension pops up; once answered (here or elsewhere), ended, or ringing at someone
// else's, it goes away. Events may arrive twice or out of order: a call that left the ringing state
// never comes back from a late "Ringing" of the same call.
export function ringing_after(ringing, event, user, finished = new Set()) {
	const same = (item) => String(item.call) === String(event.call);
	const others = ringing.filter((item) => !same(item));
	if (event.state !== "Ringing" || event.ended_at) {
		finished.add(String(event.call));
		return others;
	}
	if (event.operator !== user || finished.has(String(event.call))) return others;
	return [...others, { ...(ringing.find(same) || {}), ...event }];
}

// The recording plays through the permission-checked endpoint of the calls' API.
export function recording_src(call) {
	return `/api/method/iqchannels.api.calls.recording?call=${encodeURIComponent(call)}`;
}
